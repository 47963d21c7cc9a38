"""Settings for the enrichment tasks, and the one place the API key is read.

The key is never a field that gets printed: it lives in `EnrichConfig.api_key` with `repr=False`, is read
from the environment (or a `.env` file) and never from dbt vars (those end up in target/manifest.json).
`redact()` scrubs it from any text that could reach a log, a cache row or a table.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

PROVIDERS = ("auto", "offline", "gemini")


def read_api_key(env: Mapping[str, str] | None = None, dotenv_path: str | os.PathLike | None = None) -> str | None:
    """GEMINI_API_KEY from the environment, else from a `.env` file (cwd upwards), else None."""
    env = os.environ if env is None else env
    key = env.get("GEMINI_API_KEY") or env.get("GOOGLE_API_KEY")
    if key:
        return key.strip() or None
    from dotenv import dotenv_values, find_dotenv

    path = dotenv_path if dotenv_path is not None else find_dotenv(usecwd=True)
    if path and Path(path).is_file():
        values = dotenv_values(path)
        key = values.get("GEMINI_API_KEY") or values.get("GOOGLE_API_KEY")
        return key.strip() if key and key.strip() else None
    return None


@dataclass(frozen=True)
class EnrichConfig:
    """What the enrichment runner needs. The first block mirrors the `enrich_*` vars (their defaults, and why,
    are in dbt_project.yml; build it with EnrichSettings.config()); the rest are run-time knobs."""

    provider: str  # auto = gemini when a key is set, else offline
    model: str
    base_url: str | None  # e.g. a local fake server; None = Google's endpoint
    api_version: str  # structured output and the Batch API live in v1beta
    concurrency: int  # requests in flight
    requests_per_minute: int  # global pace; a 429 still backs everyone off
    max_attempts: int
    timeout_s: float
    backoff_initial_s: float  # first retry waits ~this long (exponential, with jitter)
    title_batch_size: int  # inputs per request; an unusable item of a batch is retried alone
    description_batch_size: int
    batch_max_requests: int  # Batch API: requests (JSONL lines, each holding up to a batch size of items) per job
    batch_max_bytes: int  # Batch API: JSONL input file size per job (Google's limit: 2 GB a file)
    title_max_chars: int  # seed NB03: cleaned title at most this long
    description_max_words: int  # seed NB02: cleaned description under this many words
    cache_path: Path | None  # SQLite file; None = no cache
    # run-time knobs and constants, not vars
    backoff_max_s: float = 60.0
    temperature: float = 0.0  # cleaning is not creative writing; keeps re-runs comparable
    batch_api: bool = False  # the enrich job may use the Gemini Batch API instead
    batch_poll_s: float = 30.0
    progress: bool = True
    api_key: str | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.provider not in PROVIDERS:
            raise ValueError(f"provider must be one of {PROVIDERS}, got {self.provider!r}")
        for name in (
            "concurrency",
            "requests_per_minute",
            "max_attempts",
            "title_batch_size",
            "description_batch_size",
            "batch_max_requests",
            "batch_max_bytes",
            "title_max_chars",
            "description_max_words",
        ):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)!r}")
        if self.timeout_s <= 0:
            raise ValueError(f"timeout_s must be > 0, got {self.timeout_s!r}")

    def resolved(self, env: Mapping[str, str] | None = None) -> EnrichConfig:
        """Read the key and turn provider 'auto' into 'offline' or 'gemini'."""
        key = self.api_key or read_api_key(env)
        provider = self.provider
        if provider == "auto":
            provider = "gemini" if key else "offline"
        if provider == "gemini" and not key:
            raise ValueError("provider 'gemini' needs GEMINI_API_KEY (environment or .env file)")
        return replace(self, provider=provider, api_key=key if provider == "gemini" else None)

    def batch_size(self, task_name: str) -> int:
        """Inputs per online request for a task (1 for tasks that are not batched)."""
        return {"clean_title": self.title_batch_size, "clean_description": self.description_batch_size}.get(
            task_name, 1
        )

    def redact(self, text: str | None) -> str | None:
        return redact(text, self.api_key)


def redact(text: str | None, secret: str | None) -> str | None:
    """Replace every occurrence of the secret (and of the env key, if set) with '***'."""
    if text is None:
        return None
    for value in {secret, os.environ.get("GEMINI_API_KEY"), os.environ.get("GOOGLE_API_KEY")}:
        if value and len(value) >= 4:
            text = text.replace(value, "***")
    return text
