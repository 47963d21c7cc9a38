"""One training loop for both models, with early stopping, checkpoints and the model registry.

    result = get_or_train("sid_sasrec", data, settings)     # trains, or loads the registry entry
    result.model.score(inputs)                             # ready for evaluation (eval mode)

Training sees the train users only. A seeded slice of them (rec_holdout_share) keeps its last item out of
training; after every epoch the model ranks those items against the whole catalogue and the epoch with the best
NDCG@10 is kept (the original selected on a target it had trained on). Training stops after rec_patience epochs
without improvement or after rec_epochs.

Registry entry `<registry>/<model>-<fingerprint16>/` (python_jobs.common.registry), keyed by the training data's
content, the catalogue (and its codes for sid_sasrec), the model and RecommendSettings.model_key(): every
setting not declared `affects_model=False` (seed included; the device is not: a GPU-trained model serves CPU builds):
    checkpoints/latest.pt   model + optimizer + epoch + best so far, after every epoch: a killed run resumes here
    model.pt                the selected model and its config
    metrics.jsonl           per epoch: train loss, held-out hit@10 / ndcg@10
    summary.json            written last: complete
Deterministic: batch order, dropout and negatives come from generators seeded by (rec_seed, epoch), so a resumed
run continues exactly as an uninterrupted one would.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from python_jobs.common.device import resolve_device, set_determinism
from python_jobs.common.hashing import fingerprint
from python_jobs.common.registry import ModelRegistry
from python_jobs.common.tracking import MetricsLog, make_tracker
from python_jobs.recommend.data import (
    Catalogue,
    HoldoutSplit,
    Sequences,
    batches,
    draw_shared_negatives,
    holdout_split,
    negative_distribution,
    right_align,
    sample_negatives,
)
from python_jobs.recommend.metrics import ndcg_at
from python_jobs.recommend.ranking import check_finite, full_ranks
from python_jobs.recommend.sasrec import EncoderConfig, SASRec
from python_jobs.recommend.score_batch import score_batch_size
from python_jobs.recommend.settings import NEURAL_MODELS, RecommendSettings
from python_jobs.recommend.sid_sasrec import PrefixNgramSASRec, SIDSASRec

# bump when a change to the models or the loop changes what given settings produce
TRAINER_VERSION = 2


class NotTrained(LookupError):
    """The registry has no complete entry for these data and settings, and training was not allowed."""


@dataclass(frozen=True)
class TrainingData:
    catalogue: Catalogue
    train: Sequences
    # catalogue indices of the items held out of training (rec_cold_item_share): a model trained before they existed
    # never meets them, so they are no class of the training softmax, no negative and no early-stopping candidate
    held_out: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


@dataclass
class TrainedModel:
    name: str
    model: nn.Module
    entry: Path
    summary: dict[str, Any]
    trained_now: bool

    @property
    def model_id(self) -> str:
        return self.entry.name


def encoder_config(settings: RecommendSettings) -> EncoderConfig:
    return EncoderConfig(
        max_len=settings.rec_max_len,
        hidden=settings.rec_hidden,
        blocks=settings.rec_blocks,
        heads=settings.rec_heads,
        ffn=settings.rec_ffn,
        dropout=settings.rec_dropout,
    )


def build_model(name: str, catalogue: Catalogue, settings: RecommendSettings) -> nn.Module:
    cfg = encoder_config(settings)
    if name in ("sasrec_ce", "sasrec_bce"):
        return SASRec(catalogue.n_items, cfg, loss=name.removeprefix("sasrec_"))
    if name == "sid_sasrec" and settings.rec_sid_representation == "factorised":
        return SIDSASRec(catalogue.codes, settings.sid_codebook_size, cfg)
    if name == "sid_sasrec":
        buckets = settings.rec_sid_item_buckets if settings.rec_sid_representation == "hybrid" else 0
        return PrefixNgramSASRec(catalogue.codes, cfg, catalogue.asins, buckets)
    raise ValueError(f"unknown model {name!r}; trainable models: {NEURAL_MODELS}")


def model_fingerprint(name: str, data: TrainingData, settings: RecommendSettings) -> str:
    """The registry key: the data's content and every setting not marked `affects_model=False` (by construction,
    so a new setting is part of the key unless its declaration says it cannot change the model)."""
    key = {
        "trainer_version": TRAINER_VERSION,
        "model": name,
        "train": data.train.content_hash(),
        "catalogue": data.catalogue.content_hash(with_codes=name == "sid_sasrec"),
        "settings": settings.model_key(name),
    }
    if len(data.held_out):  # absent when nothing is held out, so those keys are unchanged
        key["held_out"] = np.sort(data.held_out).tolist()
    return fingerprint(key)


@torch.no_grad()
def score_histories(model: nn.Module, histories: list[np.ndarray], max_len: int, device: str, batch: int):
    """Yield (row offset, [b, N + 1] scores on the model's device: ranked there too) over the histories, in order."""
    model.eval()
    for start in range(0, len(histories), batch):
        inputs = right_align(histories[start : start + batch], max_len).to(device)
        yield start, model.score(inputs).float()


def holdout_ranks(
    model: nn.Module,
    split: HoldoutSplit,
    max_len: int,
    device: str,
    label: str,
    batch: int,
    absent: np.ndarray | None = None,
) -> np.ndarray:
    """Full-catalogue rank of each held-out last item (the rule of python_jobs.recommend.ranking; `label` names the
    model and epoch in the error a non-finite score raises); `absent` items (held out of training) are no
    candidates: the epoch is chosen in the world the model was trained in."""
    ranks = np.empty(len(split.targets), dtype=np.float64)
    for start, scores in score_histories(model, split.histories, max_len, device, batch):
        check_finite(scores[:, 1:], label)
        if absent is not None and len(absent):
            scores[:, torch.from_numpy(absent).to(scores.device)] = float("-inf")
        targets = torch.from_numpy(split.targets[start : start + len(scores)]).to(scores.device)
        ranks[start : start + len(scores)] = full_ranks(scores, targets).cpu().numpy()
    return ranks


def training_negatives(
    name: str, split: HoldoutSplit, n_items: int, settings: RecommendSettings, held_out: np.ndarray | None = None
) -> Callable[[torch.Tensor, torch.Tensor, torch.Generator], Any]:
    """(inputs, targets, generator) -> what a step's loss takes as negatives: one per position for sasrec_bce,
    K shared draws from Q for a sampled softmax over items (sasrec_ce: rec_ce_negatives; sid_sasrec's prefix_ngram
    / hybrid: rec_sid_negatives), None for a full softmax (and for the factorised head, whose per-level softmaxes
    are small). Items held out of training are never drawn (they do not exist yet)."""
    if name == "sasrec_bce":
        return lambda inputs, targets, g: sample_negatives(inputs, targets, n_items, g, held_out)
    k = sampled_negatives(name, settings)
    if k > 0:
        q = negative_distribution(split.fit, n_items, settings.rec_ce_sampler)  # once: the training targets' counts
        if held_out is not None and len(held_out):
            q[torch.from_numpy(held_out)] = 0.0
            q = q / q.sum()
        return lambda inputs, targets, g: draw_shared_negatives(q, k, g)
    return lambda inputs, targets, g: None


def sampled_negatives(name: str, settings: RecommendSettings) -> int:
    """K of the model's sampled softmax over items; 0 = full softmax, or no softmax over items at all."""
    if name == "sasrec_ce":
        return settings.rec_ce_negatives
    if name == "sid_sasrec" and settings.rec_sid_representation != "factorised":
        return settings.rec_sid_negatives
    return 0


def make_optimizer(model: nn.Module, settings: RecommendSettings) -> torch.optim.Optimizer:
    """AdamW; weight decay only on matrices of linear layers (embeddings, norms and biases are exempt)."""
    decay, rest = [], []
    for module in model.modules():
        for name, p in module.named_parameters(recurse=False):
            (decay if isinstance(module, nn.Linear) and name == "weight" else rest).append(p)
    return torch.optim.AdamW(
        [{"params": decay, "weight_decay": settings.rec_weight_decay}, {"params": rest, "weight_decay": 0.0}],
        lr=settings.rec_lr,
        betas=(0.9, 0.98),
        fused=True,
    )


def train_model(
    name: str,
    data: TrainingData,
    settings: RecommendSettings,
    entry: Path,
    *,
    device: str = "cpu",
    progress: bool = False,
    fp: str = "",
) -> tuple[nn.Module, dict[str, Any]]:
    """Train into a registry entry (resuming its checkpoint when there is one); returns the selected model."""
    from tqdm.auto import tqdm

    entry.mkdir(parents=True, exist_ok=True)
    set_determinism(settings.rec_seed, device)
    model = build_model(name, data.catalogue, settings).to(device)
    model.hold_out(torch.from_numpy(data.held_out).to(device))
    optimizer = make_optimizer(model, settings)
    split = holdout_split(data.train, settings.rec_holdout_share, settings.rec_seed)
    if not split.fit or not len(split.targets):
        raise ValueError(f"{name}: too few training sequences to train and hold out ({len(data.train.items)} users)")
    tracker = make_tracker(
        settings.wandb_project,
        f"{name}-{settings.category}",
        {"model": name, **settings.model_dump()},
        data_dir=entry.parents[2] if len(entry.parents) > 2 else entry.parent,
    )
    log = MetricsLog(entry / "metrics.jsonl", tracker)
    checkpoint = entry / "checkpoints" / "latest.pt"
    state = {"epoch": 0, "step": 0, "best_ndcg": -1.0, "best_epoch": 0, "best_model": None, "stale": 0, "seconds": 0.0}
    if checkpoint.exists():
        saved = torch.load(checkpoint, map_location=device, weights_only=False)
        if saved.get("fingerprint") == fp:
            model.load_state_dict(saved["model"])
            optimizer.load_state_dict(saved["optimizer"])
            state = saved["state"]
    log.truncate_after(state["epoch"])

    draw_negatives = training_negatives(name, split, data.catalogue.n_items, settings, data.held_out)
    steps_per_epoch = math.ceil(len(split.fit) / settings.rec_batch_size)
    score_batch = score_batch_size(
        settings.rec_score_batch_size, device, data.catalogue.n_items, settings.rec_max_len, settings.rec_hidden
    )
    bar = tqdm(
        total=settings.rec_epochs,
        initial=state["epoch"],
        desc=f"train {name}",
        disable=not progress,
        unit="epoch",
        leave=False,
    )
    while state["epoch"] < settings.rec_epochs and state["stale"] < settings.rec_patience:
        epoch, started = state["epoch"], time.perf_counter()
        torch.manual_seed(settings.rec_seed * 1_000_003 + epoch)  # dropout of this epoch, the same after a resume
        negatives = torch.Generator().manual_seed(settings.rec_seed * 7_919 + epoch)
        model.train()
        total = 0.0
        for inputs, targets in batches(
            split.fit, settings.rec_batch_size, settings.rec_max_len, settings.rec_seed, epoch
        ):
            negs = draw_negatives(inputs, targets, negatives)
            for group in optimizer.param_groups:  # linear warm-up, then constant
                group["lr"] = settings.rec_lr * min(1.0, (state["step"] + 1) / max(1, settings.rec_warmup_steps))
            loss = model.loss(inputs.to(device), targets.to(device), None if negs is None else negs.to(device))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total += float(loss.detach())
            state["step"] += 1
        ranks = holdout_ranks(
            model, split, settings.rec_max_len, device, f"{name} epoch {epoch + 1}", score_batch, data.held_out
        )
        ndcg, hit = float(ndcg_at(ranks, 10).mean()), float((ranks <= 10).mean())
        state["epoch"] = epoch + 1
        state["seconds"] += time.perf_counter() - started
        if ndcg > state["best_ndcg"]:
            state.update(
                best_ndcg=ndcg,
                best_epoch=epoch + 1,
                stale=0,
                best_model={k: v.detach().cpu().clone() for k, v in model.state_dict().items()},
            )
        else:
            state["stale"] += 1
        log.write(
            epoch + 1,
            "epoch",
            {
                "loss": total / steps_per_epoch,
                "holdout_ndcg@10": ndcg,
                "holdout_hit@10": hit,
                "seconds": state["seconds"],
            },
        )
        checkpoint.parent.mkdir(parents=True, exist_ok=True)
        torch.save(
            {"fingerprint": fp, "model": model.state_dict(), "optimizer": optimizer.state_dict(), "state": state},
            checkpoint.with_suffix(".tmp"),
        )
        checkpoint.with_suffix(".tmp").replace(checkpoint)
        bar.update(1)
        bar.set_postfix(loss=f"{total / steps_per_epoch:.3f}", ndcg10=f"{ndcg:.4f}", best=state["best_epoch"])
    bar.close()
    model.load_state_dict(state["best_model"])
    summary = {
        "model": name,
        "model_id": entry.name,
        "fingerprint": fp,
        "best_epoch": state["best_epoch"],
        "epochs_run": state["epoch"],
        "stopped_by": "patience" if state["stale"] >= settings.rec_patience else "epoch_cap",
        "held_out_items": len(data.held_out),
        "steps": state["step"],
        "holdout_ndcg@10": state["best_ndcg"],
        "holdout_users": len(split.targets),
        "train_sequences": len(split.fit),
        "parameters": sum(p.numel() for p in model.parameters()),
        "train_seconds": state["seconds"],
        "seconds_per_epoch": state["seconds"] / max(1, state["epoch"]),
        "device": device,
        "encoder": encoder_config(settings).to_dict(),
        "training": settings.model_key(name),
        "n_items": data.catalogue.n_items,
    }
    tracker.summary(summary)
    tracker.finish()
    return model.eval(), summary


def get_or_train(
    name: str,
    data: TrainingData,
    settings: RecommendSettings,
    *,
    train: bool = True,
    retrain: bool = False,
    progress: bool = False,
) -> TrainedModel:
    """The registry's model for these data and settings; trained (or resumed) first when missing."""
    settings = settings.for_model(name)
    device = resolve_device(settings.rec_device)
    registry = ModelRegistry(settings.registry_root())
    fp = model_fingerprint(name, data, settings)
    entry = registry.entry(name, fp)
    if not train and not registry.is_complete(entry):  # only reading: no lock, so no new folder either
        raise NotTrained(
            f"{name}: no trained model in {registry.root} for these data and settings "
            f"(would be {entry.name}); train it with `python -m python_jobs train --model ...` and the same "
            "setting flags, or a `dbt build` (which trains what is missing)"
        )
    with registry.lock(entry):
        if retrain:
            registry.invalidate(entry)
        if registry.is_complete(entry):
            model = build_model(name, data.catalogue, settings)
            model.load_state_dict(torch.load(entry / "model.pt", map_location="cpu", weights_only=False)["model"])
            return TrainedModel(name, model.to(device).eval(), entry, registry.summary(entry), False)
        model, summary = train_model(name, data, settings, entry, device=device, progress=progress, fp=fp)
        config = {"model": name, "encoder": encoder_config(settings).to_dict(), "settings": settings.model_dump()}
        torch.save(
            {"model": {k: v.cpu() for k, v in model.state_dict().items()}, "config": config}, entry / "model.tmp"
        )
        (entry / "model.tmp").replace(entry / "model.pt")
        registry.complete(entry, summary)
        return TrainedModel(name, model, entry, summary, True)
