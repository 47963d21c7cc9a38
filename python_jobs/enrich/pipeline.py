"""The three tasks over an items table, shared by the dbt Python models and the `enrich` job.

Both paths build the task inputs with the same functions, so they compute the same input hashes and
share one cache: a long `python -m python_jobs enrich` run fills it, a following `dbt build` finds
every answer there.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import pyarrow as pa

from python_jobs.enrich.cache import AnswerCache
from python_jobs.enrich.config import EnrichConfig
from python_jobs.enrich.extract import MetadataInput
from python_jobs.enrich.providers import make_provider
from python_jobs.enrich.runner import RunStats, run_task
from python_jobs.enrich.settings import EnrichSettings
from python_jobs.enrich.tasks import get_task

log = logging.getLogger(__name__)


def _column(table: pa.Table, name: str) -> list[Any]:
    return table.column(name).to_pylist() if name in table.column_names else [None] * table.num_rows


def description_items(items: pa.Table) -> list[tuple[str, str]]:
    return list(zip(_column(items, "parent_asin"), (t or "" for t in _column(items, "description_text"))))


def title_items(items: pa.Table) -> list[tuple[str, str]]:
    return list(zip(_column(items, "parent_asin"), (t or "" for t in _column(items, "title"))))


def metadata_items(
    items: pa.Table, clean_titles: Mapping[str, str], clean_descriptions: Mapping[str, str]
) -> list[tuple[str, MetadataInput]]:
    """Seed NB04: the cleaned title and description, with categories, features, store and details."""
    out = []
    cols = {
        c: _column(items, c)
        for c in (
            "parent_asin",
            "title",
            "description_text",
            "categories_text",
            "features_text",
            "main_category",
            "store",
            "details",
        )
    }
    for i, asin in enumerate(cols["parent_asin"]):
        out.append(
            (
                asin,
                MetadataInput(
                    title=clean_titles.get(asin) or cols["title"][i] or "",
                    description=clean_descriptions.get(asin) or cols["description_text"][i] or "",
                    categories_text=cols["categories_text"][i] or "",
                    features_text=cols["features_text"][i] or "",
                    main_category=cols["main_category"][i] or "",
                    store=cols["store"][i] or "",
                    details=cols["details"][i],
                ),
            )
        )
    return out


def as_mapping(table: pa.Table, value_column: str) -> dict[str, str]:
    return dict(zip(table.column("parent_asin").to_pylist(), table.column(value_column).to_pylist()))


def run_named_task(
    task_name: str, items: list[tuple[str, Any]], config: EnrichConfig, *, batch_api: bool = False, wait: bool = True
) -> tuple[pa.Table, RunStats]:
    task = get_task(task_name, config.title_max_chars, config.description_max_words)
    provider = make_provider(config)
    cache = AnswerCache(config.cache_path) if (config.cache_path and provider.cacheable) else None
    try:
        return run_task(task, items, provider, cache, progress=config.progress, batch_api=batch_api, wait=wait)
    finally:
        if cache is not None:
            cache.close()


# ---- dbt Python model entry points -----------------------------------------------------------------------------
def clean_descriptions_model(items: pa.Table, settings: EnrichSettings) -> pa.Table:
    table, _ = run_named_task("clean_description", description_items(items), settings.config(progress=False).resolved())
    return table


def clean_titles_model(items: pa.Table, settings: EnrichSettings) -> pa.Table:
    table, _ = run_named_task("clean_title", title_items(items), settings.config(progress=False).resolved())
    return table


def metadata_model(
    items: pa.Table, clean_titles: pa.Table, clean_descriptions: pa.Table, settings: EnrichSettings
) -> pa.Table:
    inputs = metadata_items(
        items, as_mapping(clean_titles, "clean_title"), as_mapping(clean_descriptions, "clean_description")
    )
    table, _ = run_named_task("extract_metadata", inputs, settings.config(progress=False).resolved())
    return table
