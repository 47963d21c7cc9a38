"""What the stage-3 dbt Python models call (models/03_semantic_ids/**.py stay thin)."""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa

from python_jobs.semantic_ids.embed import embed_items
from python_jobs.semantic_ids.embeddings import EmbeddingSet
from python_jobs.semantic_ids.registry import QuantizerRegistry, RegistryResult
from python_jobs.semantic_ids.settings import SemanticIdSettings


def item_embeddings(items: pa.Table, settings: SemanticIdSettings) -> pa.Table:
    """item_embeddings: one vector per item of its item_context, through the shared embedding cache."""
    return embed_items(items, settings.embed_config(), settings.embedding_cache, progress=False).table


def quantizer_codes(embeddings: pa.Table, settings: SemanticIdSettings) -> RegistryResult:
    """Train-or-load through the registry, or apply the pinned `sid_registry_model`, under the collision policy."""
    if settings.sid_levels != 3:
        raise ValueError(
            f"sid_levels={settings.sid_levels}: the dbt Semantic-ID format has exactly 3 code levels + "
            f"the collision index; train other shapes with `python -m python_jobs train-rqvae`"
        )
    data = EmbeddingSet.from_arrow(embeddings)
    registry = QuantizerRegistry(settings.registry_dir)
    if settings.sid_registry_model:
        device = "cpu" if settings.sid_device == "auto" else settings.sid_device
        return registry.apply(settings.sid_registry_model, data, settings.sid_collision_policy, device=device)
    return registry.get_or_train(
        data,
        settings.quantizer_spec(data.dim),
        device=settings.sid_device,
        wandb_project=settings.wandb_project,
        progress=False,
    )


def item_codes(embeddings: pa.Table, settings: SemanticIdSettings) -> pa.Table:
    """int_item_codes: parent_asin, sid_0..sid_2 and the registry model they came from."""
    result = quantizer_codes(embeddings, settings)
    n = result.codes.num_rows
    return (
        result.codes.append_column("quantizer", pa.array([result.summary["kind"]] * n, pa.string()))
        .append_column("model_id", pa.array([result.run_dir.name] * n, pa.string()))
        .append_column("model_fingerprint", pa.array([result.fingerprint] * n, pa.string()))
    )


def model_summary(embeddings: pa.Table, settings: SemanticIdSettings) -> pa.Table:
    """sid_model: one row on the model behind the IDs; ID quality figures are those of these items' codes."""
    result = quantizer_codes(embeddings, settings)
    s, best = result.summary, result.summary["best_metrics"]
    return pa.table(
        {
            "model_id": [result.run_dir.name],
            "model_fingerprint": [s["fingerprint"]],
            "quantizer": [s["kind"]],
            "n_items": pa.array([s["n_items"]], pa.int64()),
            "embedding_dim": pa.array([s["dim"]], pa.int32()),
            "embeddings_hash": [s["embeddings_hash"]],
            "selected_step": pa.array([s["best_step"]], pa.int32()),
            "val_rel_recon": [float(best["val_rel_recon"])],
            "val_cosine": [float(best["val_cosine"])],
            "unique_share": [float(s["final"]["unique_share"])],
            "unique_share_before_collision_policy": [float(s["raw_final"]["unique_share"])],
            "items_moved_by_collision_policy": pa.array([s["items_moved_by_collision_policy"]], pa.int64()),
            "train_seconds": [float(s["train_seconds"])],
            "seconds_per_epoch": [float(s["seconds_per_epoch"])],
            "steps_per_epoch": pa.array([s["steps_per_epoch"]], pa.int32()),
            "device": [s["device"]],
            "config_json": [json.dumps(s["config"], sort_keys=True)],
        }
    )


def training_metrics(model_id: str, settings: SemanticIdSettings) -> pa.Table:
    """sid_training_metrics: the registry model's logged metrics, long format (one row per value)."""
    registry = QuantizerRegistry(settings.registry_dir)
    run_dir = registry.find(model_id)
    summary = registry.summary(run_dir)
    rows: list[dict[str, Any]] = [
        {
            "model_id": run_dir.name,
            "quantizer": summary["kind"],
            "step": int(row["step"]),
            "phase": row["phase"],
            "metric": metric,
            "value": float(value),
            "is_selected_step": row["phase"] == "eval" and int(row["step"]) == int(summary["best_step"]),
        }
        for row in registry.metrics(run_dir)
        for metric, value in sorted(row.items())
        if metric not in ("step", "phase")
    ]
    schema = pa.schema(
        [
            ("model_id", pa.string()),
            ("quantizer", pa.string()),
            ("step", pa.int32()),
            ("phase", pa.string()),
            ("metric", pa.string()),
            ("value", pa.float64()),
            ("is_selected_step", pa.bool_()),
        ]
    )
    return pa.Table.from_pylist(rows, schema=schema)
