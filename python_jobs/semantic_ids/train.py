"""Training a quantizer on item embeddings: the RQ-VAE loop (read it top to bottom) and the RQ-KMeans fit.

    result = train_rqvae(data, spec, run_dir, fingerprint=fp)   # selected model + its metrics and timings

The RQ-VAE loop, per step: (once, after the autoencoder warm-up) k-means-initialise the codebooks on encoded
latents; take the next batch of a seeded per-epoch permutation; one AdamW step on the loss with a warm-up +
cosine learning rate; during the first `dead_code_until` of training, re-seed codes no item used in the last
window; every `eval_every` steps evaluate on held-out items, keep the best eligible model and write a
checkpoint. A killed run restarts from that checkpoint: the batch order depends only on (seed, epoch), so a
resumed run continues exactly as the uninterrupted one would have.

Model selection: score = (1 - R^2 of the held-out items' reconstruction) + collision rate of the full code
tuples over all items (a few hundred held-out items almost never collide); the lowest score wins among the
evaluations made after re-seeding has ended, so the reported codebook usage is what training kept.
"""

from __future__ import annotations

import functools
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from python_jobs.common.device import resolve_device, set_determinism
from python_jobs.common.files import atomic_write
from python_jobs.common.tracking import MetricsLog, NullTracker, Tracker
from python_jobs.semantic_ids.embeddings import EmbeddingSet
from python_jobs.semantic_ids.quality import code_metrics
from python_jobs.semantic_ids.quantizer import QuantizerSpec, TrainConfig, TrainedQuantizer
from python_jobs.semantic_ids.rqkmeans import RQKMeans


class TrainingInterrupted(RuntimeError):
    """Raised by `stop_after_step` (tests and benchmarks simulate a killed run with it)."""


@dataclass
class TrainResult:
    model: TrainedQuantizer
    best_step: int
    best_metrics: dict[str, float]
    train_seconds: float
    seconds_per_epoch: float
    steps_per_epoch: int
    device: str


def split_indices(n: int, val_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Seeded held-out split over the key-sorted items; both parts returned sorted."""
    perm = np.random.default_rng(seed).permutation(n)
    n_val = int(round(n * val_fraction))
    return np.sort(perm[n_val:]), np.sort(perm[:n_val])


def lr_at(step: int, tc: TrainConfig) -> float:
    """Linear warm-up to tc.lr, then cosine decay to tc.lr * tc.min_lr_ratio at the last step."""
    if step < tc.warmup_steps:
        return tc.lr * (step + 1) / tc.warmup_steps
    span = max(1, tc.steps - tc.warmup_steps - 1)
    progress = min(1.0, (step - tc.warmup_steps) / span)
    low = tc.lr * tc.min_lr_ratio
    return low + 0.5 * (tc.lr - low) * (1 + math.cos(math.pi * progress))


def evaluation(
    model: TrainedQuantizer, data: EmbeddingSet, train_idx: np.ndarray, val_idx: np.ndarray
) -> dict[str, float]:
    """Held-out reconstruction + ID metrics over all items; `score` is what model selection minimises."""
    held = val_idx if len(val_idx) else train_idx  # val_fraction 0: fall back to training items
    x = data.x[held].astype(np.float64)
    x_hat = model.reconstruct(data.x[held]).astype(np.float64)
    centre = data.x[train_idx].astype(np.float64).mean(0)
    sse = float(((x_hat - x) ** 2).sum())
    sst = float(((x - centre) ** 2).sum())
    cos = (x * x_hat).sum(1) / np.maximum(np.linalg.norm(x, axis=1) * np.linalg.norm(x_hat, axis=1), 1e-12)
    out = {"val_rel_recon": sse / max(sst, 1e-12), "val_mse": sse / x.size, "val_cosine": float(cos.mean())}
    out.update(code_metrics(model.encode(data.x), model.spec.codebook_size).flat("all_"))
    out["score"] = out["val_rel_recon"] + out["all_collision_rate"]
    return out


def batch_code_metrics(codes: np.ndarray, codebook_size: int) -> dict[str, float]:
    m = code_metrics(codes, codebook_size)
    out = {f"batch_usage_level_{i}": u for i, u in enumerate(m.usage)}
    out.update({f"batch_perplexity_level_{i}": p for i, p in enumerate(m.perplexity)})
    out["batch_collision_rate"] = m.collision_rate
    return out


# ---------------------------------------------------------------------------------------------------------
# RQ-VAE


@dataclass
class LoopState:
    """Everything a resumed run needs besides the weights and the optimizer (all in checkpoints/latest.pt)."""

    step: int = 0
    elapsed: float = 0.0  # training seconds (evaluation excluded)
    best: dict[str, Any] | None = None  # {"score", "step", "metrics"} of the selected evaluation
    usage: Any = None  # torch [levels, codebook_size]: items per code since the last dead-code window


def train_rqvae(
    data: EmbeddingSet,
    spec: QuantizerSpec,
    run_dir: Path,
    *,
    fingerprint: str = "",
    tracker: Tracker | None = None,
    device: str = "auto",
    stop_after_step: int | None = None,
    progress: bool = True,
) -> TrainResult:
    import torch
    from tqdm.auto import tqdm

    from python_jobs.semantic_ids.rqvae import RQVAE

    tc, cfg = spec.train, spec.model
    device = resolve_device(device)
    set_determinism(tc.seed, device)
    run_dir = Path(run_dir)
    (run_dir / "checkpoints").mkdir(parents=True, exist_ok=True)
    log = MetricsLog(run_dir / "metrics.jsonl", tracker or NullTracker())

    # data: a seeded held-out slice for selection; batches from a per-epoch permutation of the rest
    train_idx, val_idx = split_indices(data.n, tc.val_fraction, tc.seed)
    x_train = torch.as_tensor(data.x[train_idx], device=device)
    n_train = len(train_idx)
    if n_train < cfg.codebook_size:
        raise ValueError(f"{n_train} training items is fewer than codebook_size={cfg.codebook_size}")
    steps_per_epoch = math.ceil(n_train / tc.batch_size)

    # model and optimizer, then the checkpoint of a killed run of this same fingerprint, if any
    model = RQVAE(cfg).to(device)
    model.set_input_stats(x_train)
    opt = torch.optim.AdamW(model.param_groups(tc.weight_decay), lr=tc.lr)
    state = LoopState(
        best={"score": math.inf, "step": -1, "metrics": {}}, usage=torch.zeros(cfg.levels, cfg.codebook_size)
    )
    checkpoint = Checkpoint(run_dir / "checkpoints" / "latest.pt", fingerprint)
    if checkpoint.restore(model, opt, state, device):
        log.truncate_after(state.step)
        log.tracker.summary({"resumed_from_step": state.step})
    else:
        log.truncate_after(-1)
    wrapper = TrainedQuantizer(spec, model, device)

    model.train()
    bar = tqdm(
        range(state.step, tc.steps),
        total=tc.steps,
        initial=state.step,
        desc="rqvae",
        disable=not progress,
        mininterval=1.0,
    )
    t_last = time.perf_counter()
    for step in bar:
        quantize = step >= tc.ae_warmup_steps
        if quantize and not bool(model.quantizer.initialized):
            init_codebooks(model, x_train, tc)
            log.write(step, "event", {"kmeans_init": float(tc.kmeans_init)})

        # one optimizer step on the next batch
        batch = x_train[torch.as_tensor(batch_indices(step, n_train, tc), device=device)]
        for group in opt.param_groups:
            group["lr"] = lr_at(step, tc)
        out = model(batch, quantize=quantize)
        opt.zero_grad(set_to_none=True)
        out.loss.backward()
        grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), tc.grad_clip)
        opt.step()
        done = step + 1

        reseeded = reseed_dead_codes(model, opt, out, state.usage, done, tc) if quantize else 0
        now = time.perf_counter()
        state.elapsed += now - t_last
        t_last = now

        if done % tc.log_every == 0 or reseeded:
            metrics = {
                "loss": out.loss.item(),
                "recon": out.recon_loss.item(),
                "codebook": out.codebook_loss.item(),
                "commitment": out.commitment_loss.item(),
                "lr": lr_at(step, tc),
                "grad_norm": float(grad_norm),
                "dead_codes_reseeded": float(reseeded),
                "elapsed_s": state.elapsed,
            }
            if quantize:
                metrics.update(batch_code_metrics(out.codes.cpu().numpy(), cfg.codebook_size))
            log.write(done, "train", metrics)
            bar.set_postfix(recon=f"{metrics['recon']:.4f}", loss=f"{metrics['loss']:.4f}", refresh=False)

        if quantize and (done % tc.eval_every == 0 or done == tc.steps):
            m = evaluation(wrapper, data, train_idx, val_idx)
            model.train()
            eligible = done > tc.reset_until_step
            m["eligible"] = float(eligible)
            if eligible and m["score"] < state.best["score"]:
                state.best = {"score": m["score"], "step": done, "metrics": m}
                wrapper.save(run_dir / "model", {"step": done, "fingerprint": fingerprint, "metrics": m})
            log.write(done, "eval", m)
            state.step = done
            checkpoint.save(model, opt, state)
            t_last = time.perf_counter()  # evaluation time is not training time
        if stop_after_step is not None and stop_after_step <= done < tc.steps:
            bar.close()
            raise TrainingInterrupted(f"stopped after step {done} (stop_after_step)")
    bar.close()

    if state.best["step"] < 0:
        raise RuntimeError("no evaluation was eligible for selection; check sid_eval_every / sid_dead_code_until")
    return TrainResult(
        TrainedQuantizer.load(run_dir, device),
        int(state.best["step"]),
        state.best["metrics"],
        state.elapsed,
        state.elapsed / max(1, tc.steps) * steps_per_epoch,
        steps_per_epoch,
        device,
    )


def batch_indices(step: int, n_train: int, tc: TrainConfig) -> np.ndarray:
    """The batch of a step: a slice of a permutation that depends only on (seed, epoch), so resuming is exact."""
    steps_per_epoch = math.ceil(n_train / tc.batch_size)
    perm = _epoch_permutation(tc.seed, step // steps_per_epoch, n_train)
    i = step % steps_per_epoch
    return perm[i * tc.batch_size : (i + 1) * tc.batch_size]


@functools.lru_cache(maxsize=1)  # one epoch's order, computed once and reused by its steps
def _epoch_permutation(seed: int, epoch: int, n: int) -> np.ndarray:
    return np.random.default_rng([seed, epoch]).permutation(n)


def init_codebooks(model: Any, x_train: Any, tc: TrainConfig) -> None:
    """After the autoencoder warm-up: k-means on the encoder's latents of a seeded sample of training items."""
    import torch

    if not tc.kmeans_init:
        model.quantizer.initialized.fill_(True)
        return
    sample = np.sort(np.random.default_rng(tc.seed).permutation(len(x_train))[: tc.kmeans_max_items])
    model.eval()
    z = model.latents(x_train[torch.as_tensor(sample, device=x_train.device)])
    model.quantizer.kmeans_init(z, seed=tc.seed, max_iter=tc.kmeans_iters)
    model.train()


def reseed_dead_codes(model: Any, opt: Any, out: Any, usage: Any, done: int, tc: TrainConfig) -> int:
    """Count code use; at the end of each window (until `reset_until_step`) move unused codes onto batch residuals."""
    import torch

    levels, codebook_size = usage.shape
    codes = out.codes.cpu()
    for level in range(levels):
        usage[level] += torch.bincount(codes[:, level], minlength=codebook_size).float()
    since_init = done - tc.ae_warmup_steps
    if tc.dead_code != "reset" or since_init % tc.dead_code_every or done > tc.reset_until_step:
        return 0
    codebooks = model.quantizer.codebooks
    generator = torch.Generator().manual_seed(tc.seed * 1_000_003 + done)
    moved_total = 0
    for level in range(levels):
        dead = (usage[level] == 0).to(codebooks.device)
        moved = model.quantizer.reseed(level, dead, out.residuals[:, level], generator)
        if moved and codebooks in opt.state:  # stale Adam moments would drag the moved codes back
            for key in ("exp_avg", "exp_avg_sq"):
                opt.state[codebooks][key][level, dead] = 0
        moved_total += moved
    usage.zero_()
    return moved_total


class Checkpoint:
    """checkpoints/latest.pt: weights, optimizer and loop state, rewritten (atomically) at every evaluation."""

    def __init__(self, path: Path, fingerprint: str) -> None:
        self.path = path
        self.fingerprint = fingerprint

    def save(self, model: Any, opt: Any, state: LoopState) -> None:
        import torch

        blob = {
            "fingerprint": self.fingerprint,
            "step": state.step,
            "elapsed": state.elapsed,
            "best": json.dumps(state.best),
            "usage": state.usage,
            "optimizer": opt.state_dict(),
            "model": {k: v.detach().cpu() for k, v in model.state_dict().items()},
        }
        atomic_write(self.path, lambda p: torch.save(blob, p))

    def restore(self, model: Any, opt: Any, state: LoopState, device: str) -> bool:
        """Load a checkpoint of this fingerprint into model, opt and state; False when there is none."""
        import torch

        if not self.path.exists():
            return False
        blob = torch.load(self.path, map_location=device, weights_only=True)
        if blob["fingerprint"] != self.fingerprint:
            return False
        model.load_state_dict(blob["model"])
        opt.load_state_dict(blob["optimizer"])
        state.step, state.usage, state.elapsed = int(blob["step"]), blob["usage"], float(blob["elapsed"])
        state.best = json.loads(blob["best"])
        return True


# ---------------------------------------------------------------------------------------------------------
# RQ-KMeans


def train_rqkmeans(
    data: EmbeddingSet,
    spec: QuantizerSpec,
    run_dir: Path,
    *,
    fingerprint: str = "",
    tracker: Tracker | None = None,
    **_: Any,
) -> TrainResult:
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    log = MetricsLog(run_dir / "metrics.jsonl", tracker or NullTracker())
    log.truncate_after(-1)
    train_idx, val_idx = split_indices(data.n, spec.train.val_fraction, spec.train.seed)
    t0 = time.perf_counter()
    model = TrainedQuantizer(spec, RQKMeans(spec.model).fit(data.x[train_idx], seed=spec.train.seed))
    elapsed = time.perf_counter() - t0
    m = evaluation(model, data, train_idx, val_idx)
    m["eligible"] = 1.0
    m["elapsed_s"] = elapsed
    log.write(0, "eval", m)
    model.save(run_dir / "model", {"step": 0, "fingerprint": fingerprint, "metrics": m})
    return TrainResult(model, 0, m, elapsed, elapsed, 1, "cpu")


TRAINERS: dict[str, Callable[..., TrainResult]] = {"rqvae": train_rqvae, "rqkmeans": train_rqkmeans}
