"""Ranks -> metrics, pure functions over numpy arrays.

A rank is 1 + candidates scored higher + candidates scored equal / 2 (python_jobs.recommend.ranking), so ranks are
floats.
    Hit@K   = mean(rank <= K)
    NDCG@K  = mean(1 / log2(rank + 1) if rank <= K else 0)    (one relevant item, so the ideal DCG is 1)
    MRR     = mean(1 / rank), not truncated
    mean_rank, median_rank
Every value comes with a percentile-bootstrap 95% interval over users (seeded resamples).

Truncated protocols (generative: a ranked list of rec_beam_width items per user): a target outside the list has no
rank (NaN here, null in SQL) and counts as a miss, 0 in Hit@K, NDCG@K and MRR; mean and median rank are not
defined there and have no row. Elsewhere a missing rank is an error.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyarrow as pa

from python_jobs.recommend.cases import TRUNCATED_PROTOCOLS

HIT_KS = (1, 5, 10, 20)
NDCG_KS = (5, 10, 20)
METRICS = tuple([f"hit@{k}" for k in HIT_KS] + [f"ndcg@{k}" for k in NDCG_KS] + ["mrr", "mean_rank", "median_rank"])
TRUNCATED_METRICS = METRICS[:-2]  # no mean / median rank where a miss has no rank


def hit_at(ranks: np.ndarray, k: int) -> np.ndarray:
    return (np.asarray(ranks) <= k).astype(np.float64)


def ndcg_at(ranks: np.ndarray, k: int) -> np.ndarray:
    ranks = np.asarray(ranks, dtype=np.float64)
    return np.where(ranks <= k, 1.0 / np.log2(ranks + 1.0), 0.0)


def reciprocal_rank(ranks: np.ndarray) -> np.ndarray:
    ranks = np.asarray(ranks, dtype=np.float64)
    return np.where(np.isnan(ranks), 0.0, 1.0 / ranks)  # a miss of a truncated list: 0


def per_user(
    ranks: np.ndarray, truncated: bool = False
) -> dict[str, tuple[np.ndarray, Callable[[np.ndarray], np.ndarray]]]:
    """metric -> (one value per user, the statistic over users; it takes a [..., users] array). truncated: NaN
    ranks are misses (see the module docstring), and there is no mean / median rank."""
    ranks = np.asarray(ranks, dtype=np.float64)
    if ranks.size and (ranks < 1).any():
        raise ValueError("ranks start at 1")
    if not truncated and np.isnan(ranks).any():
        raise ValueError(f"{int(np.isnan(ranks).sum())} ranks are missing (only a truncated protocol has misses)")
    mean = lambda v: v.mean(-1)
    out = {f"hit@{k}": (hit_at(ranks, k), mean) for k in HIT_KS}
    out |= {f"ndcg@{k}": (ndcg_at(ranks, k), mean) for k in NDCG_KS}
    out["mrr"] = (reciprocal_rank(ranks), mean)
    if not truncated:
        out |= {"mean_rank": (ranks, mean), "median_rank": (ranks, lambda v: np.median(v, -1))}
    return out


def summarize(ranks: np.ndarray, n_boot: int = 1000, seed: int = 42, truncated: bool = False) -> list[dict]:
    """One row per metric: value, ci_low, ci_high (95% percentile bootstrap over users), n_users. truncated: the
    ranks of a truncated protocol (NaN = a miss)."""
    ranks = np.asarray(ranks, dtype=np.float64)
    n = len(ranks)
    if n == 0:
        names = TRUNCATED_METRICS if truncated else METRICS
        return [{"metric": m, "value": None, "ci_low": None, "ci_high": None, "n_users": 0} for m in names]
    resample = np.random.default_rng(seed).integers(0, n, size=(n_boot, n))  # the same resamples for every metric
    rows = []
    for name, (values, stat) in per_user(ranks, truncated).items():
        boot = stat(values[resample])
        low, high = np.percentile(boot, [2.5, 97.5])
        rows.append(
            {"metric": name, "value": float(stat(values)), "ci_low": float(low), "ci_high": float(high), "n_users": n}
        )
    return rows


GROUP_KEYS = ("model", "seed", "protocol", "breakdown", "bin", "bin_order")


def summarize_groups(groups: pa.Table, n_boot: int, seed: int) -> pa.Table:
    """One row per group (GROUP_KEYS + `ranks`, its users' ranks in user_id order) -> one row per group and
    metric: the keys, metric, value, ci_low, ci_high, n_users. The bootstrap needs every user's rank in a fixed
    order, hence numpy here and the grouping in SQL (int_rec_rank_groups)."""
    rows = [
        {**{k: group[k] for k in GROUP_KEYS}, **row}
        for group in groups.to_pylist()
        for row in summarize(
            np.asarray(group["ranks"], dtype=np.float64), n_boot, seed, group["protocol"] in TRUNCATED_PROTOCOLS
        )
    ]
    columns = [*GROUP_KEYS, "metric", "value", "ci_low", "ci_high", "n_users"]
    return pa.table({c: [r[c] for r in rows] for c in columns})  # types: the contracts of rec_metrics(_breakdown)
