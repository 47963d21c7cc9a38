"""Stable Semantic IDs across catalogue refreshes (`sid_mode: assign`): the pure assignment logic of
python_jobs.semantic_ids.stable and the collision policy around fixed (already handed out) IDs."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from python_jobs.semantic_ids.collisions import resolve_collisions
from python_jobs.semantic_ids.stable import (
    REMOVED,
    SUPERSEDED,
    Reference,
    place_new_items,
    plan_assignment,
    read_reference,
    update_ledger,
    write_ledger,
)

K = 4


def reference(rows: list[tuple]) -> Reference:
    """rows: (parent_asin, (c0, c1, c2, c3), text_hash, status)."""
    return Reference.from_arrow(
        pa.table(
            {
                "parent_asin": [r[0] for r in rows],
                **{f"sid_{i}": pa.array([r[1][i] for r in rows], pa.int32()) for i in range(4)},
                "text_hash": pa.array([r[2] for r in rows], pa.string()),
                "status": [r[3] for r in rows],
            }
        )
    )


REF = reference(
    [
        ("A", (0, 0, 1, 0), "ha", "live"),
        ("B", (0, 0, 1, 1), "hb", "live"),
        ("C", (0, 0, 2, 0), "hc", "live"),
        ("D", (1, 1, 1, 0), "hd", "removed"),  # left in an earlier refresh: reserved
        ("E", (1, 1, 2, 0), "he-old", "superseded"),  # E's ID before a re-encode: reserved
        ("E", (1, 1, 3, 0), "he", "live"),
    ]
)


def test_items_of_the_reference_keep_their_ids_text_changed_or_not():
    keep, changed = plan_assignment(REF, ["A", "B", "C", "E", "N"], ["ha", "hb2", "hc", "he", "hn"], "keep")
    assert keep.tolist() == [0, 1, 2, 5, -1]  # N is new; B keeps its ID although its text changed
    assert changed.tolist() == [False, True, False, False, None]


def test_reencode_places_changed_items_again_and_a_returning_item_gets_its_own_id_back():
    keep, changed = plan_assignment(REF, ["A", "B", "D"], ["ha", "hb2", "hd"], "reencode")
    assert keep.tolist() == [0, -1, 3]  # B re-encoded; D (removed before, same text) comes back with its ID
    assert changed.tolist() == [False, True, False]


def test_a_reference_without_text_hashes_keeps_every_item_and_says_unknown():
    ref = reference([("A", (0, 0, 1, 0), None, "live")])
    keep, changed = plan_assignment(ref, ["A"], ["h"], "reencode")
    assert keep.tolist() == [0] and changed.tolist() == [None]


def test_the_collision_policy_moves_only_movable_rows_off_fixed_codes():
    codes = np.array([[0, 0, 1], [0, 0, 1], [0, 0, 3], [0, 0, 3], [0, 0, 2]])
    fixed = np.array([True, False, False, False, True])
    d = np.array(
        [
            [0.0, 0.0, 0.0, 0.0, 0.0],  # fixed: never read
            [0.5, 0.1, 0.2, 0.9, 0.9],  # shares 1 with a fixed row: moves although closest; 2 is fixed: takes 0
            [0.3, 0.4, 0.0, 0.1, 0.9],  # closer to 3 than row 3: keeps it
            [0.9, 0.9, 0.9, 0.2, 0.5],  # moves after row 1 (0.2 > 0.1): 0 is gone by then, takes 4
            [0.0, 0.0, 0.0, 0.0, 0.0],
        ]
    )
    out = resolve_collisions(codes, d, fixed=fixed)
    assert out[:, 2].tolist() == [1, 0, 3, 4, 2]
    assert (out[:, :2] == 0).all()
    # no fixed row: the default policy, unchanged
    assert np.array_equal(resolve_collisions(codes, d, fixed=np.zeros(5, bool)), resolve_collisions(codes, d))
    # when every code of the prefix is taken the leftovers keep theirs (the collision index separates them)
    assert resolve_collisions(codes, d[:, :4], fixed=fixed)[:, 2].tolist() == [1, 0, 3, 3, 2]


def test_new_items_are_placed_around_reserved_ids_without_moving_them():
    reserved = REF.codes
    asins = ["N1", "N2", "N3"]
    raw = np.array([[0, 0, 1], [1, 1, 2], [5, 5, 5]])
    d = np.array([[0.9, 0.0, 0.5, 0.2], [0.1, 0.8, 0.0, 0.7], [0.0, 0.0, 0.0, 0.0]])
    out = place_new_items(asins, raw, d, [0, 0, 0], reserved, "last_level", K)
    # N1: (0,0,1) is held by A and B, (0,0,2) by C: nearest free 3rd code is 3. N2: (1,1,2) is E's old
    # (superseded) ID, reserved: (1,1,0) is free. N3: nothing there.
    assert out.tolist() == [[0, 0, 3, 0], [1, 1, 0, 0], [5, 5, 5, 0]]
    held = {tuple(r) for r in reserved}
    assert not held & {tuple(r) for r in out}


def test_a_full_prefix_leaves_new_items_on_their_codes_with_a_free_collision_index():
    reserved = np.array([[0, 0, c, 0] for c in range(K)] + [[0, 0, 2, 1]])
    out = place_new_items(
        ["X", "Y"], np.array([[0, 0, 2], [0, 0, 2]]), np.zeros((2, K)), [1, 5], reserved, "last_level", K
    )
    assert out.tolist() == [[0, 0, 2, 3], [0, 0, 2, 2]]  # Y (more popular) takes the first free index


def test_collision_index_order_and_overflow():
    reserved = np.array([[0, 0, 2, 0], [0, 0, 2, 2]])
    raw = np.array([[0, 0, 2], [0, 0, 2]])
    out = place_new_items(["X", "Y"], raw, None, [1, 5], reserved, "none", K)
    assert out[:, 3].tolist() == [3, 1]  # Y (more popular) first takes 1, then X takes 3
    with pytest.raises(ValueError, match="collision index holds at most"):
        place_new_items(["X", "Y", "Z"], np.array([[0, 0, 2]] * 3), None, [0, 0, 0], reserved, "none", K)


def test_with_an_empty_reference_the_placement_is_the_default_path():
    rng = np.random.default_rng(0)
    raw = rng.integers(0, 3, size=(40, 3))  # crowded: 9 prefixes of 4 codes for 40 items
    d = rng.random((40, K))
    pop = rng.integers(0, 5, size=40)
    asins = [f"I{i:03d}" for i in range(40)]
    out = place_new_items(asins, raw, d, pop, np.zeros((0, 4), np.int64), "last_level", K)
    assert np.array_equal(out[:, :3], resolve_collisions(raw, d))
    # the collision index: rank within the 3-code tuple by popularity desc, then parent_asin (semantic_ids.sql)
    for prefix in {tuple(r) for r in out[:, :3]}:
        members = [i for i in range(40) if tuple(out[i, :3]) == prefix]
        ranked = sorted(members, key=lambda i: (-pop[i], asins[i]))
        assert [out[i, 3] for i in ranked] == list(range(len(members)))


def test_the_ledger_keeps_every_id_it_ever_handed_out(tmp_path):
    # A kept, B re-encoded (text changed), C removed, N added; D stays removed, E's old ID stays superseded
    asins = ["A", "B", "E", "N"]
    codes = np.array([[0, 0, 1, 0], [0, 0, 3, 0], [1, 1, 3, 0], [2, 2, 2, 0]])
    ledger = update_ledger(
        REF, asins, codes, ["ha", "hb2", "he", "hn"], keep_reserved=True, model_id="rqvae-x", codebook_size=K
    )
    rows = {(r["parent_asin"], r["sid_2"], r["status"]) for r in ledger.to_pylist()}
    assert rows == {
        ("A", 1, "live"),
        ("B", 3, "live"),
        ("B", 1, SUPERSEDED),
        ("C", 2, REMOVED),
        ("D", 1, REMOVED),
        ("E", 2, SUPERSEDED),
        ("E", 3, "live"),
        ("N", 2, "live"),
    }
    assert ledger.column("parent_asin").to_pylist() == sorted(ledger.column("parent_asin").to_pylist())
    assert ledger.column("semantic_id")[0].as_py() == "<|sid_start|><|sid_0|><|sid_4|><|sid_9|><|sid_12|><|sid_end|>"
    fresh = update_ledger(REF, asins, codes, [None] * 4, keep_reserved=False, model_id="m", codebook_size=K)
    assert set(fresh.column("status").to_pylist()) == {"live"} and fresh.num_rows == 4
    with pytest.raises(ValueError, match="twice"):  # a new ID equal to a reserved one is never written
        update_ledger(REF, ["N"], np.array([[1, 1, 1, 0]]), ["h"], keep_reserved=True, model_id="m", codebook_size=K)
    path = tmp_path / "id_ledger.parquet"
    write_ledger(path, ledger, "assign")
    again, mode = read_reference(path)
    assert mode == "assign" and again.n == ledger.num_rows
    write_ledger(tmp_path / "again.parquet", ledger, "assign")
    assert (tmp_path / "again.parquet").read_bytes() == path.read_bytes()  # deterministic bytes
    assert read_reference(tmp_path / "missing.parquet")[0].n == 0


def test_a_refresh_replayed_on_its_own_ledger_changes_nothing():
    """Idempotence: the second build on the same catalogue keeps every ID of the first."""
    asins, hashes = ["A", "B", "C", "N"], ["ha", "hb", "hc", "hn"]
    keep, _ = plan_assignment(REF, asins, hashes, "keep")
    codes = np.zeros((4, 4), np.int64)
    codes[keep >= 0] = REF.codes[keep[keep >= 0]]
    codes[keep < 0] = place_new_items(["N"], [[0, 0, 1]], [[0.0, 0.0, 0.1, 0.2]], [0], REF.codes, "last_level", K)
    ledger = update_ledger(REF, asins, codes, hashes, keep_reserved=True, model_id="m", codebook_size=K)
    second = Reference.from_arrow(ledger)
    keep2, changed2 = plan_assignment(second, asins, hashes, "keep")
    assert (keep2 >= 0).all() and not any(changed2)
    assert np.array_equal(second.codes[keep2], codes)


def test_a_damaged_reference_is_refused():
    with pytest.raises(ValueError, match="same Semantic ID"):
        reference([("A", (0, 0, 1, 0), None, "live"), ("B", (0, 0, 1, 0), None, "live")])
    with pytest.raises(ValueError, match="more than one live"):
        reference([("A", (0, 0, 1, 0), None, "live"), ("A", (0, 0, 2, 0), None, "removed")])
    with pytest.raises(ValueError, match="missing column"):
        Reference.from_arrow(pa.table({"parent_asin": ["A"]}))


# ---- the dbt entry points (python_jobs.semantic_ids.dbt_models) on a tiny trained model ----


def embeddings_table(asins: list[str], x: np.ndarray, hashes: list[str]) -> pa.Table:
    return pa.table(
        {
            "parent_asin": asins,
            "embedding": pa.FixedSizeListArray.from_arrays(pa.array(x.reshape(-1).astype(np.float32)), x.shape[1]),
            "text_hash": hashes,
        }
    )


def test_dbt_entry_points_keep_ids_across_a_refresh(tmp_path):
    from python_jobs.semantic_ids import dbt_models
    from python_jobs.semantic_ids.settings import SemanticIdSettings

    tiny = {
        "sid_codebook_size": 8,
        "sid_latent_dim": 8,
        "sid_hidden_dims": [16],
        "sid_steps": 40,
        "sid_batch_size": 64,
        "sid_warmup_steps": 5,
        "sid_ae_warmup_steps": 10,
        "sid_eval_every": 20,
        "sid_dead_code_every": 10,
        "sid_kmeans_iters": 10,
        "sid_val_fraction": 0.1,
        "sid_device": "cpu",
        "sid_registry_dir": str(tmp_path / "registry"),
    }
    fresh = SemanticIdSettings.load(tiny)
    rng = np.random.default_rng(1)
    x = rng.normal(size=(300, 16)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    asins = [f"I{i:04d}" for i in range(300)]
    hashes = [f"h{i}" for i in range(300)]
    month1 = embeddings_table(asins[:250], x[:250], hashes[:250])
    codes = dbt_models.item_codes(month1.drop_columns(["text_hash"]), fresh)
    model_id = codes.column("model_id")[0].as_py()
    empty = dbt_models.reference_ids(model_id, fresh)
    assert empty.num_rows == 0 and empty.schema.names == [f.name for f in empty.schema]
    popularity = pa.table({"parent_asin": pa.array([], pa.string()), "popularity": pa.array([], pa.int64())})

    # the first stable build of a model, on an empty ledger, gives the fresh build's codes
    assign = fresh.replace(sid_mode="assign", sid_registry_model=model_id)
    first = dbt_models.stable_assignment(month1, popularity, empty, assign)
    assert first.select(["parent_asin", "sid_0", "sid_1", "sid_2"]).equals(codes.select(first.column_names[:4]))
    live = first.append_column("model_id", pa.array([model_id] * 250)).append_column(
        "text_hash", pa.array(hashes[:250])
    )
    ledger = dbt_models.id_ledger(live, empty, assign)
    assert (tmp_path / "registry" / model_id / "id_ledger.parquet").is_file() and ledger.num_rows == 250

    # month 2: 50 new items, I0000 text changed, I0001 gone
    month2_asins = asins[:1] + asins[2:]
    month2_hashes = ["h0-new"] + hashes[2:]
    month2 = embeddings_table(month2_asins, np.concatenate([x[:1], x[2:]]), month2_hashes)
    reference = dbt_models.reference_ids(model_id, assign)
    assert reference.num_rows == 250
    second = dbt_models.stable_assignment(month2, popularity, reference, assign)
    old = {r["parent_asin"]: tuple(r[f"sid_{i}"] for i in range(4)) for r in first.to_pylist()}
    new = {r["parent_asin"]: tuple(r[f"sid_{i}"] for i in range(4)) for r in second.to_pylist()}
    assert all(new[a] == old[a] for a in old if a != "I0001")
    assert len(set(new.values())) == len(new) and old["I0001"] not in set(new.values())
    reencoded = dbt_models.stable_assignment(
        month2, popularity, reference, assign.replace(sid_changed_items="reencode")
    )
    again = {r["parent_asin"]: tuple(r[f"sid_{i}"] for i in range(4)) for r in reencoded.to_pylist()}
    assert again["I0000"] != old["I0000"] and all(again[a] == old[a] for a in old if a not in ("I0000", "I0001"))

    # a plain (fresh) build does not overwrite a ledger an assign build wrote
    fresh_ledger = dbt_models.id_ledger(live, reference, fresh.replace(sid_registry_model=model_id))
    assert fresh_ledger.equals(ledger)
    # a reference of another model is refused in assign mode; a pin is required
    other = tmp_path / "other.parquet"
    pq.write_table(ledger.set_column(8, "model_id", pa.array(["rqvae-other"] * ledger.num_rows)), other)
    with pytest.raises(ValueError, match="not of the pinned model"):
        dbt_models.reference_ids(model_id, assign.replace(sid_reference_ids=str(other)))
    with pytest.raises(ValueError, match="set sid_registry_model"):
        dbt_models.stable_assignment(month2, popularity, reference, fresh.replace(sid_mode="assign"))
