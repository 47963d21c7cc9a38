"""Train-or-load a quantizer through the model registry, and the codes it gives each item.

    result = QuantizerRegistry(Path("data/registry/sample")).get_or_train(data, spec)
    result.codes                                       # pyarrow: parent_asin, sid_0, sid_1, sid_2

An entry is keyed by a fingerprint of the embeddings' content and every stage-3 var that can change the model
(SemanticIdSettings.model_key, seed included),
so a dbt re-run or a CLI call with the same inputs loads the model instead of training it again, and a model
trained by `python -m python_jobs train-rqvae` on a GPU is picked up by `dbt build`. Entry folder:
    config.json        what was trained on what (written first)
    checkpoints/latest.pt   a killed run resumes here
    model.pt|model.npz the selected model, with its spec
    metrics.jsonl      one row per logged step: {"step", "phase": "train"|"eval"|"event", metric: value, ...}
    codes.parquet      parent_asin, sid_0..sid_{L-1} under the entry's collision policy
    summary.json       selected step and its metrics, timings; written last (python_jobs.common.registry)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from python_jobs.common.files import atomic_write, write_json
from python_jobs.common.hashing import fingerprint as hash_payload
from python_jobs.common.registry import ModelRegistry
from python_jobs.common.tracking import Tracker, make_tracker, read_metrics
from python_jobs.semantic_ids.collisions import resolve_collisions
from python_jobs.semantic_ids.embeddings import EmbeddingSet
from python_jobs.semantic_ids.quality import code_metrics
from python_jobs.semantic_ids.quantizer import TRAINER_VERSION, QuantizerSpec, TrainedQuantizer
from python_jobs.semantic_ids.train import TRAINERS


def spec_fingerprint(spec: QuantizerSpec, embeddings_hash: str) -> str:
    """The registry key: the embeddings' content, the input width and every stage-3 var that can change this kind of
    quantizer (SemanticIdSettings.model_key: all fields not declared `affects_model=False` or for the other kind)."""
    if not spec.key:
        raise ValueError(
            "a quantizer spec without settings has no registry key: use SemanticIdSettings.quantizer_spec()"
        )
    return hash_payload(
        {
            "trainer_version": TRAINER_VERSION,
            "embeddings": embeddings_hash,
            "input_dim": spec.model.input_dim,
            "settings": spec.key,
        }
    )


def codes_table(asins: np.ndarray, codes: np.ndarray) -> pa.Table:
    cols: dict[str, Any] = {"parent_asin": pa.array(list(asins), pa.string())}
    for level in range(codes.shape[1]):
        cols[f"sid_{level}"] = pa.array(codes[:, level].astype(np.int32), pa.int32())
    return pa.table(cols)


def codes_array(table: pa.Table, levels: int) -> np.ndarray:
    return np.stack([table.column(f"sid_{i}").to_numpy() for i in range(levels)], 1)


def assign_codes(model: TrainedQuantizer, data: EmbeddingSet, collision_policy: str) -> pa.Table:
    """parent_asin + one int column per level, in parent_asin order."""
    if data.dim != model.spec.model.input_dim:
        raise ValueError(f"model expects {model.spec.model.input_dim}-d embeddings, got {data.dim}-d")
    codes = model.encode(data.x)
    if collision_policy == "last_level":
        codes = resolve_collisions(codes, model.last_level_distances(data.x))
    return codes_table(data.asins, codes)


def code_summary(model: TrainedQuantizer, data: EmbeddingSet, codes: pa.Table) -> dict[str, Any]:
    """ID quality under the collision policy (`final`), before it (`raw_final`), and how many items it moved."""
    levels, k = model.spec.levels, model.spec.codebook_size
    final, raw = codes_array(codes, levels), model.encode(data.x)
    return {
        "final": asdict(code_metrics(final, k)),
        "raw_final": asdict(code_metrics(raw, k)),
        "items_moved_by_collision_policy": int((final != raw).any(1).sum()),
    }


@dataclass
class RegistryResult:
    codes: pa.Table
    fingerprint: str
    run_dir: Path
    trained: bool  # False: an existing model was reused
    summary: dict[str, Any]


class QuantizerRegistry(ModelRegistry):
    def get_or_train(
        self,
        data: EmbeddingSet,
        spec: QuantizerSpec,
        *,
        device: str = "auto",
        wandb_project: str = "semantic-ids",
        data_dir: Path | str = "data",
        force: bool = False,
        stop_after_step: int | None = None,
        progress: bool = True,
        tracker_factory: Callable[..., Tracker] = make_tracker,
    ) -> RegistryResult:
        """Load the model trained on exactly these embeddings with exactly this spec, or train it (resuming a
        killed run of it) and register it."""
        if data.dim != spec.model.input_dim:
            raise ValueError(f"spec input_dim {spec.model.input_dim} does not match the {data.dim}-d embeddings")
        emb_hash = data.content_hash()
        fp = spec_fingerprint(spec, emb_hash)
        run_dir = self.entry(spec.kind, fp)
        with self.lock(run_dir):
            if self.is_complete(run_dir) and not force:
                return RegistryResult(
                    self._codes(run_dir, data, spec.train.collision_policy), fp, run_dir, False, self.summary(run_dir)
                )
            if force:
                self.invalidate(run_dir)
                (run_dir / "checkpoints" / "latest.pt").unlink(missing_ok=True)
            config = {
                "fingerprint": fp,
                "embeddings": {"content_hash": emb_hash, "n_items": data.n, "dim": data.dim},
                "trainer_version": TRAINER_VERSION,
                **spec.to_dict(),
                "train_full": asdict(spec.train),
            }
            write_json(run_dir / "config.json", config)
            tracker = tracker_factory(
                project=wandb_project,
                config=config,
                data_dir=data_dir,
                run_name=f"{spec.kind}-L{spec.levels}-C{spec.codebook_size}-{fp[:8]}",
            )
            try:
                result = TRAINERS[spec.kind](
                    data,
                    spec,
                    run_dir,
                    fingerprint=fp,
                    tracker=tracker,
                    device=device,
                    stop_after_step=stop_after_step,
                    progress=progress,
                )
                codes = assign_codes(result.model, data, spec.train.collision_policy)
                atomic_write(run_dir / "codes.parquet", lambda p: pq.write_table(codes, p))
                summary = {
                    "fingerprint": fp,
                    "model_id": run_dir.name,
                    "kind": spec.kind,
                    "best_step": result.best_step,
                    "best_metrics": result.best_metrics,
                    **code_summary(result.model, data, codes),
                    "train_seconds": result.train_seconds,
                    "seconds_per_epoch": result.seconds_per_epoch,
                    "steps_per_epoch": result.steps_per_epoch,
                    "device": result.device,
                    "n_items": data.n,
                    "dim": data.dim,
                    "embeddings_hash": emb_hash,
                    "config": config,
                }
                final = code_metrics(codes_array(codes, spec.levels), spec.codebook_size)
                tracker.summary({"best_step": result.best_step, **{f"final/{k}": v for k, v in final.flat().items()}})
                model_file = next(p for p in (run_dir / "model.pt", run_dir / "model.npz") if p.exists())
                tracker.log_artifact(
                    model_file, f"{spec.kind}-best-{fp[:8]}", "model", {"best_step": result.best_step, **final.flat()}
                )
                self.complete(run_dir, summary)
            finally:
                tracker.finish()
        return RegistryResult(codes, fp, run_dir, True, summary)

    def _codes(self, run_dir: Path, data: EmbeddingSet, collision_policy: str) -> pa.Table:
        table = pq.read_table(run_dir / "codes.parquet")
        if table.num_rows != data.n or table.column("parent_asin").to_pylist() != list(data.asins):
            # same fingerprint means same items; anything else is a damaged entry: recompute from the model
            return assign_codes(TrainedQuantizer.load(run_dir), data, collision_policy)
        return table

    def apply(self, model_id: str, data: EmbeddingSet, collision_policy: str, device: str = "cpu") -> RegistryResult:
        """Codes from a named registry model (e.g. one trained on a GPU with full-scale settings) for these
        embeddings, under the given collision policy; the summary describes these codes, not the training set's."""
        run_dir = self.find(model_id)
        model = TrainedQuantizer.load(run_dir, device)
        codes = assign_codes(model, data, collision_policy)
        summary = {**self.summary(run_dir), **code_summary(model, data, codes), "n_items": data.n}
        return RegistryResult(codes, summary["fingerprint"], run_dir, False, summary)

    def metrics(self, run_dir: Path) -> list[dict[str, Any]]:
        return read_metrics(Path(run_dir) / "metrics.jsonl")
