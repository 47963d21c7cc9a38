"""What the stage-5 dbt Python models call (models/05_recommend/): each takes arrow tables, returns one.

The dbt models stay one-liners; everything here is the same library code `python -m python_jobs eval` runs, so
the CLI and `dbt build` write the same tables. Settings are the run's vars (RecommendSettings.from_dbt).
"""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa

from python_jobs.common.registry import ModelRegistry
from python_jobs.recommend import evaluate
from python_jobs.recommend.settings import RecommendSettings


def settings(dbt: Any, session: Any) -> RecommendSettings:
    return RecommendSettings.from_dbt(dbt, session)


def eval_cases(train: pa.Table, val: pa.Table, s: RecommendSettings) -> pa.Table:
    return evaluate.build_cases(train, val, s)


def reference_ranks(train: pa.Table, semantic_ids: pa.Table, cases: pa.Table, s: RecommendSettings) -> pa.Table:
    return evaluate.reference_rank_rows(train, semantic_ids, cases, s, s.rec_models)


def model_ranks(train: pa.Table, semantic_ids: pa.Table, cases: pa.Table, s: RecommendSettings) -> pa.Table:
    """Trains (or loads from the registry) every neural model in rec_models and ranks the cases with it."""
    ranks, _, _ = evaluate.neural_rank_rows(train, semantic_ids, cases, s, s.rec_models, log=print)
    return ranks


def ordered_ranks(ranks: pa.Table, s: RecommendSettings) -> pa.Table:
    return evaluate.order_ranks(ranks, s.rec_models)


def metrics(ranks: pa.Table, s: RecommendSettings) -> pa.Table:
    return evaluate.metrics_table(ranks, s)


def metrics_breakdown(ranks: pa.Table, s: RecommendSettings) -> pa.Table:
    return evaluate.breakdown_table(ranks, s)


MODEL_SCHEMA = pa.schema(
    [
        ("model", pa.string()),
        ("model_id", pa.string()),
        ("parameters", pa.int64()),
        ("n_items", pa.int64()),
        ("train_sequences", pa.int64()),
        ("holdout_users", pa.int64()),
        ("epochs_run", pa.int64()),
        ("best_epoch", pa.int64()),
        ("steps", pa.int64()),
        ("holdout_ndcg_at_10", pa.float64()),
        ("train_seconds", pa.float64()),
        ("seconds_per_epoch", pa.float64()),
        ("device", pa.string()),
        ("config", pa.string()),
    ]
)


def _entries(model_ids: list[str], s: RecommendSettings):
    registry = ModelRegistry(s.registry_root())
    return [(model_id, registry.find(model_id)) for model_id in sorted(set(model_ids))]


def recommenders(model_ids: list[str], s: RecommendSettings) -> pa.Table:
    """One row per trained model behind the ranks: its registry summary."""
    rows = []
    for _, entry in _entries(model_ids, s):
        summary = ModelRegistry.summary(entry)
        rows.append(
            {
                **{k: summary.get(k) for k in MODEL_SCHEMA.names},
                "holdout_ndcg_at_10": summary["holdout_ndcg@10"],
                "config": json.dumps({"encoder": summary["encoder"], "training": summary["training"]}, sort_keys=True),
            }
        )
    return pa.Table.from_pylist(rows, schema=MODEL_SCHEMA)


CURVE_SCHEMA = pa.schema(
    [
        ("model", pa.string()),
        ("model_id", pa.string()),
        ("epoch", pa.int64()),
        ("loss", pa.float64()),
        ("holdout_hit_at_10", pa.float64()),
        ("holdout_ndcg_at_10", pa.float64()),
        ("seconds", pa.float64()),
    ]
)


def training_curves(model_ids: list[str], s: RecommendSettings) -> pa.Table:
    """Per epoch of each model: training loss and the held-out metrics early stopping watched."""
    rows = []
    for model_id, entry in _entries(model_ids, s):
        model = ModelRegistry.summary(entry)["model"]
        for line in (entry / "metrics.jsonl").read_text().splitlines():
            r = json.loads(line)
            rows.append(
                {
                    "model": model,
                    "model_id": model_id,
                    "epoch": r["step"],
                    "loss": r["loss"],
                    "holdout_hit_at_10": r["holdout_hit@10"],
                    "holdout_ndcg_at_10": r["holdout_ndcg@10"],
                    "seconds": r["seconds"],
                }
            )
    return pa.Table.from_pylist(rows, schema=CURVE_SCHEMA)
