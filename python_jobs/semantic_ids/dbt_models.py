"""What the stage-3 dbt Python models call (models/03_semantic_ids/**.py stay thin)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from python_jobs.semantic_ids import stable
from python_jobs.semantic_ids.embed import embed_items
from python_jobs.semantic_ids.embeddings import EmbeddingSet
from python_jobs.semantic_ids.quantizer import TrainedQuantizer
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
    check_mode(settings)
    data = EmbeddingSet.from_arrow(embeddings)
    registry = QuantizerRegistry(settings.registry_dir)
    if settings.sid_registry_model:
        return registry.apply(
            settings.sid_registry_model, data, settings.sid_collision_policy, device=pinned_device(settings)
        )
    return registry.get_or_train(
        data,
        settings.quantizer_spec(data.dim),
        device=settings.sid_device,
        wandb_project=settings.wandb_project,
        progress=False,
    )


def check_mode(settings: SemanticIdSettings) -> None:
    if settings.sid_mode == "assign" and not settings.sid_registry_model:
        raise ValueError(
            "sid_mode: assign keeps the IDs of a pinned model: set sid_registry_model to its id (the model_id "
            "of sid_model in the build whose IDs to keep)"
        )


def pinned_device(settings: SemanticIdSettings) -> str:
    return "cpu" if settings.sid_device == "auto" else settings.sid_device


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


# ---- stable IDs across catalogue refreshes (python_jobs.semantic_ids.stable) ----

ASSIGNMENT_SCHEMA = pa.schema([("parent_asin", pa.string()), *[(f"sid_{i}", pa.int32()) for i in range(stable.LEVELS)]])


def ledger_path(model_id: str, settings: SemanticIdSettings) -> Path:
    return QuantizerRegistry(settings.registry_dir).root / model_id / stable.LEDGER_FILE


def reference_ids(model_id: str, settings: SemanticIdSettings) -> pa.Table:
    """int_sid_reference: the IDs this build compares with (and, in assign mode, keeps): `sid_reference_ids`
    when set, else the ledger next to the model (empty before the model's first build)."""
    path = Path(settings.sid_reference_ids) if settings.sid_reference_ids else ledger_path(model_id, settings)
    if settings.sid_reference_ids and not path.is_file():
        raise FileNotFoundError(f"sid_reference_ids: {path} not found")
    reference, _ = stable.read_reference(path)
    if settings.sid_mode == "assign" and reference.model_ids - {model_id}:
        raise ValueError(
            f"{path} holds IDs of model(s) {sorted(reference.model_ids)}, not of the pinned model {model_id}: "
            f"new items would be encoded in another model's code space"
        )
    return reference_table(reference, model_id, settings.sid_codebook_size)


def reference_table(reference: stable.Reference, model_id: str, codebook_size: int) -> pa.Table:
    table = stable.ledger_table(
        reference.asins, reference.codes, reference.text_hash, reference.status, model_id, codebook_size
    )
    return table.sort_by([("parent_asin", "ascending"), ("semantic_id", "ascending")])


def stable_assignment(
    embeddings: pa.Table, popularity: pa.Table, reference: pa.Table, settings: SemanticIdSettings
) -> pa.Table:
    """int_sid_assignment: in assign mode every item's full ID (kept from the reference, or placed by the pinned
    model and the collision policy around every reserved ID); in fresh mode empty (semantic_ids numbers all)."""
    if settings.sid_mode != "assign":
        return ASSIGNMENT_SCHEMA.empty_table()
    check_mode(settings)
    ref = stable.Reference.from_arrow(reference, "int_sid_reference")
    asins = np.array(embeddings.column("parent_asin").to_pylist(), dtype=object)
    order = np.argsort(asins.astype(str), kind="stable")
    asins = asins[order]
    hashes = np.array(embeddings.column("text_hash").to_pylist(), dtype=object)[order]
    keep, _ = stable.plan_assignment(ref, asins, hashes, settings.sid_changed_items)
    codes = np.zeros((len(asins), stable.LEVELS), dtype=np.int64)
    codes[keep >= 0] = ref.codes[keep[keep >= 0]]
    new = np.nonzero(keep < 0)[0]
    if len(new):
        registry = QuantizerRegistry(settings.registry_dir)
        model = TrainedQuantizer.load(registry.find(settings.sid_registry_model), pinned_device(settings))
        data = EmbeddingSet.from_arrow(embeddings.take(pa.array(order[new])))  # sorted already: same order
        pop = dict(zip(popularity.column("parent_asin").to_pylist(), popularity.column("popularity").to_pylist()))
        last = model.last_level_distances(data.x) if settings.sid_collision_policy == "last_level" else None
        codes[new] = stable.place_new_items(
            data.asins,
            model.encode(data.x),
            last,
            [pop.get(a, 0) for a in data.asins],
            ref.codes,
            settings.sid_collision_policy,
            settings.sid_codebook_size,
        )
    return pa.table(
        {"parent_asin": list(asins), **{f"sid_{i}": codes[:, i] for i in range(stable.LEVELS)}},
        schema=ASSIGNMENT_SCHEMA,
    )


def id_ledger(live: pa.Table, reference: pa.Table, settings: SemanticIdSettings) -> pa.Table:
    """sid_id_ledger: the model's ledger after this build, written next to the model in the registry. An
    assign build writes today's IDs + every reserved earlier one; a fresh build writes today's IDs, unless an
    assign build wrote the ledger before (a plain build never drops a stable ledger's reservations)."""
    model_ids = set(live.column("model_id").to_pylist())
    if len(model_ids) != 1:
        raise ValueError(f"semantic_ids holds IDs of {len(model_ids)} models: {sorted(model_ids)}")
    (model_id,) = model_ids
    path = ledger_path(model_id, settings)
    registry = QuantizerRegistry(settings.registry_dir)
    with registry.lock(path.parent):
        existing, written_by = stable.read_reference(path)
        if settings.sid_mode != "assign" and written_by == "assign":
            return reference_table(existing, model_id, settings.sid_codebook_size)
        live = live.sort_by("parent_asin")
        ledger = stable.update_ledger(
            stable.Reference.from_arrow(reference, "int_sid_reference"),
            live.column("parent_asin").to_pylist(),
            np.stack([live.column(f"sid_{i}").to_numpy() for i in range(stable.LEVELS)], 1),
            live.column("text_hash").to_pylist(),
            keep_reserved=settings.sid_mode == "assign",
            model_id=model_id,
            codebook_size=settings.sid_codebook_size,
        )
        stable.write_ledger(path, ledger, settings.sid_mode)
    return ledger
