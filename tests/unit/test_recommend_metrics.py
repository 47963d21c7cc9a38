"""Metric functions on hand-computed cases: K bounds, rank 1, ties, bootstrap intervals."""

from __future__ import annotations

import math

import numpy as np
import pytest

from python_jobs.recommend.metrics import METRICS, hit_at, ndcg_at, reciprocal_rank, summarize


def test_hit_and_ndcg_at_the_k_bound():
    ranks = np.array([1, 10, 11, 5])
    assert hit_at(ranks, 10).tolist() == [1, 1, 0, 1]
    assert hit_at(ranks, 1).tolist() == [1, 0, 0, 0]
    assert ndcg_at(ranks, 10).tolist() == pytest.approx([1.0, 1 / math.log2(11), 0.0, 1 / math.log2(6)])
    assert ndcg_at(ranks, 5).tolist() == pytest.approx([1.0, 0.0, 0.0, 1 / math.log2(6)])


def test_rank_one_is_perfect_and_mrr_is_not_truncated():
    rows = {r["metric"]: r for r in summarize(np.ones(7, dtype=int), n_boot=50)}
    for m in ("hit@1", "hit@5", "hit@10", "hit@20", "ndcg@5", "ndcg@10", "ndcg@20", "mrr"):
        assert rows[m]["value"] == 1.0 and rows[m]["ci_low"] == rows[m]["ci_high"] == 1.0
    assert rows["mean_rank"]["value"] == rows["median_rank"]["value"] == 1.0
    assert reciprocal_rank(np.array([1, 4, 1000])).tolist() == pytest.approx([1.0, 0.25, 0.001])


def test_summary_by_hand():
    rows = {r["metric"]: r for r in summarize(np.array([1, 2, 11, 3]), n_boot=200, seed=0)}
    assert set(rows) == set(METRICS)
    assert rows["hit@1"]["value"] == 0.25
    assert rows["hit@10"]["value"] == 0.75
    assert rows["ndcg@10"]["value"] == pytest.approx((1 + 1 / math.log2(3) + 0 + 1 / math.log2(4)) / 4)
    assert rows["mrr"]["value"] == pytest.approx((1 + 1 / 2 + 1 / 11 + 1 / 3) / 4)
    assert rows["mean_rank"]["value"] == 4.25 and rows["median_rank"]["value"] == 2.5
    for r in rows.values():
        assert r["ci_low"] <= r["value"] <= r["ci_high"] and r["n_users"] == 4


def test_bootstrap_is_seeded_and_narrows_with_more_users():
    rng = np.random.default_rng(1)
    small, large = rng.integers(1, 50, 50), rng.integers(1, 50, 5000)
    assert summarize(small, seed=3) == summarize(small, seed=3)
    width = lambda rows: next(r["ci_high"] - r["ci_low"] for r in rows if r["metric"] == "hit@10")
    assert width(summarize(large)) < width(summarize(small))


def test_ranks_start_at_one():
    with pytest.raises(ValueError):
        summarize(np.array([0, 1]))


def test_the_interval_is_the_2_5_and_97_5_percentile_of_the_bootstrap():
    ranks = np.random.default_rng(7).integers(1, 40, 200).astype(float)
    # an independent bootstrap: the documented resampling (one seeded [n_boot, n] index draw), then percentiles
    index = np.random.default_rng(5).integers(0, len(ranks), size=(300, len(ranks)))
    hits = (ranks[index] <= 10).mean(1)
    row = next(r for r in summarize(ranks, n_boot=300, seed=5) if r["metric"] == "hit@10")
    assert (row["ci_low"], row["ci_high"]) == tuple(np.percentile(hits, [2.5, 97.5]))
    narrower = np.percentile(hits, [5, 95])  # a 90% interval labelled 95% is not this one
    assert row["ci_low"] < narrower[0] and row["ci_high"] > narrower[1]


def test_empty_group_gives_null_values():
    rows = summarize(np.array([], dtype=int))
    assert all(r["value"] is None and r["n_users"] == 0 for r in rows)
