"""Run one task over items: cache lookup, provider calls for what is missing, fallback, a pyarrow table.

Items are (parent_asin, payload). Items whose prepared input is identical share one call. Answers are
stored in the cache the moment they arrive (the provider calls `on_done` per answer). An input whose
calls all failed gets the offline rules' answer in the table (status 'fallback', provider 'offline', the
last error kept) and stays 'failed' in the cache, so the next run tries the API again. Nothing is ever
written as "NA".
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import pyarrow as pa

from python_jobs.common.hashing import text_hash
from python_jobs.enrich.cache import AnswerCache, now
from python_jobs.enrich.normalize import METADATA_FIELDS, MetadataValidationError, normalize_metadata
from python_jobs.enrich.providers.base import Job, Outcome, Provider, ProviderStats
from python_jobs.enrich.providers.offline import OfflineProvider
from python_jobs.enrich.tasks import Task

log = logging.getLogger(__name__)

STATUS_OK, STATUS_FALLBACK, STATUS_EMPTY, STATUS_PENDING = "ok", "fallback", "empty", "pending"


@dataclass
class RunStats:
    task: str
    prompt_version: str
    provider: str
    model: str
    items: int = 0  # rows in the output
    unique_inputs: int = 0  # distinct non-empty inputs (what needs an answer)
    empty: int = 0  # rows with no input text (nothing to ask)
    cached: int = 0  # distinct inputs answered from the cache
    called: int = 0  # distinct inputs sent to the provider in this run
    ok: int = 0  # ... answered
    failed: int = 0  # ... failed for good (fallback used in the table, retried next run)
    pending: int = 0  # ... still inside a Batch API job
    requests: int = 0  # API requests made
    retries: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    batch_jobs_submitted: int = 0  # Batch API jobs created in this run
    batch_jobs_collected: int = 0  # ... and jobs (of this run or an earlier one) whose answers were stored
    batch_jobs_failed: int = 0  # ... ended failed, cancelled or expired: their inputs go again next run
    batch_bytes: int = 0  # JSONL uploaded
    seconds: float = 0.0
    started_at: str = ""
    finished_at: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        errs = ", ".join(f"{k}={v}" for k, v in sorted(self.errors.items())) or "none"
        batch = (
            f"batch jobs: {self.batch_jobs_submitted} submitted ({self.batch_bytes:,} bytes), "
            f"{self.batch_jobs_collected} collected, {self.batch_jobs_failed} failed; "
            if self.batch_jobs_submitted or self.batch_jobs_collected or self.batch_jobs_failed
            else ""
        )
        return (
            f"{self.task}: {self.items} items, {self.unique_inputs} distinct inputs; cached {self.cached}, "
            f"called {self.called} (ok {self.ok}, failed {self.failed}, pending {self.pending}); "
            f"{self.requests} requests, {self.retries} retries, errors: {errs}; {batch}{self.seconds:.1f}s "
            f"[{self.provider}/{self.model}]"
        )


def _progress_bar(total: int, desc: str) -> Any:
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit="item", leave=False)


def build_jobs(task: Task, items: Sequence[tuple[str, Any]]) -> tuple[list[Job], list[str | None]]:
    """Distinct jobs (first payload wins for identical inputs) and each item's job key (None = empty)."""
    jobs: dict[str, Job] = {}
    keys: list[str | None] = []
    for _, payload in items:
        text = task.prepare(payload)
        if not text or not text.strip():
            keys.append(None)
            continue
        key = text_hash(text)
        if key not in jobs:
            jobs[key] = Job(key, text, payload)
        keys.append(key)
    return list(jobs.values()), keys


def run_task(
    task: Task,
    items: Sequence[tuple[str, Any]],
    provider: Provider,
    cache: AnswerCache | None = None,
    *,
    progress: bool = True,
    batch_api: bool = False,
    wait: bool = True,
    fallback: Provider | None = None,
) -> tuple[pa.Table, RunStats]:
    """Answer `task` for every item; returns (table, stats). See module doc."""
    started = time.perf_counter()
    stats = RunStats(task.name, task.prompt_version, provider.name, provider.model, items=len(items), started_at=now())
    jobs, keys = build_jobs(task, items)
    stats.unique_inputs, stats.empty = len(jobs), sum(k is None for k in keys)
    use_cache = cache is not None and provider.cacheable
    cache_version = provider.cache_version(task)  # not task.prompt_version: a prompt or limit edit must miss

    results: dict[str, Outcome] = {}
    cache_hits: set[str] = set()
    if use_cache:
        assert cache is not None
        for key, row in cache.get_many(task.name, cache_version, provider.model, [j.key for j in jobs]).items():
            if row.status == "ok":
                results[key] = Outcome(key, True, row.value, attempts=0)
                cache_hits.add(key)
    stats.cached = len(cache_hits)
    to_call = [j for j in jobs if j.key not in results]
    stats.called = len(to_call)

    bar = _progress_bar(len(to_call), f"{task.name} [{provider.name}]") if progress and to_call else None

    def on_done(outcome: Outcome) -> None:
        # stored first: an answer that reached us survives whatever happens next
        if use_cache:
            assert cache is not None
            cache.put(
                task.name,
                cache_version,
                provider.model,
                outcome.key,
                status="ok" if outcome.ok else "failed",
                value=outcome.value if outcome.ok else None,
                attempts=outcome.attempts,
                error=outcome.error,
                provider=provider.name,
            )
        results[outcome.key] = outcome
        if bar is not None:
            bar.update(1)

    pstats = ProviderStats()
    try:
        if to_call:
            if batch_api:
                pstats = provider.run_batch_api(  # type: ignore[attr-defined]
                    task, to_call, on_done, cache, wait=wait, progress=progress
                )
            else:
                pstats = provider.run(task, to_call, on_done)
    finally:
        if bar is not None:
            bar.close()
    stats.requests, stats.retries, stats.errors = pstats.requests, pstats.retries, dict(pstats.errors)
    stats.batch_jobs_submitted, stats.batch_jobs_collected = pstats.batch_jobs_submitted, pstats.batch_jobs_collected
    stats.batch_jobs_failed, stats.batch_bytes = pstats.batch_jobs_failed, pstats.batch_bytes
    called_keys = {j.key for j in to_call}
    stats.ok = sum(1 for k, o in results.items() if k in called_keys and o.ok)
    stats.failed = sum(1 for k, o in results.items() if k in called_keys and not o.ok)
    stats.pending = len(called_keys) - stats.ok - stats.failed

    table = _table(task, items, keys, jobs, results, cache_hits, provider, fallback or OfflineProvider(workers=1))
    stats.seconds = round(time.perf_counter() - started, 3)
    stats.finished_at = now()
    if use_cache:
        assert cache is not None
        cache.log_run(stats.as_dict())
    log.debug(stats.summary())  # the CLI prints it; dbt models stay quiet
    return table, stats


def _table(
    task: Task,
    items: Sequence[tuple[str, Any]],
    keys: list[str | None],
    jobs: list[Job],
    results: dict[str, Outcome],
    cache_hits: set[str],
    provider: Provider,
    fallback: Provider,
) -> pa.Table:
    by_key = {j.key: j for j in jobs}
    fallback_values: dict[str, Any] = {}
    rows: list[dict[str, Any]] = []
    for (asin, payload), key in zip(items, keys):
        row: dict[str, Any] = {
            "parent_asin": asin,
            "input_hash": key,
            "cache_hit": key in cache_hits,
            "attempts": 0,
            "error": None,
            "prompt_version": task.prompt_version,
        }
        outcome = results.get(key) if key else None
        if key is None:
            value, status, who = (
                (task.offline(payload) if task.name == "extract_metadata" else ""),
                STATUS_EMPTY,
                fallback,
            )
        elif outcome is not None and outcome.ok:
            value, status, who = outcome.value, STATUS_OK, provider
            row["attempts"] = outcome.attempts
        else:
            if key not in fallback_values:
                fallback_values[key] = fallback.answer(task, by_key[key].payload)  # type: ignore[attr-defined]
            value, who = fallback_values[key], fallback
            status = STATUS_FALLBACK if outcome is not None or key in results else STATUS_PENDING
            if outcome is not None:
                row["attempts"], row["error"] = outcome.attempts, outcome.error
            else:
                row["error"] = "not answered in this run"
        if task.name == "extract_metadata":
            try:
                meta = normalize_metadata(value)
            except MetadataValidationError as exc:  # a cached answer the current rules reject
                meta = normalize_metadata(fallback.answer(task, payload))  # type: ignore[attr-defined]
                status, who, row["error"] = STATUS_FALLBACK, fallback, f"cached answer rejected: {exc}"
            row.update(meta.as_dict())
        else:
            row[task.output_column] = value
        row.update(status=status, provider=who.name, model=who.model)
        rows.append(row)
    return pa.Table.from_pylist(rows, schema=output_schema(task))


def output_schema(task: Task) -> pa.Schema:
    common = [
        ("status", pa.string()),
        ("provider", pa.string()),
        ("model", pa.string()),
        ("prompt_version", pa.string()),
        ("input_hash", pa.string()),
        ("cache_hit", pa.bool_()),
        ("attempts", pa.int32()),
        ("error", pa.string()),
    ]
    if task.name == "extract_metadata":
        fields = [("parent_asin", pa.string())]
        for name in METADATA_FIELDS:
            fields.append((name, pa.list_(pa.string()) if name in ("platform", "genre") else pa.string()))
        fields.append(("dropped_keys", pa.list_(pa.string())))
    else:
        fields = [("parent_asin", pa.string()), (task.output_column, pa.string())]
    return pa.schema(fields + common)
