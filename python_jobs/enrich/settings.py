"""Stage-2 settings: the `enrich_*` vars of dbt_project.yml, typed and checked, turned into an EnrichConfig."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, PositiveFloat, PositiveInt

from python_jobs.common.paths import CategoryPaths
from python_jobs.common.settings import StageSettings
from python_jobs.enrich.config import EnrichConfig

CACHE_FILE = "enrichment.sqlite"


class EnrichSettings(StageSettings):
    category: str
    enrich_provider: Literal["auto", "offline", "gemini"]
    enrich_model: str
    enrich_base_url: str  # "" = Google's endpoint (or env GEMINI_BASE_URL)
    enrich_api_version: str
    enrich_concurrency: int = Field(ge=1, le=1024)
    enrich_requests_per_minute: PositiveInt
    enrich_max_attempts: int = Field(ge=1, le=20)
    enrich_timeout_s: PositiveFloat
    enrich_backoff_initial_s: float = Field(ge=0.0)
    enrich_title_batch_size: int = Field(ge=1, le=50)
    enrich_description_batch_size: int = Field(ge=1, le=20)
    enrich_batch_max_requests: int = Field(ge=1, le=1_000_000)
    enrich_batch_max_bytes: int = Field(ge=10_000, le=2_000_000_000)  # Google's limit for one input file: 2 GB
    enrich_cache_path: str  # "" = data/cache/<category>/enrichment.sqlite
    enrich_title_max_chars: PositiveInt
    enrich_description_max_words: PositiveInt

    def cache_path(self, data_dir: Path | str = "data") -> Path:
        if self.enrich_cache_path:
            return Path(self.enrich_cache_path)
        return CategoryPaths(self.category, Path(data_dir)).cache_dir / CACHE_FILE

    def config(self, data_dir: Path | str = "data", **run_options: Any) -> EnrichConfig:
        """The EnrichConfig of these vars (not yet resolved: see EnrichConfig.resolved); `run_options` sets the
        knobs that are not vars (batch_api, progress, api_key, ...) or overrides a field for a test."""
        config = EnrichConfig(
            provider=self.enrich_provider,
            model=self.enrich_model,
            base_url=self.enrich_base_url or os.environ.get("GEMINI_BASE_URL") or None,
            api_version=self.enrich_api_version,
            concurrency=self.enrich_concurrency,
            requests_per_minute=self.enrich_requests_per_minute,
            max_attempts=self.enrich_max_attempts,
            timeout_s=self.enrich_timeout_s,
            backoff_initial_s=self.enrich_backoff_initial_s,
            title_batch_size=self.enrich_title_batch_size,
            description_batch_size=self.enrich_description_batch_size,
            batch_max_requests=self.enrich_batch_max_requests,
            batch_max_bytes=self.enrich_batch_max_bytes,
            title_max_chars=self.enrich_title_max_chars,
            description_max_words=self.enrich_description_max_words,
            cache_path=self.cache_path(data_dir),
        )
        return replace(config, **run_options)
