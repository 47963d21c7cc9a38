"""rec_cold_item_share: the held-out items are the md5 bucket rule's, train sequences are cut before the first one,
and the val cases whose target is one of them are cold_start (stage 5's SQL, run on toy tables)."""

from __future__ import annotations

import hashlib

import pyarrow as pa

from tests.sql_models import run_sql_model

ITEMS = [f"A{i:02d}" for i in range(40)]
SALT = "rec_cold_items"


def held_out(share: float) -> set[str]:
    """The rule of macros/hash_bucket.sql, in Python."""
    return {a for a in ITEMS if int(hashlib.md5((a + SALT).encode()).hexdigest()[:8], 16) % 10000 < share * 10000}


def cold_and_cut(train: pa.Table, share: float) -> tuple[pa.Table, pa.Table]:
    cold = run_sql_model(
        "int_rec_cold_items", {"semantic_ids": pa.table({"parent_asin": ITEMS})}, rec_cold_item_share=share
    )
    cut = run_sql_model("int_rec_train_sequences", {"sequences_train": train, "int_rec_cold_items": cold})
    return cold, cut


def toy_train(cold: set[str]) -> pa.Table:
    warm = [a for a in ITEMS if a not in cold]
    c = sorted(cold)
    sequences = {
        "u1": [warm[0], warm[1], c[0], warm[2], c[1]],  # cut before c[0]: 2 kept, 3 cut
        "u2": [c[1], warm[3]],  # starts cold: an empty row, kept
        "u3": [warm[4], warm[5], warm[6]],  # untouched
    }
    return pa.table({"user_id": list(sequences), "sequence": list(sequences.values())})


def test_no_share_holds_out_nothing_and_keeps_the_sequences():
    train = toy_train(held_out(0.3))
    cold, cut = cold_and_cut(train, 0.0)
    assert cold.num_rows == 0
    assert cut.column("sequence").to_pylist() == train.column("sequence").to_pylist()
    assert cut.column("items_cut").to_pylist() == [0, 0, 0]


def test_held_out_items_are_the_hash_rule_and_sequences_are_cut_before_the_first():
    expected = held_out(0.3)
    assert 5 < len(expected) < 20  # the toy draw holds out some items, not all
    train = toy_train(expected)
    cold, cut = cold_and_cut(train, 0.3)
    assert set(cold.column("parent_asin").to_pylist()) == expected
    rows = {r["user_id"]: r for r in cut.to_pylist()}
    original = dict(zip(train.column("user_id").to_pylist(), train.column("sequence").to_pylist()))
    assert rows["u1"]["sequence"] == original["u1"][:2] and rows["u1"]["items_cut"] == 3
    assert rows["u2"]["sequence"] == [] and rows["u2"]["items_cut"] == 2
    assert rows["u3"]["sequence"] == original["u3"] and rows["u3"]["items_cut"] == 0


def test_a_held_out_target_is_a_cold_start_case():
    from python_jobs.recommend.cases import sampled_negatives

    cold_items = held_out(0.3)
    train = toy_train(cold_items)
    _, cut = cold_and_cut(train, 0.3)
    c, kept = sorted(cold_items), cut.column("sequence").to_pylist()[0]  # u1's kept items: warm, in training
    val = pa.table({"user_id": ["v1", "v2"], "sequence": [[kept[0], c[0]], [c[0], kept[1]]]})
    cases = run_sql_model(
        "int_rec_eval_cases",
        {
            "int_rec_train_sequences": cut,
            "sequences_val": val,
            "int_rec_sampled_negatives": sampled_negatives(val, 5, 1),
        },
    )
    full = {r["user_id"]: r for r in cases.to_pylist() if r["protocol"] == "full"}
    # c[0] occurs in u1's original train sequence, but not in what training sees
    assert full["v1"]["cold_start"] and full["v1"]["target_train_count"] == 0
    assert not full["v2"]["cold_start"]
