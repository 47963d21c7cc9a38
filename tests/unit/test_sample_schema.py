"""Both files have the exact raw layout of Amazon Reviews 2023."""

from __future__ import annotations

import re

import pytest

from python_jobs.data.sample import Report, SampleConfig, generate
from python_jobs.data.sample.verify import (
    CSV_COLUMNS,
    META_FIELDS,
    classify_csv_row,
    classify_meta_line,
    csv_rows,
    meta_lines,
)

T_LO, T_HI = 1_420_070_400_000, 1_628_643_414_042  # 2015-01-01 .. the benchmark's train cut-off (2021-08-11)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Report:
    cfg = SampleConfig(n_items=1_500, n_users=900, n_interactions=7_000, bad_lines=9)
    return generate(cfg, tmp_path_factory.mktemp("raw"))


def _bad_numbers(report: Report, file: str) -> set[int]:
    return {b.line_number for b in report.bad_lines if b.file == file}


def test_paths_follow_the_raw_layout(report: Report) -> None:
    assert report.meta_path.name == "meta_sample.jsonl.gz"
    assert report.csv_path.name == "sample.train.csv.gz"
    assert report.meta_path.parent.name == "sample"


def test_every_clean_meta_line_has_every_field_with_its_type(report: Report) -> None:
    bad = _bad_numbers(report, "meta")
    asins = []
    n = 0
    for number, raw in enumerate(meta_lines(report.meta_path), start=1):
        n += 1
        if number in bad:
            continue
        problem, record = classify_meta_line(raw)
        assert problem is None, (number, problem)
        assert record is not None and tuple(record) == META_FIELDS
        assert re.fullmatch(r"(B0[0-9A-Z]{8}|[0-9]{10})", record["parent_asin"])
        for image in record["images"]:
            assert image["large"].startswith("https://") and image["thumb"].startswith("https://")
        asins.append(record["parent_asin"])
    assert n == report.meta_lines == 1_500 + len(bad)
    assert len(asins) == len(set(asins)) == 1_500


def test_meta_value_variety(report: Report) -> None:
    records = [classify_meta_line(raw)[1] for raw in meta_lines(report.meta_path)]
    records = [r for r in records if r is not None and "parent_asin" in r]
    prices = [r["price"] for r in records]
    assert any(isinstance(p, float) for p in prices) and any(p is None for p in prices)
    assert any(isinstance(p, str) for p in prices)
    mains = {r["main_category"] for r in records}
    assert "Video Games" in mains and None in mains and len(mains) > 3
    assert sum(r["main_category"] == "Video Games" for r in records) > 0.6 * len(records)
    assert any(r["videos"] for r in records) and sum(not r["videos"] for r in records) > 0.8 * len(records)
    keys = {k for r in records for k in r["details"]}
    assert {"Release date", "Item Weight", "Manufacturer", "Best Sellers Rank"} <= keys and len(keys) > 20
    assert any(isinstance(r["details"].get("Best Sellers Rank"), dict) for r in records)
    assert any(isinstance(v, (int, float)) for r in records for v in r["details"].values())
    assert any(r["categories"][:1] == ["Video Games"] and len(r["categories"]) >= 3 for r in records)


def test_csv_layout_and_histories(report: Report) -> None:
    rows = csv_rows(report.csv_path)
    assert next(rows) == ",".join(CSV_COLUMNS)
    bad = _bad_numbers(report, "csv")
    seen_users: list[str] = []
    history: list[str] = []
    last_ts = 0
    n = 0
    for number, line in enumerate(rows, start=2):
        if number in bad:
            continue
        problem, (user, asin, rating, ts, hist) = classify_csv_row(line)
        assert problem is None
        n += 1
        assert re.fullmatch(r"A[A-Z0-9]{27}", user)
        assert float(rating) in (1.0, 2.0, 3.0, 4.0, 5.0) and rating.endswith(".0")
        t = int(ts)
        assert T_LO <= t < T_HI
        if not seen_users or user != seen_users[-1]:
            assert not seen_users or user > seen_users[-1]  # grouped by user, ascending ids
            seen_users.append(user)
            history, last_ts = [], 0
        assert hist == " ".join(history)  # earlier items, oldest first; empty on the first row
        assert t > last_ts
        assert asin not in history  # a user never repeats an item
        history.append(asin)
        last_ts = t
    assert n == 7_000 and len(seen_users) == 900
