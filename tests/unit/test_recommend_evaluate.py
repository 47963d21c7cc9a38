"""The evaluation cases follow the original's protocol, and a whole evaluation is deterministic."""

from __future__ import annotations

import pyarrow as pa

from python_jobs.recommend.evaluate import build_cases, comparison_text, evaluate
from tests.unit.test_recommend_models import toy_catalogue, toy_sequences, toy_settings


def test_sampled_cases_cut_to_the_last_items_and_draw_negatives_from_the_val_pool(tmp_path):
    settings = toy_settings(tmp_path, rec_eval_max_items=4, rec_eval_negatives=6)
    val = toy_sequences(30, 9)
    cases = build_cases(toy_sequences(50, 8), val, settings).to_pylist()
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
    assert build_cases(toy_sequences(50, 8), val, settings).equals(build_cases(toy_sequences(50, 8), val, settings))


def test_cold_start_means_absent_from_every_train_sequence(tmp_path):
    train = pa.table({"user_id": ["t"], "sequence": [["I00", "I11"]]})
    val = pa.table({"user_id": ["a", "b"], "sequence": [["I00", "I11"], ["I11", "I22"]]})
    cases = {c["user_id"]: c for c in build_cases(train, val, toy_settings(tmp_path), ["full"]).to_pylist()}
    assert (cases["a"]["cold_start"], cases["a"]["target_train_count"]) == (False, 1)
    assert (cases["b"]["cold_start"], cases["b"]["target_train_count"]) == (True, 0)


def test_evaluation_is_deterministic(tmp_path):
    train, val, ids = toy_sequences(200, 5), toy_sequences(40, 6), toy_catalogue()
    settings = toy_settings(tmp_path, rec_epochs=3, rec_patience=3)
    first = evaluate(train, val, ids, settings)
    assert set(first.metrics.column("model").to_pylist()) == set(settings.rec_models)
    assert first.metrics.num_rows == 5 * 2 * 10
    # a second run loads the registry's models, a third retrains them from scratch in a fresh registry
    second = evaluate(train, val, ids, settings)
    third = evaluate(train, val, ids, settings.replace(rec_registry_dir=str(tmp_path / "other")))
    for other in (second, third):
        assert other.ranks.equals(first.ranks)
        assert other.metrics.equals(first.metrics) and other.breakdown.equals(first.breakdown)
    text = comparison_text(first.metrics, first.breakdown)
    assert all(m in text for m in settings.rec_models) and "full:H@10" in text
    breakdowns = set(first.breakdown.column("breakdown").to_pylist())
    assert breakdowns == {"target_popularity", "history_length", "cold_start"}


def test_a_partial_eval_replaces_only_its_own_rows(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from python_jobs.recommend.cli import merge_rows

    def table(rows):
        return pa.table(
            {"model": [r[0] for r in rows], "protocol": [r[1] for r in rows], "value": [r[2] for r in rows]}
        )

    path = tmp_path / "rec_metrics.parquet"
    assert merge_rows(path, table([("a", "full", 1.0)])).num_rows == 1  # nothing before: the new rows
    pq.write_table(table([("a", "full", 1.0), ("a", "sampled", 2.0), ("b", "full", 3.0)]), path)
    merged = merge_rows(path, table([("a", "full", 9.0)]))
    assert sorted(zip(*merged.to_pydict().values())) == [("a", "full", 9.0), ("a", "sampled", 2.0), ("b", "full", 3.0)]
