"""Stage-2 settings: the `enrich_*` vars of dbt_project.yml, typed and checked, turned into an EnrichConfig."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, PositiveFloat, PositiveInt

from python_jobs.common.paths import CategoryPaths
from python_jobs.common.settings import StageSettings, setting, uses
from python_jobs.enrich.config import EnrichConfig
from python_jobs.prepare.settings import PrepareSettings

CACHE_FILE = "enrichment.sqlite"
Share = Annotated[float, Field(ge=0.0, le=1.0)]


class EnrichSettings(uses(PrepareSettings, "category"), StageSettings):
    flag_prefixes = ("enrich_",)

    enrich_provider: Literal["auto", "offline", "gemini"] = setting(
        "gemini = the Gemini API (needs GEMINI_API_KEY in the environment or .env); offline = rules; "
        "auto = gemini when a key is set. Offline answers are not cached (dbt recomputes them)."
    )
    enrich_model: str = setting("Gemini model name.")
    enrich_base_url: str = setting(
        "API endpoint override (e.g. a local test server); '' = env GEMINI_BASE_URL, else Google's."
    )
    enrich_api_version: str = setting("API version path segment.")
    enrich_concurrency: int = setting("Requests in flight at once.", ge=1, le=1024)
    enrich_requests_per_minute: PositiveInt = setting(
        "Global pace in requests per minute, all workers together; set it to your quota.", flag="--rpm"
    )
    enrich_max_attempts: int = setting(
        "Attempts per item (429/5xx/timeouts/bad answers are retried with backoff).", ge=1, le=20
    )
    enrich_timeout_s: PositiveFloat = setting(
        "Seconds before one request is abandoned (and retried).", flag="--timeout"
    )
    enrich_backoff_initial_s: float = setting("First retry waits about this long (exponential, with jitter).", ge=0.0)
    enrich_title_batch_size: int = setting("Titles sent per request (1 = one per request, as the seed).", ge=1, le=50)
    enrich_description_batch_size: int = setting(
        "Descriptions sent per request (1 = one per request, as the seed). An item missing or unusable in a "
        "batched answer is retried alone; the cache stays per item.",
        ge=1,
        le=20,
    )
    enrich_batch_max_requests: int = setting("With --batch-api: requests (JSONL lines) per job.", ge=1, le=1_000_000)
    enrich_batch_max_bytes: int = setting(
        "With --batch-api: bytes per JSONL input file (Google's limit: 2 GB).", ge=10_000, le=2_000_000_000
    )
    enrich_cache_path: str = setting(
        "Answer cache (SQLite); '' = DATA_DIR/cache/CATEGORY/enrichment.sqlite.", flag="--cache"
    )
    enrich_title_max_chars: PositiveInt = setting("Cleaned titles at most this long (part of the cache key).")
    enrich_description_max_words: PositiveInt = setting(
        "Cleaned descriptions under this many words (part of the cache key)."
    )
    enrich_min_coverage: dict[str, Share] = setting(
        "Metadata field -> least share of items with a value; the build fails below it."
    )

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
