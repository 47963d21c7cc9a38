"""The stage-3 SQL models and macros, rendered with a minimal Jinja context (ref, var) and run on DuckDB fixtures.

dbt unit tests cannot cover Python-model parents easily, so the SQL logic is checked here directly: collision
index order, the exact ID string, the >codebook_size failure, sequence mapping order, the md5 split, and that
the SQL quality tables agree with python_jobs.semantic_ids.quality.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import duckdb
import jinja2
import numpy as np
import pytest
import yaml

from python_jobs.semantic_ids.quality import code_metrics, collision_histogram, format_semantic_id

REPO = Path(__file__).resolve().parents[2]
MODELS = REPO / "models" / "03_semantic_ids"
VARS = yaml.safe_load((REPO / "dbt_project.yml").read_text())["vars"]


def render(sql: str, **var_overrides) -> str:
    values = {**VARS, **var_overrides}
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    env.globals["sql_string"] = lambda text: "'" + str(text).replace("'", "''") + "'"
    env.globals["config"] = lambda **_: ""  # a singular test's {{ config(tags=...) }} renders to nothing
    hash_bucket = env.from_string((REPO / "macros" / "hash_bucket.sql").read_text()).module.hash_bucket
    return env.from_string(sql).render(
        ref=lambda name: name, var=lambda name, default=None: values.get(name, default), hash_bucket=hash_bucket
    )


def build(con: duckdb.DuckDBPyConnection, model: str, **var_overrides) -> None:
    """Build one stage-3 model (and first its parents int_user_split and int_item_popularity, which the tests never
    set up by hand)."""
    if model in ("semantic_ids", "sequences_sid"):
        build(con, "int_user_split", **var_overrides)
    if model == "semantic_ids":
        build(con, "int_item_popularity", **var_overrides)
        # the stable-ID assignment (a Python model): empty unless sid_mode is assign
        con.execute(
            "create table if not exists int_sid_assignment (parent_asin varchar, sid_0 integer, sid_1 integer, "
            "sid_2 integer, sid_3 integer)"
        )
    (path,) = MODELS.glob(f"*/{model}.sql")
    con.execute(f"create or replace table {model} as {render(path.read_text(), **var_overrides)}")


def is_val_user(user_id: str, salt: str = VARS["sid_split_salt"]) -> bool:
    """The split rule, from Python's own md5."""
    return int(hashlib.md5((user_id + salt).encode()).hexdigest()[:8], 16) % 10000 < VARS["sid_val_share"] * 10000


def macros(**var_overrides):
    """The ad-hoc macros of macros/semantic_ids.sql ({% test %} blocks are dbt-only and left out)."""
    text = (REPO / "macros" / "semantic_ids.sql").read_text()
    text = re.sub(r"{% test .*?{% endtest %}", "", text, flags=re.S)
    values = {**VARS, **var_overrides}
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    env.globals.update(ref=lambda name: name, var=lambda name, default=None: values.get(name, default))
    return env.from_string(text).module


def setup(con, codes: dict[str, tuple[int, int, int]], sequences: dict[str, list[str]]) -> None:
    con.execute(
        "create table int_item_codes (parent_asin varchar, sid_0 integer, sid_1 integer, sid_2 integer, "
        "quantizer varchar, model_id varchar)"
    )
    con.executemany(
        "insert into int_item_codes values (?, ?, ?, ?, 'rqvae', 'rqvae-test')", [(a, *c) for a, c in codes.items()]
    )
    con.execute(
        "create table sequences_enriched (user_id varchar, sequence varchar[], sequence_length integer, "
        "last_timestamp bigint)"
    )
    con.executemany(
        "insert into sequences_enriched values (?, ?, ?, 0)", [(u, s, len(s)) for u, s in sequences.items()]
    )


@pytest.fixture
def con():
    c = duckdb.connect()
    yield c
    c.close()


def test_collision_index_by_popularity_then_asin_and_exact_format(con):
    codes = {"A": (1, 2, 3), "B": (1, 2, 3), "C": (1, 2, 3), "D": (1, 2, 4), "E": (0, 0, 0)}
    # popularity: B 2, C 2, A 1, D 0 (absent), E 1; B and C tie -> parent_asin order
    setup(con, codes, {"u1": ["A", "B", "C"], "u2": ["C", "B", "E"]})
    build(con, "semantic_ids")
    rows = {
        r[0]: r[1:]
        for r in con.execute(
            "select parent_asin, sid_3, semantic_id, collision_group_size, popularity from semantic_ids"
        ).fetchall()
    }
    assert {a: r[0] for a, r in rows.items()} == {"B": 0, "C": 1, "A": 2, "D": 0, "E": 0}
    assert rows["C"][1] == "<|sid_start|><|sid_1|><|sid_258|><|sid_515|><|sid_769|><|sid_end|>"
    assert rows["A"][2] == 3 and rows["D"][2] == 1 and rows["A"][3] == 1 and rows["D"][3] == 0
    for asin, (c0, c1, c2) in codes.items():
        assert rows[asin][1] == format_semantic_id([c0, c1, c2, rows[asin][0]])
    order = [r[0] for r in con.execute("select parent_asin from semantic_ids").fetchall()]
    assert order == sorted(order)


def test_collision_index_counts_popularity_over_train_users_only(con):
    """A validation user's sequence must not change any ID: the IDs would otherwise depend on evaluation data."""
    val_user = next(f"V{i}" for i in range(1000) if is_val_user(f"V{i}"))
    train_users = [u for u in (f"T{i}" for i in range(1000)) if not is_val_user(u)][:2]
    codes = {"A": (1, 2, 3), "B": (1, 2, 3)}
    setup(con, codes, {train_users[0]: ["A", "B"], train_users[1]: ["B", "B"], val_user: ["A", "A", "A", "A"]})
    build(con, "semantic_ids")
    rows = dict(con.execute("select parent_asin, sid_3 from semantic_ids").fetchall())
    assert rows == {"B": 0, "A": 1}  # B: 3 train occurrences beats A: 1 (+4 from the val user, ignored)
    assert con.execute("select popularity from semantic_ids where parent_asin = 'A'").fetchall() == [(1,)]


def test_group_larger_than_the_codebook_stops_the_build(con):
    setup(con, {"A": (1, 1, 1), "B": (1, 1, 1), "C": (1, 1, 1)}, {"u": ["A", "B", "C"]})
    with pytest.raises(duckdb.Error, match=r"3 items share the codes \(1, 1, 1\)"):
        build(con, "semantic_ids", sid_codebook_size=2)


def test_sequences_keep_order_and_unmapped_items_stay_visible(con):
    codes = {"A": (0, 0, 0), "B": (0, 0, 1), "C": (5, 6, 7)}
    setup(con, codes, {"u1": ["C", "A", "B", "A"], "u2": ["B", "X", "C"]})
    build(con, "semantic_ids")
    build(con, "sequences_sid")
    ids = dict(con.execute("select parent_asin, semantic_id from semantic_ids").fetchall())
    seqs = {
        r[0]: r[1:]
        for r in con.execute(
            "select user_id, sequence, semantic_id_sequence, semantic_id_sequence_length, n_mapped from sequences_sid"
        ).fetchall()
    }
    seq, sids, length, mapped = seqs["u1"]
    assert sids == [ids[a] for a in seq] and length == 4 and mapped == 4
    seq, sids, length, mapped = seqs["u2"]
    assert sids == [ids["B"], None, ids["C"]] and length == 3 and mapped == 2  # never dropped
    build(con, "sid_sequence_coverage")
    cov = con.execute(
        "select item_coverage, n_sequences_fully_mapped, n_distinct_items_without_id from sid_sequence_coverage"
    ).fetchone()
    assert cov == (pytest.approx(6 / 7), 1, 1)


def test_user_split_is_a_stable_md5_bucket(con):
    users = [f"U{i:05d}" for i in range(5000)]
    setup(con, {"A": (0, 0, 0)}, {u: ["A"] for u in users})
    build(con, "semantic_ids")
    build(con, "sequences_sid")
    for name in ("sequences_train", "sequences_val"):
        build(con, name)
    salt = VARS["sid_split_salt"]
    got = dict(con.execute("select user_id, split_bucket from sequences_sid").fetchall())
    for u in users[:200]:
        assert got[u] == int(hashlib.md5((u + salt).encode()).hexdigest()[:8], 16) % 10000
    assert {u for u in users if is_val_user(u)} == {u for u in users if got[u] < 1000}
    train = {r[0] for r in con.execute("select user_id from sequences_train").fetchall()}
    val = {r[0] for r in con.execute("select user_id from sequences_val").fetchall()}
    assert not train & val and train | val == set(users)
    assert 0.08 < len(val) / len(users) < 0.12
    assert val == {u for u in users if got[u] < 1000}
    build(con, "sequences_sid", sid_split_salt="another-salt")
    val2 = {r[0] for r in con.execute("select user_id from sequences_sid where split = 'val'").fetchall()}
    assert val2 != val
    assert con.execute(
        "select column_names from (select list(column_name) as column_names from (describe sequences_val))"
    ).fetchone()[0] == [
        "user_id",
        "sequence",
        "sequence_length",
        "last_timestamp",
        "semantic_id_sequence",
        "semantic_id_sequence_length",
    ]


def test_quality_tables_agree_with_the_python_metrics(con):
    rng = np.random.default_rng(0)
    codes = np.concatenate([rng.integers(0, 40, size=(400, 3)), np.repeat([[1, 2, 3]], 5, axis=0)])
    asins = [f"I{i:04d}" for i in range(len(codes))]
    setup(con, {a: tuple(int(v) for v in c) for a, c in zip(asins, codes)}, {"u": asins[:10]})
    build(con, "semantic_ids")
    for model in (
        "sid_level_usage",
        "sid_items_per_code",
        "sid_uniqueness",
        "sid_collision_groups",
        "sid_fourth_code_distribution",
    ):
        build(con, model)
    m = code_metrics(codes, 256)
    usage = con.execute(
        "select level, usage_share, perplexity, codes_used from sid_level_usage order by level"
    ).fetchall()
    for level in range(3):
        assert usage[level][1] == pytest.approx(m.usage[level])
        assert usage[level][2] == pytest.approx(m.perplexity[level])
    uniq = con.execute(
        "select n_items, unique_share_3code, max_group_size, unique_share_with_index from sid_uniqueness"
    ).fetchone()
    assert uniq == (len(codes), pytest.approx(m.unique_share), m.max_group_size, 1.0)
    hist = dict(con.execute("select group_size, n_groups from sid_collision_groups").fetchall())
    assert hist == collision_histogram(codes)
    fourth = dict(con.execute("select sid_3, n_items from sid_fourth_code_distribution").fetchall())
    assert sum(fourth.values()) == len(codes) and fourth[0] == len(np.unique(codes, axis=0))
    per_code = con.execute(
        "select min_items, mean_items, max_items, codes_unused from sid_items_per_code where level = 0"
    ).fetchone()
    counts = np.bincount(codes[:, 0])
    counts = counts[counts > 0]
    assert per_code == (counts.min(), pytest.approx(counts.mean()), counts.max(), 256 - len(counts))


def test_ad_hoc_macros(con):
    m = macros()
    sid = "'<|sid_start|><|sid_12|><|sid_300|><|sid_600|><|sid_770|><|sid_end|>'"
    assert con.execute(f"select {m.sid_codes(sid)}").fetchone()[0] == [12, 44, 88, 2]
    assert con.execute(f"select {m.sid_code(sid, 1)}").fetchone()[0] == 44
    assert con.execute(f"select {m.sid_prefix(sid, 2)}").fetchone()[0] == "<|sid_start|><|sid_12|><|sid_300|>"
    assert con.execute(f"select {m.sid_prefix(sid, 4)}").fetchone()[0] == (
        "<|sid_start|><|sid_12|><|sid_300|><|sid_600|><|sid_770|>"
    )

    setup(con, {"A": (1, 2, 3), "B": (1, 2, 3), "C": (1, 2, 9), "D": (1, 7, 7), "E": (4, 2, 3)}, {"u": ["B"]})
    build(con, "semantic_ids")
    rows = con.execute(m.sid_items_sharing_prefix("A", 2)).fetchall()
    assert [r[0] for r in rows] == ["B", "A", "C"]  # 3 shared levels first (by collision index), then 2
    assert [r[-1] for r in rows] == [3, 3, 2]
    assert [r[0] for r in con.execute(m.sid_items_sharing_prefix("A", 1)).fetchall()] == ["B", "A", "C", "D"]
    assert con.execute(m.sid_items_sharing_prefix("nope", 1)).fetchall() == []


def test_assigned_ids_replace_the_computed_ones_and_the_changes_are_listed(con):
    """sid_mode: assign: semantic_ids takes every ID from int_sid_assignment; sid_assignment_changes compares them
    with the reference, and the singular test dbt_tests/assert_sid_assign_keeps_ids.sql flags broken promises."""
    k = 256
    # the model's fresh codes would differ: the assignment must win
    setup(con, {"A": (9, 9, 9), "B": (9, 9, 9), "C": (9, 9, 9), "N": (9, 9, 9)}, {"u": ["A", "B", "N", "N"]})
    con.execute(
        "create table int_sid_assignment as select * from (values ('A', 1, 2, 3, 0), ('B', 1, 2, 3, 2), "
        "('C', 4, 4, 4, 0), ('N', 1, 2, 3, 1)) t(parent_asin, sid_0, sid_1, sid_2, sid_3)"
    )
    con.execute(
        "create table item_embeddings as select * from (values ('A', 'ha'), ('B', 'hb-new'), ('C', 'hc'), "
        "('N', 'hn')) t(parent_asin, text_hash)"
    )
    ref = [
        ("A", (1, 2, 3, 0), "ha", "live"),
        ("B", (1, 2, 3, 2), "hb", "live"),  # text changed, ID kept (sid_changed_items: keep)
        ("C", (4, 4, 4, 0), None, "live"),  # reference without a text hash: unknown
        ("R", (1, 2, 3, 3), "hr", "live"),  # removed now: reserved
        ("S", (5, 5, 5, 0), "hs", "superseded"),  # never listed
    ]
    con.execute(
        "create table int_sid_reference (parent_asin varchar, sid_0 integer, sid_1 integer, sid_2 integer, "
        "sid_3 integer, semantic_id varchar, text_hash varchar, status varchar, model_id varchar)"
    )
    con.executemany(
        "insert into int_sid_reference values (?, ?, ?, ?, ?, ?, ?, ?, 'rqvae-test')",
        [(a, *c, format_semantic_id(c, k), h, st) for a, c, h, st in ref],
    )
    build(con, "semantic_ids")
    got = dict(con.execute("select parent_asin, [sid_0, sid_1, sid_2, sid_3] from semantic_ids").fetchall())
    assert got == {"A": [1, 2, 3, 0], "B": [1, 2, 3, 2], "C": [4, 4, 4, 0], "N": [1, 2, 3, 1]}
    sizes = dict(con.execute("select parent_asin, collision_group_size from semantic_ids").fetchall())
    assert sizes == {"A": 3, "B": 3, "C": 1, "N": 3}
    build(con, "sid_assignment_changes")
    rows = {
        r[0]: r[1:]
        for r in con.execute(
            "select parent_asin, status, text_changed, id_changed, reuses_reserved_id, reference_status "
            "from sid_assignment_changes"
        ).fetchall()
    }
    assert rows == {
        "A": ("kept", False, False, False, "live"),
        "B": ("changed", True, False, False, "live"),
        "C": ("kept", None, False, False, "live"),
        "N": ("added", None, None, False, None),
        "R": ("removed", None, None, False, "live"),
    }
    check = (REPO / "dbt_tests" / "assert_sid_assign_keeps_ids.sql").read_text()
    assert con.execute(render(check, sid_mode="assign")).fetchall() == []
    # a build that gave N the removed item's ID and moved A: both flagged in assign mode, nothing in fresh mode
    con.execute(
        "update semantic_ids set semantic_id = '" + format_semantic_id((1, 2, 3, 3), k) + "' where parent_asin = 'N'"
    )
    con.execute(
        "update semantic_ids set semantic_id = '" + format_semantic_id((7, 7, 7, 0), k) + "' where parent_asin = 'A'"
    )
    build(con, "sid_assignment_changes")
    assert sorted(r[0] for r in con.execute(render(check, sid_mode="assign")).fetchall()) == ["A", "N"]
    assert con.execute(render(check, sid_mode="fresh")).fetchall() == []
