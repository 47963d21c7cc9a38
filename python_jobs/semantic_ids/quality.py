"""Semantic-ID quality metrics and the ID string format, in plain numpy/Python (no torch).

The dbt models compute the same figures in SQL for the warehouse (`sid_level_usage`, `sid_uniqueness`, ...);
these functions serve training-time selection, the benchmark and the tests.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

SID_START, SID_END = "<|sid_start|>", "<|sid_end|>"


@dataclass
class CodeMetrics:
    n_items: int
    codebook_size: int
    usage: list[float] = field(default_factory=list)  # share of the codebook used, per level
    perplexity: list[float] = field(default_factory=list)  # exp(entropy of the code distribution), per level
    unique_share: float = 0.0  # distinct full code tuples / items
    collision_rate: float = 0.0  # 1 - unique_share
    max_group_size: int = 0  # most items sharing one full code tuple

    def flat(self, prefix: str = "") -> dict[str, float]:
        out: dict[str, float] = {}
        for level, (u, p) in enumerate(zip(self.usage, self.perplexity)):
            out[f"{prefix}usage_level_{level}"] = u
            out[f"{prefix}perplexity_level_{level}"] = p
        out[f"{prefix}unique_share"] = self.unique_share
        out[f"{prefix}collision_rate"] = self.collision_rate
        out[f"{prefix}max_group_size"] = float(self.max_group_size)
        return out


def perplexity(counts: np.ndarray) -> float:
    """exp(Shannon entropy in nats) of a count vector: K for an even spread over K codes, 1 for one code."""
    counts = np.asarray(counts, dtype=np.float64)
    total = counts.sum()
    if total <= 0:
        return 0.0
    p = counts[counts > 0] / total
    return float(math.exp(-(p * np.log(p)).sum()))


def code_metrics(codes: np.ndarray, codebook_size: int) -> CodeMetrics:
    """Per-level usage and perplexity, and uniqueness of the full code tuple, for int codes [N, levels]."""
    codes = np.asarray(codes)
    n, levels = codes.shape
    m = CodeMetrics(n_items=n, codebook_size=codebook_size)
    for level in range(levels):
        counts = np.bincount(codes[:, level], minlength=codebook_size)
        m.usage.append(float((counts > 0).sum() / codebook_size))
        m.perplexity.append(perplexity(counts))
    if n:
        _, group_sizes = np.unique(codes, axis=0, return_counts=True)
        m.unique_share = float(len(group_sizes) / n)
        m.collision_rate = 1.0 - m.unique_share
        m.max_group_size = int(group_sizes.max())
    return m


def collision_histogram(codes: np.ndarray) -> dict[int, int]:
    """group size -> number of groups of items sharing one full code tuple."""
    _, sizes = np.unique(np.asarray(codes), axis=0, return_counts=True)
    values, counts = np.unique(sizes, return_counts=True)
    return {int(v): int(c) for v, c in zip(values, counts)}


def format_semantic_id(codes: tuple[int, ...] | list[int], codebook_size: int = 256) -> str:
    """`<|sid_start|><|sid_{c0}|><|sid_{256+c1}|>...<|sid_end|>`: token index = level * codebook_size + code."""
    for level, code in enumerate(codes):
        if not 0 <= int(code) < codebook_size:
            raise ValueError(f"code {code} at level {level} is outside 0..{codebook_size - 1}")
    body = "".join(f"<|sid_{level * codebook_size + int(code)}|>" for level, code in enumerate(codes))
    return SID_START + body + SID_END
