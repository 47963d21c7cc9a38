"""End-to-end: notebook 01 as dbt models, checked against a plain-Python reading of the seed's rules."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.dbt_helpers import REPO, SHARED_DATA, DbtProject, failure_messages
from tests.e2e.reference_stage01 import reference_items, reference_length_stats, reference_sequences

pytestmark = pytest.mark.e2e
# the README's command for a new category: must end green without any flag (the project's indirect selection is
# cautious, so a test that also reads a later stage's table is left out until that stage is selected)
STAGE_01 = ("--select", "tag:stage_01")


ITEM_COLUMNS = (
    "title, description_text, features_text, main_category, categories_text, store, average_rating, "
    "rating_number, price, price_value, details, item_context"
)
STATS_COLUMNS = (
    "sequences, min_length, max_length, mean_length, median_length, p90_length, truncated_sequences, "
    "sequences_whose_target_had_no_metadata, interactions_kept"
)


def _first_differences(expected: dict, got: dict, limit: int = 5) -> list:
    """(key, column, expected, got) for the first values that differ (rows are dicts of columns)."""
    found = []
    for key in sorted(set(expected) | set(got)):
        want, have = expected.get(key) or {}, got.get(key) or {}
        found += [
            (key, c, want.get(c), have.get(c)) for c in sorted(set(want) | set(have)) if want.get(c) != have.get(c)
        ]
    return found[:limit]


def assert_matches_reference(project: DbtProject, raw_dir: Path, category: str, **limits) -> None:
    """items, sequences and prep_sequence_length_stats equal, value by value, an independent plain-Python reading
    of the raw files (tests/e2e/reference_stage01.py)."""
    items = reference_items(raw_dir, category, **limits)
    got_items = {}
    for asin, *values in project.query(f"select parent_asin, {ITEM_COLUMNS} from {category}.items"):
        row = dict(zip([c.strip() for c in ITEM_COLUMNS.split(",")], values))
        row["details"] = json.loads(row["details"]) if row["details"] is not None else None
        got_items[asin] = row
    assert set(got_items) == set(items)
    assert not _first_differences(items, got_items)
    sequences = reference_sequences(raw_dir, category, set(items), **limits)
    got_sequences = {
        user: {"sequence": seq, "sequence_length": n, "last_timestamp": ts}
        for user, seq, n, ts in project.query(
            f"select user_id, sequence, sequence_length, last_timestamp from {category}.sequences"
        )
    }
    expected_sequences = {
        u: {k: s[k] for k in ("sequence", "sequence_length", "last_timestamp")} for u, s in sequences.items()
    }
    assert not _first_differences(expected_sequences, got_sequences)
    (stats,) = project.query(f"select {STATS_COLUMNS} from {category}.prep_sequence_length_stats")
    got_stats = dict(zip([c.strip() for c in STATS_COLUMNS.split(",")], (v if v is None else float(v) for v in stats)))
    assert got_stats == pytest.approx(reference_length_stats(sequences))


def test_bundled_sample_builds_items_and_sequences_parquet(sample_build: DbtProject):
    out = sample_build.out_dir / "sample"
    for name in [
        "items",
        "sequences",
        "prep_rejects",
        "prep_step_counts",
        "prep_sequence_length_stats",
        "prep_sequence_length_distribution",
    ]:
        assert (out / f"{name}.parquet").is_file(), name
    items = pq.read_table(out / "items.parquet")
    sequences = pq.read_table(out / "sequences.parquet")
    assert items.num_rows > 1000 and sequences.num_rows > 1000
    assert items.column("parent_asin").to_pylist() == sorted(items.column("parent_asin").to_pylist())
    item_set = set(items.column("parent_asin").to_pylist())
    for seq, length in zip(sequences.column("sequence").to_pylist(), sequences.column("sequence_length").to_pylist()):
        assert 3 <= length == len(seq) <= 100
        assert set(seq) <= item_set


def test_bundled_sample_matches_reference(sample_build: DbtProject):
    assert_matches_reference(sample_build, REPO / "data" / "raw", "sample")


def _raw_line_count(path: Path) -> int:
    """Lines of a gzip file by Python's own reader (not DuckDB's): newline bytes, plus an unterminated last line."""
    with gzip.open(path, "rb") as f:
        return sum(1 for _ in f)


def assert_rejects_reconcile(project: DbtProject, raw_dir: Path, category: str) -> None:
    """Every raw line is a row used or a reject, and prep_step_counts agrees, with lines counted outside DuckDB."""
    raw = {
        "meta": _raw_line_count(raw_dir / category / f"meta_{category}.jsonl.gz"),
        "interactions": _raw_line_count(raw_dir / category / f"{category}.train.csv.gz") - 1,  # the header
    }

    def one(sql: str) -> int:
        return project.query(sql)[0][0]

    rejects = dict(project.query(f"select source, count(*) from {category}.prep_rejects group by source"))
    duplicates = one(f"select count(*) from {category}.prep_rejects where starts_with(reason, 'duplicate_parent_asin')")
    used = {
        # distinct: a dedup that kept a repeat without rejecting it leaves a line unaccounted for
        "meta": one(f"select count(distinct parent_asin) from {category}.int_items_text"),
        "interactions": one(f"select count(*) from {category}.stg_interactions where reject_reason is null"),
    }
    steps = dict(
        ((stage, order), rows)
        for stage, order, rows in project.query(f"select stage, step_order, rows_out from {category}.prep_step_counts")
    )
    for source, stage in [("meta", "items"), ("interactions", "sequences")]:
        assert raw[source] == used[source] + rejects.get(source, 0), source
        assert steps[(stage, 1)] == raw[source], f"{source}: lines read"
    assert steps[("items", 2)] == raw["meta"] - rejects.get("meta", 0) + duplicates
    assert steps[("sequences", 2)] == used["interactions"]


def test_rejects_reconcile_with_lines_read(sample_build: DbtProject):
    assert_rejects_reconcile(sample_build, REPO / "data" / "raw", "sample")


def test_outputs_queryable_from_any_directory_and_by_the_duckdb_cli(sample_build: DbtProject, tmp_path, monkeypatch):
    import duckdb

    monkeypatch.chdir(tmp_path)
    with duckdb.connect(str(sample_build.warehouse), read_only=True) as con:
        (n_items,) = con.execute("select count(*) from sample.items").fetchone()
        (n_seq,) = con.execute("select count(*) from sample.sequences").fetchone()
    assert n_items > 0 and n_seq > 0
    cli = subprocess.run(
        [
            str(Path(sys.executable).with_name("duckdb")),
            "-readonly",
            "-csv",
            "-noheader",
            str(sample_build.warehouse),
            "-c",
            "select count(*) from sample.items",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert int(cli.stdout.strip()) == n_items


def test_step_counts_match_notebook_printout_shape(sample_build: DbtProject):
    rows = sample_build.query(
        "select stage, step_order, rows_out, rows_removed from sample.prep_step_counts order by all"
    )
    by_stage: dict[str, list] = {}
    for stage, _, rows_out, removed in rows:
        by_stage.setdefault(stage, []).append((rows_out, removed))
    for stage, steps in by_stage.items():
        counts = [c for c, _ in steps]
        assert counts == sorted(counts, reverse=True), f"{stage} counts must not grow: {counts}"
        assert all(removed == prev - cur for (prev, _), (cur, removed) in zip(steps, steps[1:]))
    ((n,),) = sample_build.query("select sum(sequences) from sample.prep_sequence_length_distribution")
    ((m,),) = sample_build.query("select count(*) from sample.sequences")
    assert n == m


@pytest.mark.parametrize("category", ["Industrial", "Amazon2023Sample"])
def test_real_amazon_rows_match_reference(category: str, tmp_path):
    if not (SHARED_DATA / category).is_dir():
        pytest.skip(f"{SHARED_DATA / category} not present")
    project = DbtProject(tmp_path, vars={"category": category, "raw_dir": str(SHARED_DATA)})
    project.build(*STAGE_01)
    assert_matches_reference(project, SHARED_DATA, category)
    assert project.query(f"select count(*) from {category}.prep_rejects") == [(0,)]


def _write_category(raw: Path, category: str, meta: bytes, interactions: bytes) -> None:
    (raw / category).mkdir(parents=True)
    with gzip.open(raw / category / f"meta_{category}.jsonl.gz", "wb") as f:
        f.write(meta)
    with gzip.open(raw / category / f"{category}.train.csv.gz", "wb") as f:
        f.write(interactions)


def _meta_line(asin: str, **override) -> bytes:
    record = {
        "main_category": "Video Games",
        "title": "A sufficiently long product title",
        "average_rating": 4.5,
        "rating_number": 3,
        "features": ["fast"],
        "description": ["d" * 120],
        "price": "$1.00",
        "images": [],
        "videos": [],
        "store": "S",
        "categories": ["Video Games"],
        "details": {"k": 1},
        "parent_asin": asin,
        "bought_together": None,
    }
    record.update(override)
    return json.dumps(record).encode()


def test_bad_lines_are_kept_with_reasons_not_dropped(tmp_path):
    raw = tmp_path / "raw"
    meta = (
        b"\n".join(
            [
                _meta_line("A1"),
                b'{"title": broken',
                _meta_line("A2").replace(b"title", b"ti\xfftle", 1),
                json.dumps({"title": "no asin here at all"}).encode(),
                _meta_line("A3", features="not a list"),
                _meta_line("A1"),
                _meta_line("A4"),
                b"[1, 2]",
                _meta_line("A5", title=123),
                _meta_line("A6"),
                _meta_line("A7", description=["x" * 3000]),  # over max_line_bytes (below)
                _meta_line("  "),  # a blank parent_asin: refused, not silently lost
                _meta_line("A8", parent_asin=None),
            ]
        )
        + b"\n"
    )
    interactions = (
        "\n".join(
            [
                "user_id,parent_asin,rating,timestamp,history",
                "U1,A1,5.0,1000,",
                "U1,A4,5.0,1001,A1",
                "U1,A6,4.0,1002,A1 A4",
                "U2,A1,x,1000,",
                "U2,A4,5.0,soon,A1",
                "U2,A4",
                "U3,A1,5.0,1,,extra",
                'U4,A1,5.0,1600000000000,"A4 A6',
                'U5,A4,5.0,1003,"A1"',  # a quote never closed; a whole quoted field
                "U6,A4,5.0,1004," + " ".join(["A1"] * 1000),  # over max_line_bytes
            ]
        ).encode()
        + b"\n"
    )
    _write_category(raw, "messy", meta, interactions)
    project = DbtProject(tmp_path, vars={"category": "messy", "raw_dir": str(raw), "max_line_bytes": 2000})
    project.build(*STAGE_01)
    rejects = project.query(
        "select source, line_number, split_part(reason, ':', 1) from messy.prep_rejects order by all"
    )
    assert rejects == [
        ("interactions", 5, "wrong_type"),
        ("interactions", 6, "wrong_type"),
        ("interactions", 7, "wrong_field_count"),
        ("interactions", 8, "wrong_field_count"),
        ("interactions", 9, "malformed_quotes"),
        ("interactions", 11, "line size over maximum"),
        ("meta", 2, "invalid_json"),
        ("meta", 3, "invalid encoding"),
        ("meta", 4, "missing_field"),
        ("meta", 5, "wrong_type"),
        ("meta", 6, "duplicate_parent_asin"),
        ("meta", 8, "not_a_json_object"),
        ("meta", 9, "wrong_type"),
        ("meta", 11, "line size over maximum"),
        ("meta", 12, "wrong_type"),
        ("meta", 13, "missing_field"),
    ]
    (over_long,) = project.query("select reason from messy.prep_rejects where source = 'meta' and line_number = 11")
    assert "2000 bytes" in over_long[0]  # the reason names the limit the line broke
    assert_rejects_reconcile(project, raw, "messy")
    assert_matches_reference(project, raw, "messy", max_line_bytes=2000)
    assert project.query("select parent_asin from messy.items order by 1") == [("A1",), ("A4",), ("A6",)]
    assert project.query("select user_id, sequence from messy.sequences") == [("U1", ["A1", "A4", "A6"])]


@pytest.mark.parametrize("category", ["../etc", "a b", "Video-Games"])
def test_invalid_category_is_rejected(category: str, tmp_path):
    result = DbtProject(tmp_path, vars={"category": category}).invoke("build", *STAGE_01)
    assert not result.success
    assert "invalid category" in failure_messages(result)


def test_missing_raw_files_name_the_download_command(tmp_path):
    result = DbtProject(tmp_path, vars={"category": "Not_Downloaded", "raw_dir": str(tmp_path)}).invoke(
        "build", *STAGE_01
    )
    assert not result.success
    assert "python -m python_jobs download --category Not_Downloaded" in failure_messages(result)


def test_empty_input_is_a_clear_error(tmp_path):
    raw = tmp_path / "raw"
    _write_category(raw, "hollow", b"", b"user_id,parent_asin,rating,timestamp,history\n")
    result = DbtProject(tmp_path, vars={"category": "hollow", "raw_dir": str(raw)}).invoke("build", *STAGE_01)
    assert not result.success
    assert "empty" in failure_messages(result)


def test_wrong_csv_header_names_the_expected_header(tmp_path):
    raw = tmp_path / "raw"
    _write_category(raw, "misheaded", _meta_line("A1") + b"\n", b"user,item,rating,ts,history\nU1,A1,5.0,1000,\n")
    result = DbtProject(tmp_path, vars={"category": "misheaded", "raw_dir": str(raw)}).invoke("build", *STAGE_01)
    assert not result.success
    message = failure_messages(result)
    assert 'the first line must be the header "user_id,parent_asin,rating,timestamp,history"' in message
    assert "found: user,item,rating,ts,history" in message
