"""What the enrichment tests build around the fake Gemini server: a provider pointed at it, and stage-1 items."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from python_jobs.enrich.providers.gemini import GeminiProvider
from python_jobs.enrich.settings import EnrichSettings
from tests.fakes.gemini_server import FakeGemini


def gemini_provider(fake: FakeGemini, api_key: str, **settings: Any) -> GeminiProvider:
    """The real provider against `fake`, with test-short backoffs and timeout; `settings` change any config field."""
    config = dict(
        provider="gemini",
        api_key=api_key,
        base_url=fake.base_url,
        backoff_initial_s=0.01,
        backoff_max_s=0.05,
        timeout_s=5.0,
    )
    return GeminiProvider(EnrichSettings.load().config(**{**config, **settings}))


def items_table(asins: list[str], descriptions: list[str]) -> pa.Table:
    """An `items` table (the columns enrichment reads) of Video Games titles with the given descriptions."""
    n = len(asins)
    return pa.table(
        {
            "parent_asin": asins,
            "title": [f"GAME {i} - PS4 EDITION!!!" for i in range(n)],
            "description_text": descriptions,
            "features_text": [""] * n,
            "main_category": ["Video Games"] * n,
            "categories_text": [""] * n,
            "store": ["Sony"] * n,
            "details": ["{}"] * n,
        }
    )
