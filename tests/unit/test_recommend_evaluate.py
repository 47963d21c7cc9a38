"""The evaluation cases follow the original's protocol, the rank groups bin users as documented, and a whole
evaluation (cases, torch ranks, groups, metrics) is deterministic."""

from __future__ import annotations

import pyarrow as pa

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
    refs = {"sequences_train": train, "semantic_ids": ids, "int_rec_eval_cases": cases}
    reference = run_sql_model("int_rec_reference_ranks", refs, **settings.model_dump())
    neural = neural_ranks(train, ids, cases, settings, settings.rec_models)
    ranks = run_sql_model(
        "recommendation_ranks",
        {"int_rec_reference_ranks": reference, "int_rec_model_ranks": neural, "int_rec_eval_cases": cases},
        **settings.model_dump(),
    )
    groups = run_sql_model("int_rec_rank_groups", {"recommendation_ranks": ranks}, **settings.model_dump())
    metrics = summarize_groups(groups, settings.rec_bootstrap_samples, settings.rec_eval_seed)
    tables = {"int_rec_group_metrics": metrics}
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
