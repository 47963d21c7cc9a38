"""What a quantizer is: its typed spec (model + training config) and a fitted model behind one interface.

    spec = SemanticIdSettings.load().quantizer_spec(input_dim=384)   # the vars, typed
    model = TrainedQuantizer.load(run_dir)                          # an RQ-VAE (torch) or RQ-KMeans (numpy)
    model.encode(x) -> int64 codes [N, levels]; model.reconstruct(x); model.last_level_distances(x)

No defaults here: every value comes from the stage-3 vars in dbt_project.yml (python_jobs.semantic_ids.settings).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from python_jobs.common.files import atomic_write
from python_jobs.semantic_ids.rqkmeans import RQKMeans, RQKMeansConfig

QUANTIZERS = ("rqvae", "rqkmeans")
# bump when a change to the training code changes what a given config produces (part of the registry key)
TRAINER_VERSION = 1


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation and selection settings (RQ-KMeans uses only seed, val_fraction and collision_policy)."""

    steps: int  # optimizer steps in total
    batch_size: int
    lr: float  # AdamW peak learning rate
    min_lr_ratio: float  # cosine decay ends at lr * min_lr_ratio
    warmup_steps: int  # linear warm-up from 0 to lr
    weight_decay: float  # linear weights only, never codebooks or biases
    grad_clip: float
    ae_warmup_steps: int  # autoencoder-only steps before k-means initialises the codebooks on its latents
    kmeans_init: bool  # False: keep the uniform random codebook init (for ablations)
    kmeans_max_items: int  # k-means init on at most this many training latents (seeded sample)
    kmeans_iters: int
    dead_code: str  # "reset": re-seed codes unused for a window with batch residuals; "none"
    dead_code_every: int  # window length in steps; a code with no item in the window is dead
    dead_code_until: float  # re-seeding stops after this fraction of steps; selection happens after
    eval_every: int  # evaluate, checkpoint and maybe select every N steps (and at the last step)
    log_every: int  # write train metrics every N steps
    val_fraction: float  # held-out items (seeded) for reconstruction-based selection
    seed: int
    # after selection: "last_level" moves items that share all codes to their nearest free last-level code
    # (collisions.resolve_collisions); "none" keeps every item's nearest codes
    collision_policy: str

    def __post_init__(self) -> None:
        if self.ae_warmup_steps >= self.steps:
            raise ValueError(f"sid_ae_warmup_steps ({self.ae_warmup_steps}) must be below sid_steps ({self.steps})")

    @property
    def reset_until_step(self) -> int:
        return int(self.dead_code_until * self.steps) if self.dead_code == "reset" else 0


@dataclass(frozen=True)
class QuantizerSpec:
    kind: str  # "rqvae" | "rqkmeans"
    model: Any  # RQVAEConfig | RQKMeansConfig
    train: TrainConfig
    # the registry key's settings: SemanticIdSettings.model_key(kind), every var that can change this kind's model
    # (empty for a spec read back from a saved model, which is loaded by id, never keyed again)
    key: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def levels(self) -> int:
        return self.model.levels

    @property
    def codebook_size(self) -> int:
        return self.model.codebook_size

    def to_dict(self) -> dict:
        train = asdict(self.train)
        if self.kind == "rqkmeans":  # the training settings an RQ-KMeans uses
            train = {
                "seed": self.train.seed,
                "val_fraction": self.train.val_fraction,
                "collision_policy": self.train.collision_policy,
            }
        return {"kind": self.kind, "model": self.model.to_dict(), "train": train}

    @classmethod
    def from_meta(cls, meta: dict) -> QuantizerSpec:
        """The spec saved beside a model's weights."""
        kind = meta["spec"]["kind"]
        return cls(kind, model_config_class(kind)(**meta["spec"]["model"]), TrainConfig(**meta["full_train"]))


def model_config_class(kind: str) -> type:
    if kind not in QUANTIZERS:
        raise ValueError(f"quantizer must be one of {QUANTIZERS}, not {kind!r}")
    if kind == "rqvae":
        from python_jobs.semantic_ids.rqvae import RQVAEConfig  # imports torch: only for the RQ-VAE

        return RQVAEConfig
    return RQKMeansConfig


class TrainedQuantizer:
    """A fitted quantizer: `encode(x) -> int64 codes [N, levels]`, `reconstruct(x)`, save/load."""

    def __init__(self, spec: QuantizerSpec, model: Any, device: str = "cpu") -> None:
        self.spec = spec
        self.model = model  # RQVAE (torch) or RQKMeans (numpy)
        self.device = device

    @property
    def kind(self) -> str:
        return self.spec.kind

    def encode(self, x: np.ndarray) -> np.ndarray:
        return self._batched(self.model.encode, x)

    def last_level_distances(self, x: np.ndarray) -> np.ndarray:
        return self._batched(self.model.last_level_distances, x)

    def reconstruct(self, x: np.ndarray) -> np.ndarray:
        return self._batched(self.model.reconstruct, x)

    def _batched(self, fn: Callable, x: np.ndarray, batch_size: int = 16384) -> np.ndarray:
        """numpy in, numpy out; the torch model sees bounded batches on its device, in eval mode, no grad."""
        if self.kind == "rqkmeans":
            return fn(x)
        import torch

        self.model.eval()
        with torch.no_grad():
            parts = [
                fn(torch.as_tensor(x[i : i + batch_size], dtype=torch.float32, device=self.device)).cpu().numpy()
                for i in range(0, max(len(x), 1), batch_size)
            ]
        return np.concatenate(parts)

    def save(self, path_stem: Path, extra: dict[str, Any]) -> Path:
        """Writes `<stem>.pt` (RQ-VAE) or `<stem>.npz` (RQ-KMeans) with the spec alongside the weights."""
        meta = json.dumps({"spec": self.spec.to_dict(), "full_train": asdict(self.spec.train), **extra}, sort_keys=True)
        if self.kind == "rqkmeans":
            path = path_stem.with_suffix(".npz")

            def write(p: Path) -> None:
                with p.open("wb") as f:
                    np.savez(f, meta=np.array(meta), **self.model.state_dict())

            atomic_write(path, write)
            return path
        import torch

        path = path_stem.with_suffix(".pt")
        state = {k: v.detach().cpu() for k, v in self.model.state_dict().items()}
        atomic_write(path, lambda p: torch.save({"meta": meta, "state_dict": state}, p))
        return path

    @classmethod
    def load(cls, run_dir: Path, device: str = "cpu") -> TrainedQuantizer:
        run_dir = Path(run_dir)
        if (run_dir / "model.npz").exists():
            with np.load(run_dir / "model.npz", allow_pickle=False) as z:
                meta = json.loads(str(z["meta"]))
                state = {k: z[k] for k in ("mean", "scale", "centres")}
            spec = QuantizerSpec.from_meta(meta)
            model = RQKMeans(spec.model)
            model.load_state_dict(state)
            return cls(spec, model, "cpu")
        if (run_dir / "model.pt").exists():
            import torch

            from python_jobs.common.device import resolve_device
            from python_jobs.semantic_ids.rqvae import RQVAE

            device = resolve_device(device)
            blob = torch.load(run_dir / "model.pt", map_location=device, weights_only=True)
            spec = QuantizerSpec.from_meta(json.loads(blob["meta"]))
            model = RQVAE(spec.model).to(device)
            model.load_state_dict(blob["state_dict"])
            model.eval()
            return cls(spec, model, device)
        raise FileNotFoundError(f"no model.pt or model.npz in {run_dir}")
