"""Providers answer enrichment tasks: `offline` (rules) or `gemini` (the google-genai SDK)."""

from __future__ import annotations

from python_jobs.enrich.config import EnrichConfig
from python_jobs.enrich.providers.base import Job, Outcome, Provider, ProviderStats
from python_jobs.enrich.providers.offline import OFFLINE_MODEL, OfflineProvider


def make_provider(config: EnrichConfig) -> Provider:
    """The provider a resolved config names ('auto' must be resolved first, see EnrichConfig.resolved)."""
    if config.provider == "offline":
        return OfflineProvider()
    if config.provider == "gemini":
        from python_jobs.enrich.providers.gemini import GeminiProvider  # imports google-genai lazily

        return GeminiProvider(config)
    raise ValueError(f"provider {config.provider!r} is not resolved; call EnrichConfig.resolved() first")


__all__ = ["Job", "Outcome", "Provider", "ProviderStats", "OfflineProvider", "OFFLINE_MODEL", "make_provider"]
