"""What the stage-5 dbt Python models call (models/05_recommend/): each takes arrow tables, returns one.

Only what needs numpy or torch lives here (the negatives draw, training and scoring, the bootstrap, the registry
summaries); the relational rest is SQL beside them, and the column types are the yml contracts of the SQL models
that read these tables. Settings are the run's vars (RecommendSettings.from_dbt).
"""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa

from python_jobs.common.registry import ModelRegistry
from python_jobs.recommend.settings import RecommendSettings


def settings(dbt: Any, session: Any) -> RecommendSettings:
    return RecommendSettings.from_dbt(dbt, session)


def sampled_negatives(val: pa.Table, s: RecommendSettings) -> pa.Table:
    from python_jobs.recommend.cases import sampled_negatives

    return sampled_negatives(val, s.rec_eval_negatives, s.rec_eval_seed)


def neural_ranks(
    train: pa.Table,
    semantic_ids: pa.Table,
    cases: pa.Table,
    held_out: pa.Table,
    variant_ids: pa.Table,
    s: RecommendSettings,
) -> pa.Table:
    """Trains (or loads from the registry) every neural model in rec_models, and sid_sasrec on each ID variant,
    and ranks the cases with it; the held-out items (int_rec_cold_items) take no part in training."""
    from python_jobs.recommend.scoring import neural_ranks

    return neural_ranks(
        train, semantic_ids, cases, s, s.rec_models, held_out=held_out, variant_ids=variant_ids, log=print
    )


def variant_codes(embeddings: pa.Table, dbt: Any, session: Any) -> pa.Table:
    """int_rec_variant_codes: each rec_sid_variants variant's codes, from the stage-3 registry."""
    from python_jobs.recommend.variants import variant_codes
    from python_jobs.semantic_ids.settings import SemanticIdSettings

    return variant_codes(embeddings, settings(dbt, session).rec_sid_variants, SemanticIdSettings.from_dbt(dbt, session))


def group_metrics(groups: pa.Table, s: RecommendSettings) -> pa.Table:
    from python_jobs.recommend.metrics import summarize_groups

    return summarize_groups(groups, s.rec_bootstrap_samples, s.rec_eval_seed)


RECOMMENDER_COLUMNS = (
    "model",
    "model_id",
    "parameters",
    "n_items",
    "train_sequences",
    "holdout_users",
    "epochs_run",
    "best_epoch",
    "stopped_by",
    "steps",
    "holdout_ndcg_at_10",
    "train_seconds",
    "seconds_per_epoch",
    "device",
    "config",
)
CURVE_COLUMNS = ("model", "model_id", "epoch", "loss", "holdout_hit_at_10", "holdout_ndcg_at_10", "seconds")


def _columns(rows: list[dict], names: tuple[str, ...]) -> pa.Table:
    """Rows as columns (types: the contract of the SQL model that reads this table; empty = untyped columns)."""
    return pa.table({name: [r[name] for r in rows] for name in names})


def _entries(model_ids: list[str], s: RecommendSettings):
    registry = ModelRegistry(s.registry_root())
    return [(model_id, registry.find(model_id)) for model_id in sorted(set(model_ids))]


def stop_reason(summary: dict) -> str:
    """Why an entry trained before `stopped_by` was recorded stopped: patience when its last epochs did not improve."""
    stale = summary["epochs_run"] - summary["best_epoch"]
    return "patience" if stale >= summary["training"]["rec_patience"] else "epoch_cap"


def recommenders(model_ids: list[str], s: RecommendSettings) -> pa.Table:
    """One row per trained model behind the ranks: its registry summary."""
    rows = []
    for _, entry in _entries(model_ids, s):
        summary = ModelRegistry.summary(entry)
        rows.append(
            {
                **{k: summary.get(k) for k in RECOMMENDER_COLUMNS},
                "holdout_ndcg_at_10": summary["holdout_ndcg@10"],
                "stopped_by": summary.get("stopped_by") or stop_reason(summary),
                "config": json.dumps({"encoder": summary["encoder"], "training": summary["training"]}, sort_keys=True),
            }
        )
    return _columns(rows, RECOMMENDER_COLUMNS)


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
    return _columns(rows, CURVE_COLUMNS)


def beam_agreement(
    ranked: pa.Table, train: pa.Table, semantic_ids: pa.Table, cases: pa.Table, s: RecommendSettings
) -> pa.Table:
    """Beam search against exhaustive scoring, per beam-search model and seed of the generative ranks."""
    from python_jobs.recommend.generative import agreement_table

    return agreement_table(ranked, train, semantic_ids, cases, s)
