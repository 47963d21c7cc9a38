"""The evaluation cases follow the original's protocol, the rank groups bin users as documented, and a whole
evaluation (cases, torch ranks, groups, metrics) is deterministic."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from python_jobs.recommend.cases import sampled_negatives
from python_jobs.recommend.comparison import comparison_text
from python_jobs.recommend.metrics import summarize_groups
from python_jobs.recommend.scoring import neural_ranks
from tests.sql_models import eval_cases, run_sql_model
from tests.unit.test_recommend_models import toy_catalogue, toy_sequences, toy_settings


def test_sampled_cases_cut_to_the_last_items_and_draw_negatives_from_the_val_pool(tmp_path):
    settings = toy_settings(tmp_path, rec_eval_max_items=4, rec_eval_negatives=6)
    val = toy_sequences(30, 9)
    cases = eval_cases(toy_sequences(50, 8), val, settings).to_pylist()
    pool = {a for s in val.column("sequence").to_pylist() for a in s}
    full = {c["user_id"]: c for c in cases if c["protocol"] == "full"}
    sampled = [c for c in cases if c["protocol"] == "sampled"]
    assert len(sampled) == len(full) == 30
    for c in sampled:
        whole = full[c["user_id"]]
        assert c["history"] + [c["target"]] == (whole["history"] + [whole["target"]])[-4:]
        assert len(c["negatives"]) == len(set(c["negatives"])) == 6
        assert c["target"] not in c["negatives"] and set(c["negatives"]) <= pool
        assert c["sequence_length"] == len(c["history"]) + 1 <= 4
    assert all(c["negatives"] is None for c in full.values())
    assert eval_cases(toy_sequences(50, 8), val, settings).equals(eval_cases(toy_sequences(50, 8), val, settings))
    only_full = eval_cases(toy_sequences(50, 8), val, settings.replace(rec_protocols=["full"]))
    assert set(only_full.column("protocol").to_pylist()) == {"full"}


def test_cold_start_means_absent_from_every_train_sequence(tmp_path):
    train = pa.table({"user_id": ["t"], "sequence": [["I00", "I11"]]})
    val = pa.table({"user_id": ["a", "b"], "sequence": [["I00", "I11"], ["I11", "I22"]]})
    cases = {
        c["user_id"]: c for c in eval_cases(train, val, toy_settings(tmp_path, rec_protocols=["full"])).to_pylist()
    }
    assert (cases["a"]["cold_start"], cases["a"]["target_train_count"]) == (False, 1)
    assert (cases["b"]["cold_start"], cases["b"]["target_train_count"]) == (True, 0)


def evaluation(train: pa.Table, val: pa.Table, ids: pa.Table, settings) -> dict[str, pa.Table]:
    """Stage 5 as `dbt build` chains it: cases, reference and torch ranks, ranks table, groups, metrics."""
    cases = eval_cases(train, val, settings)
    refs = {"int_rec_train_sequences": train, "semantic_ids": ids, "int_rec_eval_cases": cases}
    reference = run_sql_model("int_rec_reference_ranks", refs, **settings.model_dump())
    neural = neural_ranks(train, ids, cases, settings, settings.rec_models)
    ranks = run_sql_model(
        "recommendation_ranks",
        {"int_rec_reference_ranks": reference, "int_rec_model_ranks": neural, "int_rec_eval_cases": cases},
        **settings.model_dump(),
    )
    groups = run_sql_model("int_rec_rank_groups", {"recommendation_ranks": ranks}, **settings.model_dump())
    metrics = summarize_groups(groups, settings.rec_bootstrap_samples, settings.rec_eval_seed)
    tables = {"int_rec_group_metrics": metrics, "int_rec_eval_cases": cases}
    return {
        "ranks": ranks,
        "groups": groups,
        "metrics": run_sql_model("rec_metrics", tables, **settings.model_dump()),
        "breakdown": run_sql_model("rec_metrics_breakdown", tables, **settings.model_dump()),
    }


def test_evaluation_is_deterministic(tmp_path):
    train, val, ids = toy_sequences(200, 5), toy_sequences(40, 6), toy_catalogue()
    settings = toy_settings(tmp_path, rec_epochs=3, rec_patience=3)
    first = evaluation(train, val, ids, settings)
    assert set(first["metrics"].column("model").to_pylist()) == set(settings.rec_models)
    assert first["metrics"].num_rows == 5 * 2 * 10
    # a second run loads the registry's models, a third retrains them from scratch in a fresh registry
    second = evaluation(train, val, ids, settings)
    third = evaluation(train, val, ids, settings.replace(rec_registry_dir=str(tmp_path / "other")))
    for other in (second, third):
        for name, table in first.items():
            assert other[name].equals(table), name
    text = comparison_text(first["metrics"], first["breakdown"])
    assert all(m in text for m in settings.rec_models) and "full:H@10" in text
    breakdowns = set(first["breakdown"].column("breakdown").to_pylist())
    assert breakdowns == {"target_popularity", "history_length", "cold_start"}
    # every bin of every breakdown is present for every model and protocol, and each breakdown covers every user
    groups = first["groups"].to_pylist()
    for model in settings.rec_models:
        for protocol in ("sampled", "full"):
            mine = [g for g in groups if g["model"] == model and g["protocol"] == protocol]
            assert len(mine) == 1 + 2 + 5 + 5
            (everyone,) = [g for g in mine if g["breakdown"] == "all"]
            for breakdown in ("cold_start", "target_popularity", "history_length"):
                users = sum(len(g["ranks"]) for g in mine if g["breakdown"] == breakdown)
                assert users == len(everyone["ranks"]), (model, protocol, breakdown)


def test_the_first_draws_of_the_sampled_protocol_are_the_originals():
    # pool (val users with >= 2 items) = p1..p5; one numpy stream seeded 42, users in user_id order; the values
    # below were drawn once by hand with np.random.default_rng(42).choice(others, 2, replace=False) per user
    val = pa.table(
        {"user_id": ["c", "a", "d", "b"], "sequence": [["p5", "p1"], ["p1", "p2", "p3"], ["p6"], ["p2", "p4"]]}
    )
    got = sampled_negatives(val, 2, 42).to_pylist()
    assert got == [
        {"user_id": "a", "negatives": ["p1", "p5"]},
        {"user_id": "b", "negatives": ["p2", "p5"]},
        {"user_id": "c", "negatives": ["p4", "p2"]},
    ]


def test_bin_edges_put_every_user_in_the_documented_bin():
    counts = [0, 1, 4, 5, 19, 20, 99, 100, 7]
    lengths = [3, 4, 5, 9, 10, 19, 20, 49, 50]
    ranks = pa.table(
        {
            "model": ["popularity"] * 9,
            "seed": [42] * 9,
            "protocol": ["full"] * 9,
            "user_id": [f"u{i}" for i in range(9)],
            "rank": [float(i + 1) for i in range(9)],
            "target_train_count": counts,
            "sequence_length": lengths,
            "cold_start": [c == 0 for c in counts],
        }
    )
    groups = run_sql_model("int_rec_rank_groups", {"recommendation_ranks": ranks})
    members = {(g["breakdown"], g["bin"]): g["ranks"] for g in groups.to_pylist()}
    assert members == {
        ("all", "all"): [1, 2, 3, 4, 5, 6, 7, 8, 9],
        ("cold_start", "cold"): [1],
        ("cold_start", "warm"): [2, 3, 4, 5, 6, 7, 8, 9],
        ("target_popularity", "0 (cold)"): [1],
        ("target_popularity", "1-4"): [2, 3],
        ("target_popularity", "5-19"): [4, 5, 9],
        ("target_popularity", "20-99"): [6, 7],
        ("target_popularity", "100+"): [8],
        ("history_length", "3-4"): [1, 2],
        ("history_length", "5-9"): [3, 4],
        ("history_length", "10-19"): [5, 6],
        ("history_length", "20-49"): [7, 8],
        ("history_length", "50+"): [9],
    }


def test_seeds_give_one_row_each_and_their_mean_and_std_and_short_cases_are_counted(tmp_path):
    train, val, ids = toy_sequences(200, 5), toy_sequences(40, 6), toy_catalogue()
    settings = toy_settings(
        tmp_path, rec_models=["popularity", "sasrec_ce"], rec_seeds=2, rec_epochs=2, rec_patience=2
    ).replace(rec_eval_negatives=1000)  # the toy val pool has 20 items: every sampled case is short
    metrics = evaluation(train, val, ids, settings)["metrics"].to_pylist()
    hit10 = {(r["model"], r["protocol"], r["seed"]): r for r in metrics if r["metric"] == "hit@10"}
    seed = settings.rec_seed
    assert set(hit10) == {
        *(("popularity", p, seed) for p in ("sampled", "full")),
        *(("sasrec_ce", p, s) for p in ("sampled", "full") for s in (seed, seed + 1)),
    }
    for protocol in ("sampled", "full"):
        rows = [hit10[("sasrec_ce", protocol, s)] for s in (seed, seed + 1)]
        values = [r["value"] for r in rows]
        for r in rows:
            assert r["n_seeds"] == 2
            assert r["seed_mean"] == pytest.approx(np.mean(values))
            assert r["seed_std"] == pytest.approx(np.std(values, ddof=1))
        pop = hit10[("popularity", protocol, seed)]
        assert pop["n_seeds"] == 1 and pop["seed_std"] is None and pop["seed_mean"] == pop["value"]
    users = hit10[("popularity", "sampled", seed)]["n_users"]
    assert {r["n_short_cases"] for r in metrics if r["protocol"] == "sampled"} == {users}
    assert {r["n_short_cases"] for r in metrics if r["protocol"] == "full"} == {0}
    assert len({p.name for p in (tmp_path / "registry").iterdir()}) == 2  # one model per seed
    text = comparison_text(pa.Table.from_pylist(metrics))
    assert "±" in text and f"warning: {users} of {users} sampled cases" in text
