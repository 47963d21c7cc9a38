"""Training and applying a Semantic-ID quantizer (RQ-VAE or RQ-KMeans), and the local model registry.

    data = EmbeddingSet.from_arrow(table)                  # parent_asin + embedding, sorted by parent_asin
    spec = build_spec("rqvae", data.dim, {"steps": 2000})  # typed configs from plain settings
    result = Registry(Path("data/registry/sample")).get_or_train(data, spec)
    result.codes                                           # pyarrow: parent_asin, sid_0, sid_1, sid_2

The registry keys a trained model by a fingerprint of (embeddings content, quantizer kind + config, training
config incl. seed), so a dbt re-run or a second CLI call with the same inputs loads the model instead of
training again, and a model trained by `python -m python_jobs train-rqvae` on a GPU is picked up by `dbt build`.
The device is not part of the key (a GPU-trained model serves a CPU build).

Registry folder `<root>/<kind>-<fingerprint[:16]>/`:
    config.json        what was trained on what (written first)
    checkpoints/latest.pt   optimizer + model + step, rewritten at every evaluation: a killed run resumes here
    model.pt|model.npz the selected model (best held-out score), with its config
    metrics.jsonl      one row per logged step: {"step", "phase": "train"|"eval", metric: value, ...}
    codes.parquet      parent_asin, sid_0..sid_{L-1} for the items trained on
    summary.json       chosen step and its metrics, timings; written last, so its presence means "complete"

Model selection (RQ-VAE): evaluated every `eval_every` steps on
    score = (1 - R^2 of the held-out items' reconstruction) + collision rate of the full 3-code IDs over all items
and the lowest score wins, among evaluations made after the dead-code re-seeding phase has ended, so the
selected model's codebook usage is what training kept, not what a reset just forced.
Collisions are measured over all items because a held-out slice of a few hundred items almost never collides.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import math
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from python_jobs.rqkmeans import RQKMeans, RQKMeansConfig
from python_jobs.sid_quality import code_metrics, resolve_collisions
from python_jobs.tracking import NullTracker, Tracker, make_tracker

QUANTIZERS = ("rqvae", "rqkmeans")
# bump when a change to the training code changes what a given config produces
TRAINER_VERSION = 1


# ---------------------------------------------------------------------------------------------------------
# Inputs


@dataclass(frozen=True)
class EmbeddingSet:
    """Item embeddings sorted by parent_asin, so row order upstream never changes a model or an ID."""

    asins: np.ndarray  # [N] str
    x: np.ndarray  # [N, D] float32

    @property
    def n(self) -> int:
        return int(self.x.shape[0])

    @property
    def dim(self) -> int:
        return int(self.x.shape[1])

    @classmethod
    def from_arrow(cls, table: pa.Table, key: str = "parent_asin", column: str = "embedding") -> EmbeddingSet:
        missing = {key, column} - set(table.column_names)
        if missing:
            raise ValueError(f"embeddings table lacks column(s) {sorted(missing)}; has {table.column_names}")
        asins = np.asarray(table.column(key).to_pylist(), dtype=object)
        if any(a is None for a in asins):
            raise ValueError(f"embeddings table has {sum(a is None for a in asins)} null {key}")
        emb = table.column(column).combine_chunks()
        if emb.null_count:
            raise ValueError(f"{emb.null_count} items have a null embedding")
        if pa.types.is_fixed_size_list(emb.type):
            dim = emb.type.list_size
            x = emb.flatten().to_numpy(zero_copy_only=False).astype(np.float32).reshape(-1, dim)
        else:
            lengths = set(pa.compute.list_value_length(emb).to_pylist())
            if len(lengths) != 1:
                raise ValueError(f"embeddings have different lengths: {sorted(lengths)[:5]}")
            x = emb.flatten().to_numpy(zero_copy_only=False).astype(np.float32).reshape(len(asins), -1)
        return cls.build(asins, x)

    @classmethod
    def build(cls, asins: Any, x: np.ndarray) -> EmbeddingSet:
        asins = np.asarray([str(a) for a in asins], dtype=object)
        x = np.ascontiguousarray(x, dtype=np.float32)
        if len(asins) != x.shape[0]:
            raise ValueError(f"{len(asins)} keys but {x.shape[0]} embeddings")
        order = np.argsort(asins.astype(str), kind="stable")
        asins, x = asins[order], x[order]
        dup = asins[1:][asins[1:] == asins[:-1]]
        if len(dup):
            raise ValueError(f"{len(dup)} duplicate parent_asin in the embeddings, e.g. {list(dup[:3])}")
        if not np.isfinite(x).all():
            bad = asins[~np.isfinite(x).all(1)]
            raise ValueError(f"{len(bad)} embeddings contain NaN/inf, e.g. {list(bad[:3])}")
        return cls(asins, x)

    @classmethod
    def from_parquet(cls, path: Path | str) -> EmbeddingSet:
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"embeddings file {path} not found; create it with `python -m python_jobs embed`")
        return cls.from_arrow(pq.read_table(path, columns=["parent_asin", "embedding"]))

    def content_hash(self) -> str:
        """sha256 over (key, float32 bytes) in key order: identical for identical embeddings of identical items."""
        h = hashlib.sha256()
        h.update(f"{self.n}x{self.dim}".encode())
        for asin, row in zip(self.asins, self.x):
            h.update(asin.encode("utf-8") + b"\0")
            h.update(row.tobytes())
        return h.hexdigest()


# ---------------------------------------------------------------------------------------------------------
# Configuration


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation and selection settings (RQ-KMeans uses only seed and val_fraction)."""

    steps: int = 600  # optimizer steps in total (sample-sized default; use --epochs/--steps for full scale)
    batch_size: int = 512
    lr: float = 2e-3  # AdamW peak learning rate
    min_lr_ratio: float = 0.02  # cosine decay ends at lr * min_lr_ratio
    warmup_steps: int = 50  # linear warm-up from 0 to lr
    weight_decay: float = 0.01  # linear weights only, never codebooks or biases
    grad_clip: float = 1.0
    ae_warmup_steps: int = 150  # autoencoder-only steps before k-means initialises the codebooks on its latents
    kmeans_init: bool = True  # False: keep the uniform random codebook init (for ablations)
    kmeans_max_items: int = 65536  # k-means init on at most this many training latents (seeded sample)
    kmeans_iters: int = 100
    dead_code: str = "reset"  # "reset": re-seed codes unused for a window with batch residuals; "none"
    dead_code_every: int = 50  # window length in steps; a code with no item in the window is dead
    dead_code_until: float = 0.6  # re-seeding stops after this fraction of steps; selection happens after
    eval_every: int = 100  # evaluate, checkpoint and maybe select every N steps (and at the last step)
    log_every: int = 10  # write train metrics every N steps
    val_fraction: float = 0.05  # held-out items (seeded) for reconstruction-based selection
    seed: int = 42
    # after selection: "last_level" moves items that share all codes to their nearest free last-level code
    # (sid_quality.resolve_collisions); "none" keeps every item's nearest codes
    collision_policy: str = "last_level"

    def __post_init__(self) -> None:
        if self.collision_policy not in ("last_level", "none"):
            raise ValueError(f"collision_policy must be 'last_level' or 'none', not {self.collision_policy!r}")
        if self.dead_code not in ("reset", "none"):
            raise ValueError(f"dead_code must be 'reset' or 'none', not {self.dead_code!r}")
        if not 0.0 <= self.val_fraction < 0.5:
            raise ValueError("val_fraction must be in [0, 0.5)")
        if not 0.0 <= self.dead_code_until <= 1.0:
            raise ValueError("dead_code_until is a fraction of the steps, in [0, 1]")
        if self.steps < 1 or self.batch_size < 1 or self.eval_every < 1 or self.log_every < 1:
            raise ValueError("steps, batch_size, eval_every and log_every must be positive")
        if self.ae_warmup_steps >= self.steps:
            raise ValueError(f"ae_warmup_steps ({self.ae_warmup_steps}) must be below steps ({self.steps})")

    @property
    def reset_until_step(self) -> int:
        return int(self.dead_code_until * self.steps) if self.dead_code == "reset" else 0


@dataclass(frozen=True)
class QuantizerSpec:
    kind: str  # "rqvae" | "rqkmeans"
    model: Any  # RQVAEConfig | RQKMeansConfig
    train: TrainConfig

    @property
    def levels(self) -> int:
        return self.model.levels

    @property
    def codebook_size(self) -> int:
        return self.model.codebook_size

    def to_dict(self) -> dict:
        train = asdict(self.train)
        if self.kind == "rqkmeans":  # only what changes the result belongs in the fingerprint
            train = {"seed": self.train.seed, "val_fraction": self.train.val_fraction,
                     "collision_policy": self.train.collision_policy}
        return {"kind": self.kind, "model": self.model.to_dict(), "train": train}

    def fingerprint(self, embeddings_hash: str) -> str:
        payload = {"trainer_version": TRAINER_VERSION, "embeddings": embeddings_hash, **self.to_dict()}
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


MODEL_KEYS = {"levels", "codebook_size", "latent_dim", "hidden_dims", "commitment", "gradient", "recon_loss",
              "standardize", "max_iter", "n_init", "minibatch"}


def _coerce(value: Any, default: Any) -> Any:
    """Settings arrive as strings from dbt config / env; convert to the type of the dataclass default."""
    if isinstance(default, bool):
        if isinstance(value, str):
            if value.strip().lower() in ("1", "true", "yes", "on"):
                return True
            if value.strip().lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError(f"not a boolean: {value!r}")
        return bool(value)
    if isinstance(default, int):
        return int(float(value)) if isinstance(value, str) else int(value)
    if isinstance(default, float):
        return float(value)
    if isinstance(default, tuple):
        if isinstance(value, str):
            value = json.loads(value) if value.strip().startswith("[") else [v for v in value.split(",") if v.strip()]
        return tuple(int(v) for v in value)
    return str(value)


def build_spec(kind: str, input_dim: int, settings: dict[str, Any] | None = None) -> QuantizerSpec:
    """Typed spec from flat settings (CLI options, dbt vars); unknown keys are an error, None means default."""
    if kind not in QUANTIZERS:
        raise ValueError(f"quantizer must be one of {QUANTIZERS}, not {kind!r}")
    settings = {k: v for k, v in (settings or {}).items() if v is not None and v != ""}
    model_cls = _model_config_class(kind)
    model_fields = {f.name: f.default for f in dataclasses.fields(model_cls)}
    train_fields = {f.name: f.default for f in dataclasses.fields(TrainConfig)}
    model_kw: dict[str, Any] = {"input_dim": int(input_dim)}
    train_kw: dict[str, Any] = {}
    for key, value in settings.items():
        if key == "kmeans_iters" and kind == "rqkmeans":  # one name for both: Lloyd iterations
            model_kw["max_iter"] = _coerce(value, 1)
        elif key in model_fields and key != "input_dim":
            model_kw[key] = _coerce(value, model_fields[key])
        elif key in train_fields:
            train_kw[key] = _coerce(value, train_fields[key])
        elif key in MODEL_KEYS:
            continue  # a setting of the other quantizer (e.g. hidden_dims for rqkmeans): not used
        else:
            raise ValueError(f"unknown quantizer setting {key!r}")
    return QuantizerSpec(kind, model_cls(**model_kw), TrainConfig(**train_kw))


# ---------------------------------------------------------------------------------------------------------
# Helpers shared by both quantizers


def split_indices(n: int, val_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Seeded held-out split over the key-sorted items; both parts returned sorted."""
    perm = np.random.default_rng(seed).permutation(n)
    n_val = int(round(n * val_fraction))
    return np.sort(perm[n_val:]), np.sort(perm[:n_val])


def resolve_device(device: str = "auto") -> str:
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise RuntimeError("device 'cuda' requested but torch sees no CUDA GPU; use --device auto or cpu")
    if device != "cpu" and not device.startswith("cuda"):
        raise ValueError(f"device must be auto, cpu or cuda[:N], not {device!r}")
    return device


def lr_at(step: int, tc: TrainConfig) -> float:
    """Linear warm-up to tc.lr, then cosine decay to tc.lr * tc.min_lr_ratio at the last step."""
    if step < tc.warmup_steps:
        return tc.lr * (step + 1) / tc.warmup_steps
    span = max(1, tc.steps - tc.warmup_steps - 1)
    progress = min(1.0, (step - tc.warmup_steps) / span)
    low = tc.lr * tc.min_lr_ratio
    return low + 0.5 * (tc.lr - low) * (1 + math.cos(math.pi * progress))


def evaluation(encode: Callable[[np.ndarray], np.ndarray], reconstruct: Callable[[np.ndarray], np.ndarray],
               data: EmbeddingSet, train_idx: np.ndarray, val_idx: np.ndarray, codebook_size: int) -> dict[str, float]:
    """Held-out reconstruction + ID metrics over all items; `score` is what model selection minimises."""
    out: dict[str, float] = {}
    held = val_idx if len(val_idx) else train_idx  # val_fraction 0: fall back to training items
    x = data.x[held].astype(np.float64)
    x_hat = reconstruct(data.x[held]).astype(np.float64)
    centre = data.x[train_idx].astype(np.float64).mean(0)
    sse = float(((x_hat - x) ** 2).sum())
    sst = float(((x - centre) ** 2).sum())
    out["val_rel_recon"] = sse / max(sst, 1e-12)  # 1 - R^2
    out["val_mse"] = sse / x.size
    cos = (x * x_hat).sum(1) / np.maximum(np.linalg.norm(x, axis=1) * np.linalg.norm(x_hat, axis=1), 1e-12)
    out["val_cosine"] = float(cos.mean())
    codes = encode(data.x)
    out.update(code_metrics(codes, codebook_size).flat("all_"))
    out["score"] = out["val_rel_recon"] + out["all_collision_rate"]
    return out


def _atomic_write_bytes(path: Path, write: Callable[[Path], None]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    write(tmp)
    os.replace(tmp, path)


def _write_json(path: Path, obj: Any) -> None:
    _atomic_write_bytes(path, lambda p: p.write_text(json.dumps(obj, indent=2, sort_keys=True, default=float) + "\n"))


class MetricsLog:
    """Append-only JSON lines; on resume, rows after the checkpointed step are dropped (they will be redone)."""

    def __init__(self, path: Path, tracker: Tracker) -> None:
        self.path = path
        self.tracker = tracker

    def truncate_after(self, step: int) -> None:
        if not self.path.exists():
            return
        keep = [line for line in self.path.read_text().splitlines() if line and json.loads(line)["step"] <= step]
        self.path.write_text("".join(line + "\n" for line in keep))

    def write(self, step: int, phase: str, metrics: dict[str, float]) -> None:
        row = {"step": step, "phase": phase, **{k: float(v) for k, v in metrics.items()}}
        with self.path.open("a") as f:
            f.write(json.dumps(row, sort_keys=True) + "\n")
        self.tracker.log({f"{phase}/{k}": float(v) for k, v in metrics.items()}, step=step)


class TrainingInterrupted(RuntimeError):
    """Raised by `stop_after_step` (tests and benchmarks simulate a killed run with it)."""


# ---------------------------------------------------------------------------------------------------------
# Trained models behind one interface


class TrainedQuantizer:
    """A fitted quantizer: `encode(x) -> int64 codes [N, levels]`, `reconstruct(x)`, save/load."""

    def __init__(self, spec: QuantizerSpec, model: Any, device: str = "cpu") -> None:
        self.spec = spec
        self.model = model  # RQVAE (torch) or RQKMeans (numpy)
        self.device = device

    @property
    def kind(self) -> str:
        return self.spec.kind

    def encode(self, x: np.ndarray, batch_size: int = 16384) -> np.ndarray:
        if self.kind == "rqkmeans":
            return self.model.encode(x)
        import torch

        self.model.eval()
        out = []
        with torch.no_grad():
            for start in range(0, x.shape[0], batch_size):
                xb = torch.as_tensor(x[start : start + batch_size], dtype=torch.float32, device=self.device)
                out.append(self.model.encode(xb).cpu().numpy())
        return np.concatenate(out) if out else np.zeros((0, self.spec.levels), dtype=np.int64)

    def last_level_distances(self, x: np.ndarray, batch_size: int = 16384) -> np.ndarray:
        if self.kind == "rqkmeans":
            return self.model.last_level_distances(x)
        import torch

        self.model.eval()
        out = []
        with torch.no_grad():
            for start in range(0, x.shape[0], batch_size):
                xb = torch.as_tensor(x[start : start + batch_size], dtype=torch.float32, device=self.device)
                out.append(self.model.last_level_distances(xb).cpu().numpy())
        return np.concatenate(out) if out else np.zeros((0, self.spec.codebook_size), dtype=np.float32)

    def reconstruct(self, x: np.ndarray, batch_size: int = 16384) -> np.ndarray:
        if self.kind == "rqkmeans":
            return self.model.reconstruct(x)
        import torch

        self.model.eval()
        out = []
        with torch.no_grad():
            for start in range(0, x.shape[0], batch_size):
                xb = torch.as_tensor(x[start : start + batch_size], dtype=torch.float32, device=self.device)
                out.append(self.model.reconstruct(xb).cpu().numpy())
        return np.concatenate(out) if out else np.zeros((0, x.shape[1]), dtype=np.float32)

    def save(self, path_stem: Path, extra: dict[str, Any]) -> Path:
        """Writes `<stem>.pt` (RQ-VAE) or `<stem>.npz` (RQ-KMeans) with the spec alongside the weights."""
        meta = json.dumps({"spec": self.spec.to_dict(), "full_train": asdict(self.spec.train), **extra}, sort_keys=True)
        if self.kind == "rqkmeans":
            path = path_stem.with_suffix(".npz")

            def write(p: Path) -> None:
                with p.open("wb") as f:
                    np.savez(f, meta=np.array(meta), **self.model.state_dict())

            _atomic_write_bytes(path, write)
            return path
        import torch

        path = path_stem.with_suffix(".pt")
        state = {k: v.detach().cpu() for k, v in self.model.state_dict().items()}
        _atomic_write_bytes(path, lambda p: torch.save({"meta": meta, "state_dict": state}, p))
        return path

    @classmethod
    def load(cls, run_dir: Path, device: str = "cpu") -> TrainedQuantizer:
        run_dir = Path(run_dir)
        if (run_dir / "model.npz").exists():
            with np.load(run_dir / "model.npz", allow_pickle=False) as z:
                meta = json.loads(str(z["meta"]))
                state = {k: z[k] for k in ("mean", "scale", "centres")}
            spec = _spec_from_meta(meta)
            model = RQKMeans(spec.model)
            model.load_state_dict(state)
            return cls(spec, model, "cpu")
        if (run_dir / "model.pt").exists():
            import torch

            from python_jobs.rqvae import RQVAE

            device = resolve_device(device)
            blob = torch.load(run_dir / "model.pt", map_location=device, weights_only=True)
            spec = _spec_from_meta(json.loads(blob["meta"]))
            model = RQVAE(spec.model).to(device)
            model.load_state_dict(blob["state_dict"])
            model.eval()
            return cls(spec, model, device)
        raise FileNotFoundError(f"no model.pt or model.npz in {run_dir}")


def _model_config_class(kind: str) -> type:
    if kind == "rqvae":
        from python_jobs.rqvae import RQVAEConfig  # imports torch: only for the RQ-VAE

        return RQVAEConfig
    return RQKMeansConfig


def _spec_from_meta(meta: dict) -> QuantizerSpec:
    kind = meta["spec"]["kind"]
    model_cls = _model_config_class(kind)
    return QuantizerSpec(kind, model_cls(**meta["spec"]["model"]), TrainConfig(**meta["full_train"]))


# ---------------------------------------------------------------------------------------------------------
# Training


@dataclass
class TrainResult:
    model: TrainedQuantizer
    best_step: int
    best_metrics: dict[str, float]
    train_seconds: float
    seconds_per_epoch: float
    steps_per_epoch: int
    device: str


def set_determinism(seed: int, device: str) -> None:
    import torch

    if device.startswith("cuda"):
        # must be set before cuBLAS initialises for deterministic GEMMs
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        torch.backends.cudnn.benchmark = False
        torch.backends.cuda.matmul.allow_tf32 = False
    torch.use_deterministic_algorithms(True, warn_only=True)
    torch.manual_seed(seed)


def _code_batch_metrics(codes: np.ndarray, k: int) -> dict[str, float]:
    m = code_metrics(codes, k)
    out = {f"batch_usage_level_{i}": u for i, u in enumerate(m.usage)}
    out.update({f"batch_perplexity_level_{i}": p for i, p in enumerate(m.perplexity)})
    out["batch_collision_rate"] = m.collision_rate
    return out


def train_rqvae(data: EmbeddingSet, spec: QuantizerSpec, run_dir: Path, *, fingerprint: str = "",
                tracker: Tracker | None = None, device: str = "auto", stop_after_step: int | None = None,
                progress: bool = True) -> TrainResult:
    import torch
    from tqdm.auto import tqdm

    from python_jobs.rqvae import RQVAE

    tc, cfg = spec.train, spec.model
    tracker = tracker or NullTracker()
    device = resolve_device(device)
    set_determinism(tc.seed, device)
    run_dir = Path(run_dir)
    (run_dir / "checkpoints").mkdir(parents=True, exist_ok=True)
    latest_path = run_dir / "checkpoints" / "latest.pt"
    log = MetricsLog(run_dir / "metrics.jsonl", tracker)

    train_idx, val_idx = split_indices(data.n, tc.val_fraction, tc.seed)
    x_train = torch.as_tensor(data.x[train_idx], device=device)
    n_train = len(train_idx)
    if n_train < cfg.codebook_size:
        raise ValueError(f"{n_train} training items is fewer than codebook_size={cfg.codebook_size}")
    steps_per_epoch = math.ceil(n_train / tc.batch_size)

    model = RQVAE(cfg).to(device)
    model.set_input_stats(x_train)
    opt = torch.optim.AdamW(model.param_groups(tc.weight_decay), lr=tc.lr)
    start, best, usage = 0, {"score": math.inf, "step": -1, "metrics": {}}, torch.zeros(cfg.levels, cfg.codebook_size)
    elapsed = 0.0

    if latest_path.exists():  # resume a killed run of the same fingerprint
        ckpt = torch.load(latest_path, map_location=device, weights_only=True)
        if ckpt["fingerprint"] == fingerprint:
            model.load_state_dict(ckpt["model"])
            opt.load_state_dict(ckpt["optimizer"])
            start, usage, elapsed = int(ckpt["step"]), ckpt["usage"], float(ckpt["elapsed"])
            best = json.loads(ckpt["best"])
            log.truncate_after(start)
            tracker.summary({"resumed_from_step": start})
    if start == 0:
        log.truncate_after(-1)

    wrapper = TrainedQuantizer(spec, model, device)

    def evaluate() -> dict[str, float]:
        m = evaluation(wrapper.encode, wrapper.reconstruct, data, train_idx, val_idx, cfg.codebook_size)
        model.train()
        return m

    def save_latest(step: int) -> None:
        state = {"fingerprint": fingerprint, "step": step, "elapsed": elapsed, "best": json.dumps(best),
                 "model": {k: v.detach().cpu() for k, v in model.state_dict().items()},
                 "optimizer": opt.state_dict(), "usage": usage}
        _atomic_write_bytes(latest_path, lambda p: torch.save(state, p))

    perm_epoch, perm = -1, None
    codebooks = model.quantizer.codebooks
    model.train()
    bar = tqdm(range(start, tc.steps), total=tc.steps, initial=start, desc="rqvae", disable=not progress,
               mininterval=1.0)
    t_last = time.perf_counter()
    for step in bar:
        quantize = step >= tc.ae_warmup_steps
        if quantize and not bool(model.quantizer.initialized):
            if tc.kmeans_init:
                rng = np.random.default_rng(tc.seed)
                sample = np.sort(rng.permutation(n_train)[: tc.kmeans_max_items])
                model.eval()
                z = model.latents(x_train[torch.as_tensor(sample, device=device)])
                model.quantizer.kmeans_init(z, seed=tc.seed, max_iter=tc.kmeans_iters)
                model.train()
            else:
                model.quantizer.initialized.fill_(True)
            log.write(step, "event", {"kmeans_init": float(tc.kmeans_init)})
        epoch = step // steps_per_epoch
        if epoch != perm_epoch:  # the order of an epoch depends only on (seed, epoch): resumable
            perm, perm_epoch = np.random.default_rng([tc.seed, epoch]).permutation(n_train), epoch
        i = step % steps_per_epoch
        idx = torch.as_tensor(perm[i * tc.batch_size : (i + 1) * tc.batch_size], device=device)
        for group in opt.param_groups:
            group["lr"] = lr_at(step, tc)

        out = model(x_train[idx], quantize=quantize)
        opt.zero_grad(set_to_none=True)
        out.loss.backward()
        grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), tc.grad_clip)
        opt.step()
        done = step + 1

        reseeded = 0
        if quantize:
            codes_cpu = out.codes.cpu()
            for level in range(cfg.levels):
                usage[level] += torch.bincount(codes_cpu[:, level], minlength=cfg.codebook_size).float()
            since_init = done - tc.ae_warmup_steps
            if tc.dead_code == "reset" and since_init % tc.dead_code_every == 0 and done <= tc.reset_until_step:
                gen = torch.Generator().manual_seed(tc.seed * 1_000_003 + done)
                for level in range(cfg.levels):
                    dead = (usage[level] == 0).to(device)
                    moved = model.quantizer.reseed(level, dead, out.residuals[:, level], gen)
                    if moved and codebooks in opt.state:  # stale Adam moments would drag the moved codes back
                        for key in ("exp_avg", "exp_avg_sq"):
                            opt.state[codebooks][key][level, dead] = 0
                    reseeded += moved
                usage.zero_()

        now = time.perf_counter()
        elapsed += now - t_last
        t_last = now
        if done % tc.log_every == 0 or reseeded:
            metrics = {"loss": out.loss.item(), "recon": out.recon_loss.item(), "codebook": out.codebook_loss.item(),
                       "commitment": out.commitment_loss.item(), "lr": lr_at(step, tc), "grad_norm": float(grad_norm),
                       "dead_codes_reseeded": float(reseeded), "elapsed_s": elapsed}
            if quantize:
                metrics.update(_code_batch_metrics(out.codes.cpu().numpy(), cfg.codebook_size))
            log.write(done, "train", metrics)
            bar.set_postfix(recon=f"{metrics['recon']:.4f}", loss=f"{metrics['loss']:.4f}", refresh=False)

        if quantize and (done % tc.eval_every == 0 or done == tc.steps):
            m = evaluate()
            eligible = done > tc.reset_until_step
            m["eligible"] = float(eligible)
            if eligible and m["score"] < best["score"]:
                best = {"score": m["score"], "step": done, "metrics": m}
                wrapper.save(run_dir / "model", {"step": done, "fingerprint": fingerprint, "metrics": m})
            log.write(done, "eval", m)
            save_latest(done)
            t_last = time.perf_counter()  # evaluation time is not training time
        if stop_after_step is not None and done >= stop_after_step and done < tc.steps:
            bar.close()
            raise TrainingInterrupted(f"stopped after step {done} (stop_after_step)")
    bar.close()

    if best["step"] < 0:
        raise RuntimeError("no evaluation was eligible for selection; check eval_every / dead_code_until")
    chosen = TrainedQuantizer.load(run_dir, device)
    return TrainResult(chosen, int(best["step"]), best["metrics"], elapsed, elapsed / max(1, tc.steps) * steps_per_epoch,
                       steps_per_epoch, device)


def train_rqkmeans(data: EmbeddingSet, spec: QuantizerSpec, run_dir: Path, *, fingerprint: str = "",
                   tracker: Tracker | None = None, **_: Any) -> TrainResult:
    tracker = tracker or NullTracker()
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    log = MetricsLog(run_dir / "metrics.jsonl", tracker)
    log.truncate_after(-1)
    train_idx, val_idx = split_indices(data.n, spec.train.val_fraction, spec.train.seed)
    t0 = time.perf_counter()
    model = RQKMeans(spec.model).fit(data.x[train_idx], seed=spec.train.seed)
    elapsed = time.perf_counter() - t0
    wrapper = TrainedQuantizer(spec, model)
    m = evaluation(wrapper.encode, wrapper.reconstruct, data, train_idx, val_idx, spec.codebook_size)
    m["eligible"] = 1.0
    m["elapsed_s"] = elapsed
    log.write(0, "eval", m)
    wrapper.save(run_dir / "model", {"step": 0, "fingerprint": fingerprint, "metrics": m})
    return TrainResult(wrapper, 0, m, elapsed, elapsed, 1, "cpu")


TRAINERS: dict[str, Callable[..., TrainResult]] = {"rqvae": train_rqvae, "rqkmeans": train_rqkmeans}


# ---------------------------------------------------------------------------------------------------------
# Codes and the registry


def codes_table(asins: np.ndarray, codes: np.ndarray) -> pa.Table:
    cols: dict[str, Any] = {"parent_asin": pa.array(list(asins), pa.string())}
    for level in range(codes.shape[1]):
        cols[f"sid_{level}"] = pa.array(codes[:, level].astype(np.int32), pa.int32())
    return pa.table(cols)


def assign_codes(model: TrainedQuantizer, data: EmbeddingSet, collision_policy: str | None = None) -> pa.Table:
    """parent_asin + one int column per level, in parent_asin order; the model's collision policy unless given."""
    if data.dim != model.spec.model.input_dim:
        raise ValueError(f"model expects {model.spec.model.input_dim}-d embeddings, got {data.dim}-d")
    codes = model.encode(data.x)
    if (collision_policy or model.spec.train.collision_policy) == "last_level":
        codes = resolve_collisions(codes, model.last_level_distances(data.x))
    return codes_table(data.asins, codes)


def _codes_array(table: pa.Table, levels: int) -> np.ndarray:
    return np.stack([table.column(f"sid_{i}").to_numpy() for i in range(levels)], 1)


@dataclass
class RegistryResult:
    codes: pa.Table
    fingerprint: str
    run_dir: Path
    trained: bool  # False: an existing model was reused
    summary: dict[str, Any]


@contextlib.contextmanager
def _locked(path: Path):
    """One trainer per registry entry at a time (two dbt/CLI runs racing on the same fingerprint)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as handle:
        try:
            import fcntl

            fcntl.flock(handle, fcntl.LOCK_EX)
        except ImportError:  # non-POSIX: no lock, still atomic writes
            pass
        yield


class Registry:
    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def run_dir(self, kind: str, fingerprint: str) -> Path:
        return self.root / f"{kind}-{fingerprint[:16]}"

    def find(self, model_id: str) -> Path:
        """A registry entry by folder name (`rqvae-0123abcd...`) or fingerprint prefix."""
        direct = self.root / model_id
        if (direct / "summary.json").exists():
            return direct
        hits = sorted(p for p in self.root.glob(f"*-{model_id}*") if (p / "summary.json").exists())
        if len(hits) != 1:
            known = sorted(p.name for p in self.root.glob("*") if (p / "summary.json").exists())
            raise FileNotFoundError(f"registry model {model_id!r} matches {len(hits)} complete entries in "
                                    f"{self.root}; known: {known}")
        return hits[0]

    def entries(self) -> list[dict[str, Any]]:
        return [json.loads(p.read_text()) for p in sorted(self.root.glob("*/summary.json"))] if self.root.exists() else []

    def get_or_train(self, data: EmbeddingSet, spec: QuantizerSpec, *, device: str = "auto",
                     wandb_project: str = "semantic-ids", data_dir: Path | str = "data", force: bool = False,
                     stop_after_step: int | None = None, progress: bool = True,
                     tracker_factory: Callable[..., Tracker] = make_tracker) -> RegistryResult:
        """Load the model trained on exactly these embeddings with exactly this spec, or train it (resuming a
        killed run of it) and register it."""
        if data.dim != spec.model.input_dim:
            raise ValueError(f"spec input_dim {spec.model.input_dim} does not match the {data.dim}-d embeddings")
        emb_hash = data.content_hash()
        fp = spec.fingerprint(emb_hash)
        run_dir = self.run_dir(spec.kind, fp)
        with _locked(run_dir / ".lock"):
            if (run_dir / "summary.json").exists() and not force:
                return RegistryResult(self._codes(run_dir, data), fp, run_dir, False,
                                      json.loads((run_dir / "summary.json").read_text()))
            if force:
                (run_dir / "summary.json").unlink(missing_ok=True)
                (run_dir / "checkpoints" / "latest.pt").unlink(missing_ok=True)
            run_dir.mkdir(parents=True, exist_ok=True)
            config = {"fingerprint": fp, "embeddings": {"content_hash": emb_hash, "n_items": data.n, "dim": data.dim},
                      "trainer_version": TRAINER_VERSION, **spec.to_dict(), "train_full": asdict(spec.train)}
            _write_json(run_dir / "config.json", config)
            tracker = tracker_factory(project=wandb_project, run_name=f"{spec.kind}-L{spec.levels}-C{spec.codebook_size}-"
                                      f"{fp[:8]}", config=config, data_dir=data_dir)
            try:
                result = TRAINERS[spec.kind](data, spec, run_dir, fingerprint=fp, tracker=tracker, device=device,
                                             stop_after_step=stop_after_step, progress=progress)
                codes = assign_codes(result.model, data)
                final = code_metrics(_codes_array(codes, spec.levels), spec.codebook_size)
                raw = code_metrics(result.model.encode(data.x), spec.codebook_size)
                _atomic_write_bytes(run_dir / "codes.parquet", lambda p: pq.write_table(codes, p))
                summary = {"fingerprint": fp, "model_id": run_dir.name, "kind": spec.kind, "best_step": result.best_step,
                           "best_metrics": result.best_metrics, "final": asdict(final), "raw_final": asdict(raw),
                           "items_moved_by_collision_policy": int((_codes_array(codes, spec.levels)
                                                                   != result.model.encode(data.x)).any(1).sum()),
                           "train_seconds": result.train_seconds, "seconds_per_epoch": result.seconds_per_epoch,
                           "steps_per_epoch": result.steps_per_epoch, "device": result.device,
                           "n_items": data.n, "dim": data.dim, "embeddings_hash": emb_hash, "config": config}
                tracker.summary({"best_step": result.best_step, **{f"final/{k}": v for k, v in final.flat().items()}})
                model_file = next(p for p in (run_dir / "model.pt", run_dir / "model.npz") if p.exists())
                tracker.log_artifact(model_file, f"{spec.kind}-best-{fp[:8]}", "model",
                                     {"best_step": result.best_step, **final.flat()})
                _write_json(run_dir / "summary.json", summary)
            finally:
                tracker.finish()
        return RegistryResult(codes, fp, run_dir, True, summary)

    def _codes(self, run_dir: Path, data: EmbeddingSet) -> pa.Table:
        table = pq.read_table(run_dir / "codes.parquet")
        if table.num_rows != data.n or table.column("parent_asin").to_pylist() != list(data.asins):
            # same fingerprint means same items; anything else is a damaged entry: recompute from the model
            return assign_codes(TrainedQuantizer.load(run_dir), data)
        return table

    def apply(self, model_id: str, data: EmbeddingSet, device: str = "cpu") -> RegistryResult:
        """Codes from a named registry model (e.g. one trained on a GPU with full-scale settings)."""
        run_dir = self.find(model_id)
        summary = json.loads((run_dir / "summary.json").read_text())
        model = TrainedQuantizer.load(run_dir, device)
        return RegistryResult(assign_codes(model, data), summary["fingerprint"], run_dir, False, summary)


def read_metrics(run_dir: Path) -> list[dict[str, Any]]:
    path = Path(run_dir) / "metrics.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line] if path.exists() else []


# ---------------------------------------------------------------------------------------------------------
# dbt entry points (models/semantic_ids/*.py stay thin callers)

DBT_ONLY_KEYS = {"category", "quantizer", "registry_model", "registry_dir", "device", "wandb_project", "progress"}


def _registry_from_settings(settings: dict[str, Any]) -> Registry:
    from python_jobs.paths import CategoryPaths

    return Registry(settings.get("registry_dir") or CategoryPaths(str(settings["category"])).registry_dir)


def codes_model(embeddings: pa.Table, settings: dict[str, Any]) -> pa.Table:
    """item_codes: train-or-load through the registry (or apply a pinned model); one row per item."""
    data = EmbeddingSet.from_arrow(embeddings)
    registry = _registry_from_settings(settings)
    levels = int(float(settings.get("levels", 3)))
    if levels != 3:
        raise ValueError(f"sid_levels={levels}: the dbt Semantic-ID format has exactly 3 code levels + the collision "
                         f"index; train other shapes with `python -m python_jobs train-rqvae`")
    device = str(settings.get("device") or "auto")
    progress = str(settings.get("progress", "false")).lower() == "true"
    if settings.get("registry_model"):
        result = registry.apply(str(settings["registry_model"]), data, device="cpu" if device == "auto" else device)
    else:
        spec = build_spec(str(settings.get("quantizer") or "rqvae"), data.dim,
                          {k: v for k, v in settings.items() if k not in DBT_ONLY_KEYS})
        result = registry.get_or_train(data, spec, device=device, wandb_project=str(settings.get("wandb_project") or
                                       "semantic-ids"), progress=progress)
    n = result.codes.num_rows
    return result.codes.append_column("quantizer", pa.array([result.summary["kind"]] * n, pa.string())) \
        .append_column("model_id", pa.array([result.run_dir.name] * n, pa.string())) \
        .append_column("model_fingerprint", pa.array([result.fingerprint] * n, pa.string()))


def training_metrics_model(model_id: str, settings: dict[str, Any]) -> pa.Table:
    """sid_training_metrics: the chosen registry model's logged metrics, long format (one row per value)."""
    run_dir = _registry_from_settings(settings).find(model_id)
    summary = json.loads((run_dir / "summary.json").read_text())
    rows: dict[str, list] = {"model_id": [], "quantizer": [], "step": [], "phase": [], "metric": [], "value": [],
                             "is_selected_step": []}
    for row in read_metrics(run_dir):
        for metric, value in sorted(row.items()):
            if metric in ("step", "phase"):
                continue
            rows["model_id"].append(run_dir.name)
            rows["quantizer"].append(summary["kind"])
            rows["step"].append(int(row["step"]))
            rows["phase"].append(row["phase"])
            rows["metric"].append(metric)
            rows["value"].append(float(value))
            rows["is_selected_step"].append(row["phase"] == "eval" and int(row["step"]) == int(summary["best_step"]))
    return pa.table({"model_id": pa.array(rows["model_id"], pa.string()), "quantizer": pa.array(rows["quantizer"], pa.string()),
                     "step": pa.array(rows["step"], pa.int32()), "phase": pa.array(rows["phase"], pa.string()),
                     "metric": pa.array(rows["metric"], pa.string()), "value": pa.array(rows["value"], pa.float64()),
                     "is_selected_step": pa.array(rows["is_selected_step"], pa.bool_())})


def model_summary_model(model_id: str, settings: dict[str, Any]) -> pa.Table:
    """sid_model: one row describing the registry model behind the IDs (what, trained on what, how long)."""
    run_dir = _registry_from_settings(settings).find(model_id)
    s = json.loads((run_dir / "summary.json").read_text())
    best = s["best_metrics"]
    return pa.table({
        "model_id": [run_dir.name], "model_fingerprint": [s["fingerprint"]], "quantizer": [s["kind"]],
        "n_items": pa.array([s["n_items"]], pa.int64()), "embedding_dim": pa.array([s["dim"]], pa.int32()),
        "embeddings_hash": [s["embeddings_hash"]], "selected_step": pa.array([s["best_step"]], pa.int32()),
        "val_rel_recon": [float(best["val_rel_recon"])], "val_cosine": [float(best["val_cosine"])],
        "unique_share": [float(s["final"]["unique_share"])],
        "unique_share_before_collision_policy": [float(s["raw_final"]["unique_share"])],
        "items_moved_by_collision_policy": pa.array([s["items_moved_by_collision_policy"]], pa.int64()),
        "train_seconds": [float(s["train_seconds"])],
        "seconds_per_epoch": [float(s["seconds_per_epoch"])], "steps_per_epoch": pa.array([s["steps_per_epoch"]], pa.int32()),
        "device": [s["device"]], "config_json": [json.dumps(s["config"], sort_keys=True)],
    })
