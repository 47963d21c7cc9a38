"""What the stage-6 dbt Python models call (models/06_generate/): each takes arrow tables, returns one.

dbt never fine-tunes. With llm_evaluate false (the default) the models return empty tables at once, so a default
`dbt build` costs nothing more; with it true they evaluate the registry's fine-tuned LLM (the entry these settings
train, or llm_model) and stop with a clear error when there is none (`python -m python_jobs finetune-llm` first).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa

from python_jobs.llm.settings import LlmSettings

CASE_TYPES = {
    "model_id": pa.string(),
    "task": pa.string(),
    "case_id": pa.string(),
    "prompt": pa.string(),
    "expected": pa.string(),
    "generated": pa.string(),
    "generated_titles": pa.string(),
    "rank": pa.float64(),
    "levels_correct": pa.int64(),
    "exact": pa.bool_(),
    "token_f1": pa.float64(),
    "valid": pa.bool_(),
}
METRIC_TYPES = {
    "model": pa.string(),
    "model_id": pa.string(),
    "metric": pa.string(),
    "value": pa.float64(),
    "ci_low": pa.float64(),
    "ci_high": pa.float64(),
    "n_users": pa.int64(),
}


def settings(dbt: Any, session: Any) -> LlmSettings:
    return LlmSettings.from_dbt(dbt, session)


def _table(rows: list[dict], types: dict[str, pa.DataType]) -> pa.Table:
    return pa.table({name: pa.array([r[name] for r in rows], kind) for name, kind in types.items()})


def llm_cases(sequences_val: pa.Table, s: LlmSettings) -> pa.Table:
    """Every evaluation case of the fine-tuned LLM (python_jobs.llm.evaluate); empty unless llm_evaluate."""
    if not s.llm_evaluate:
        return _table([], CASE_TYPES)
    from python_jobs.common.registry import ModelRegistry
    from python_jobs.llm.evaluate import evaluate
    from python_jobs.llm.train import registry_entry

    data_dir = Path("data")
    entry = registry_entry(s, data_dir)
    if not ModelRegistry.is_complete(entry):
        raise RuntimeError(
            f"llm_evaluate is true but the registry has no fine-tuned LLM {entry.name} ({entry.parent}): run "
            f"`python -m python_jobs finetune-llm --category {s.category}` with the same llm_* vars first, or name "
            f"an entry with llm_model; dbt never fine-tunes"
        )
    return _table(evaluate(s, entry, sequences_val.to_pylist(), data_dir), CASE_TYPES)


def next_item_metrics(ranks: pa.Table, n_boot: int, seed: int) -> pa.Table:
    """ranks (model, model_id, user_id, rank; rank null = a miss) -> stage 5's generative metrics per model, with
    the percentile-bootstrap interval (python_jobs.recommend.metrics.summarize, truncated at the beam)."""
    import numpy as np

    from python_jobs.recommend.metrics import summarize

    rows = []
    groups: dict[tuple[str, str], list[tuple[str, float]]] = {}
    for r in ranks.to_pylist():
        groups.setdefault((r["model"], r["model_id"]), []).append((r["user_id"], r["rank"]))
    for (model, model_id), members in sorted(groups.items()):
        values = np.asarray([np.nan if rank is None else rank for _, rank in sorted(members)], dtype=np.float64)
        for row in summarize(values, n_boot, seed, truncated=True):
            rows.append({"model": model, "model_id": model_id, **row})
    return _table(rows, METRIC_TYPES)
