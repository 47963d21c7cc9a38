"""Sequences -> tensors: the item index, the users' sequences as index arrays, padding, batches, negatives.

    catalogue = Catalogue.from_arrow(semantic_ids)            # items 1..N in parent_asin order, 0 = padding
    train = Sequences.from_arrow(sequences_train, catalogue)  # users in user_id order
    split = holdout_split(train, share=0.1, seed=42)          # early stopping: last items of a slice of train users
    for inputs, targets in batches(split.fit, 128, max_len=50, seed=42, epoch=0): ...

Every order here is fixed by sorting on keys (parent_asin, user_id) and seeded generators, never by row order.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pyarrow as pa
import torch

SID_COLUMNS = ("sid_0", "sid_1", "sid_2", "sid_3")


@dataclass(frozen=True)
class Catalogue:
    """Every item with a Semantic ID; item i (1-based) is asins[i - 1] with codes codes[i - 1]."""

    asins: np.ndarray  # [N] str, sorted
    codes: np.ndarray  # [N, L] int64

    @property
    def n_items(self) -> int:
        return len(self.asins)

    @classmethod
    def from_arrow(cls, table: pa.Table) -> Catalogue:
        missing = {"parent_asin", *SID_COLUMNS} - set(table.column_names)
        if missing:
            raise ValueError(f"semantic_ids lacks column(s) {sorted(missing)}")
        asins = np.asarray(table.column("parent_asin").to_pylist(), dtype=object)
        codes = np.stack([np.asarray(table.column(c).to_pylist(), dtype=np.int64) for c in SID_COLUMNS], 1)
        order = np.argsort(asins.astype(str), kind="stable")
        asins, codes = asins[order], codes[order]
        if len(asins) and (asins[1:] == asins[:-1]).any():
            raise ValueError("semantic_ids has duplicate parent_asin")
        return cls(asins, codes)

    def index(self) -> dict[str, int]:
        return {a: i + 1 for i, a in enumerate(self.asins)}

    def content_hash(self, with_codes: bool) -> str:
        h = hashlib.sha256("\n".join(self.asins).encode())
        if with_codes:
            h.update(np.ascontiguousarray(self.codes).tobytes())
        return h.hexdigest()


@dataclass(frozen=True)
class Sequences:
    """Users' chronological sequences as catalogue indices, in user_id order."""

    user_ids: list[str]
    items: list[np.ndarray]  # int64 arrays, oldest first

    @classmethod
    def from_arrow(cls, table: pa.Table, catalogue: Catalogue) -> Sequences:
        index = catalogue.index()
        rows = sorted(zip(table.column("user_id").to_pylist(), table.column("sequence").to_pylist()))
        unknown = {a for _, seq in rows for a in seq if a not in index}
        if unknown:
            raise ValueError(f"{len(unknown)} sequence items have no Semantic ID, e.g. {sorted(unknown)[:3]}")
        return cls([u for u, _ in rows], [np.asarray([index[a] for a in seq], dtype=np.int64) for _, seq in rows])

    def content_hash(self) -> str:
        h = hashlib.sha256()
        for user, seq in zip(self.user_ids, self.items):
            h.update(user.encode() + b"\0" + seq.tobytes() + b"\1")
        return h.hexdigest()


@dataclass(frozen=True)
class HoldoutSplit:
    """Training sequences, and the held-out last items that select the model (never a training target)."""

    fit: list[np.ndarray]  # what training sees (a held-out user's sequence without its last item)
    histories: list[np.ndarray]  # held-out users' inputs ...
    targets: np.ndarray  # ... and their last items


def holdout_split(train: Sequences, share: float, seed: int) -> HoldoutSplit:
    """A seeded slice of the train users keeps its last item out of training; early stopping ranks it."""
    n = len(train.items)
    held = np.zeros(n, dtype=bool)
    held[np.random.default_rng(seed).permutation(n)[: max(1, round(n * share))]] = True
    fit = [s[:-1] if h else s for s, h in zip(train.items, held)]
    holdout = [s for s, h in zip(train.items, held) if h and len(s) >= 2]
    return HoldoutSplit(
        [s for s in fit if len(s) >= 2], [s[:-1] for s in holdout], np.asarray([s[-1] for s in holdout], dtype=np.int64)
    )


def right_align(seqs: Sequence[np.ndarray], max_len: int) -> torch.Tensor:
    """[B, T] int64, the last min(len, max_len) items of each sequence in the last columns, 0 on the left.

    T = the longest kept sequence of the batch: positions count from the end, so trimming all-padding columns
    gives the same result as padding every batch to max_len, only faster."""
    width = max(1, min(max_len, max((len(s) for s in seqs), default=1)))
    out = np.zeros((len(seqs), width), dtype=np.int64)
    for row, seq in enumerate(seqs):
        kept = seq[-width:]
        if len(kept):
            out[row, width - len(kept) :] = kept
    return torch.from_numpy(out)


def padded(rows: Sequence[np.ndarray]) -> torch.Tensor:
    """[B, W] int64: index lists of any length (a user's negatives, history), 0-padded on the left to the longest."""
    return right_align(rows, max(1, max((len(r) for r in rows), default=1)))


def batches(
    fit: Sequence[np.ndarray], batch_size: int, max_len: int, seed: int, epoch: int, bucket: int = 32
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """(inputs, targets) per step: targets[b, t] is the item after inputs[b, t]; order seeded by (seed, epoch).

    Length bucketing: the shuffled users are cut into groups of `bucket` batches, each group is sorted by length
    and split into batches, and the batches are shuffled. Most sequences are short, so batches stay narrow instead
    of padding to the longest user in a random batch (several times less work; the positions are unchanged)."""
    rng = np.random.default_rng([seed, epoch])
    order = rng.permutation(len(fit))
    lengths = np.asarray([min(len(s) - 1, max_len) for s in fit])
    steps = []
    group = batch_size * bucket
    for start in range(0, len(order), group):
        chunk = order[start : start + group]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        steps += [chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size)]
    for k in rng.permutation(len(steps)):
        rows = [fit[i] for i in steps[k]]
        yield right_align([s[:-1] for s in rows], max_len), right_align([s[1:] for s in rows], max_len)


def sample_negatives(
    inputs: torch.Tensor,
    targets: torch.Tensor,
    n_items: int,
    generator: torch.Generator,
    held_out: np.ndarray | None = None,
    rounds: int = 20,
) -> torch.Tensor:
    """One uniform negative per position, redrawn while it is one of the row's items (as the original did) or an
    item held out of training (it did not exist yet)."""
    seen = torch.cat([inputs, targets], 1)
    if held_out is not None and len(held_out):
        seen = torch.cat([seen, torch.from_numpy(held_out).expand(len(seen), -1)], 1)
    neg = torch.randint(1, n_items + 1, targets.shape, generator=generator)
    for _ in range(rounds):
        clash = (neg.unsqueeze(-1) == seen.unsqueeze(1)).any(-1)
        if not clash.any():
            break
        neg = torch.where(clash, torch.randint(1, n_items + 1, targets.shape, generator=generator), neg)
    return neg


class SharedNegatives(NamedTuple):
    """Negatives of a sampled softmax: drawn once per step and shared by every position of the batch."""

    ids: torch.Tensor  # [K] item indices, drawn with replacement from Q
    log_expected: torch.Tensor  # [K] log(K * Q(id)): how often each draw's item is expected among the K

    def to(self, device: str | torch.device) -> SharedNegatives:
        return SharedNegatives(self.ids.to(device), self.log_expected.to(device))


def negative_distribution(fit: Sequence[np.ndarray], n_items: int, sampler: str) -> torch.Tensor:
    """Q over items 0..N (float64, Q(0) = 0): uniform, or popularity = (times the item is a training target + 1).

    The + 1 keeps every item drawable: the log-Q correction turns the draws into an importance-sampled estimate of
    the softmax's sum over the whole catalogue, which an item with Q = 0 would silently leave out."""
    counts = np.ones(n_items + 1)
    if sampler == "popularity":  # targets only: the first item of a sequence is never predicted
        counts += np.bincount(np.concatenate([s[1:] for s in fit] or [[]]).astype(np.int64), minlength=n_items + 1)
    elif sampler != "uniform":
        raise ValueError(f"negative sampler must be uniform or popularity, not {sampler!r}")
    counts[0] = 0.0
    return torch.from_numpy(counts / counts.sum())


def draw_shared_negatives(q: torch.Tensor, k: int, generator: torch.Generator) -> SharedNegatives:
    """K items drawn with replacement from Q (a seeded generator: the same draws after a resume)."""
    ids = torch.multinomial(q, k, replacement=True, generator=generator)
    return SharedNegatives(ids, torch.log(k * q[ids]).float())
