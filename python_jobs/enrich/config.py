"""Settings for the enrichment tasks, and the one place the API key is read.

The key is never a field that gets printed: it lives in `EnrichConfig.api_key` with `repr=False`, is read
from the environment (or a `.env` file) and never from dbt vars (those end up in target/manifest.json).
`redact()` scrubs it from any text that could reach a log, a cache row or a table.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping

PROVIDERS = ("auto", "offline", "gemini")

# Defaults, with why:
DEFAULT_MODEL = "gemini-2.5-flash-lite"  # the seed's model
# Google's published Tier-1 quota for gemini-2.5-flash-lite is 4,000 requests/minute (check your project's
# quota page and lower this on the free tier). We pace at that quota; a 429 still backs everyone off.
DEFAULT_RPM = 4000
# Little's law: 4,000 RPM = 67 req/s; at the ~0.3-0.5 s latency of flash-lite that is 20-33 requests in
# flight, so 32 slots keep the pacer (not the slots) the limit without piling up waiting sockets.
DEFAULT_CONCURRENCY = 32
DEFAULT_MAX_ATTEMPTS = 5  # as the seed
DEFAULT_TIMEOUT_S = 60.0
# Several inputs per request: the pace is in requests, so this multiplies items/s (a missing or unusable
# item of a batched answer is retried alone). Titles are short (<= 200 chars in and out): 10 per request.
# Descriptions are up to 2,000 chars in and 200 words out each: 4 per request keeps a request's answer
# (~1,100 tokens at most) short enough that one slip costs little; 1 = the seed's one item per request.
DEFAULT_TITLE_BATCH_SIZE = 10
DEFAULT_DESCRIPTION_BATCH_SIZE = 4


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
    provider: str = "auto"                 # auto = gemini when a key is set, else offline
    model: str = DEFAULT_MODEL
    base_url: str | None = None            # e.g. a local fake server; None = Google's endpoint
    api_version: str = "v1beta"            # structured output and the Batch API live in v1beta
    concurrency: int = DEFAULT_CONCURRENCY
    requests_per_minute: int = DEFAULT_RPM
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    timeout_s: float = DEFAULT_TIMEOUT_S
    backoff_initial_s: float = 1.0         # first retry waits ~this long (exponential, with jitter)
    backoff_max_s: float = 60.0
    title_batch_size: int = DEFAULT_TITLE_BATCH_SIZE
    description_batch_size: int = DEFAULT_DESCRIPTION_BATCH_SIZE
    title_max_chars: int = 200             # seed NB03: cleaned title at most this long
    description_max_words: int = 200       # seed NB02: cleaned description under this many words
    temperature: float = 0.0               # cleaning is not creative writing; keeps re-runs comparable
    cache_path: Path | None = None         # SQLite file; None = no cache
    batch_api: bool = False                # the enrich job may use the Gemini Batch API instead
    batch_poll_s: float = 30.0
    batch_max_requests: int = 1000         # inlined requests per batch job (keeps a job well under 20 MB)
    progress: bool = True
    api_key: str | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.provider not in PROVIDERS:
            raise ValueError(f"provider must be one of {PROVIDERS}, got {self.provider!r}")
        for name in ("concurrency", "requests_per_minute", "max_attempts", "title_batch_size", "description_batch_size",
                     "batch_max_requests", "title_max_chars", "description_max_words"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)!r}")
        if self.timeout_s <= 0:
            raise ValueError(f"timeout_s must be > 0, got {self.timeout_s!r}")

    # ---- construction ---------------------------------------------------------------------------------------
    @classmethod
    def from_mapping(cls, values: Mapping[str, Any] | None, **overrides: Any) -> "EnrichConfig":
        """Build from a dbt config dict / CLI options; unknown keys are an error, None/"" mean default."""
        merged = {**(values or {}), **overrides}
        known = {f.name for f in cls.__dataclass_fields__.values()} - {"api_key"}
        unknown = sorted(set(merged) - known - {"category", "on_failure"})
        if unknown:
            raise ValueError(f"unknown enrichment settings: {unknown}")
        kwargs: dict[str, Any] = {}
        for name in known:
            value = merged.get(name)
            if value is None or value == "":
                continue
            kind = cls.__dataclass_fields__[name].type
            if name == "cache_path":
                value = Path(value)
            elif kind in ("int",):
                value = int(value)
            elif kind in ("float",):
                value = float(value)
            elif kind == "bool":
                value = value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes")
            kwargs[name] = value
        if "base_url" not in kwargs and os.environ.get("GEMINI_BASE_URL"):
            kwargs["base_url"] = os.environ["GEMINI_BASE_URL"]
        return cls(**kwargs)

    def resolved(self, env: Mapping[str, str] | None = None) -> "EnrichConfig":
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
        return {"clean_title": self.title_batch_size, "clean_description": self.description_batch_size}.get(task_name, 1)

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
