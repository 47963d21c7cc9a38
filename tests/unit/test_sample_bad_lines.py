"""--bad-lines N injects exactly N bad records, of the documented kinds, where the report says."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from python_jobs.data.sample import BAD_KINDS, SampleConfig, generate
from python_jobs.data.sample.verify import classify_csv_row, classify_meta_line, csv_rows, meta_lines


def _found(report) -> tuple[dict[int, str], dict[int, str]]:
    meta: dict[int, str] = {}
    asins: set[str] = set()
    for number, raw in enumerate(meta_lines(report.meta_path), start=1):
        problem, record = classify_meta_line(raw)
        if problem is None:
            if record["parent_asin"] in asins:
                problem = "duplicate_parent_asin"
            asins.add(record["parent_asin"])
        if problem:
            meta[number] = problem
    csv: dict[int, str] = {}
    for number, line in enumerate(csv_rows(report.csv_path), start=1):
        if number > 1:
            problem, _ = classify_csv_row(line)
            if problem:
                csv[number] = problem
    return meta, csv


@pytest.mark.parametrize("n", [0, 3, 9, 14])
def test_exactly_the_requested_bad_lines(tmp_path: Path, n: int) -> None:
    cfg = SampleConfig(n_items=400, n_users=200, n_interactions=1_500, bad_lines=n)
    report = generate(cfg, tmp_path)
    meta, csv = _found(report)
    expected = Counter(BAD_KINDS[j % len(BAD_KINDS)] for j in range(n))
    assert Counter(meta.values()) + Counter(csv.values()) == expected
    assert {b.line_number: b.kind for b in report.bad_lines if b.file == "meta"} == meta
    assert {b.line_number: b.kind for b in report.bad_lines if b.file == "csv"} == csv
    n_meta = sum(1 for _ in meta_lines(report.meta_path))
    n_csv = sum(1 for _ in csv_rows(report.csv_path)) - 1
    assert n_meta == 400 + len(meta) and n_csv == 1_500 + len(csv)


def test_all_kinds_with_nine(tmp_path: Path) -> None:
    report = generate(SampleConfig(n_items=400, n_users=200, n_interactions=1_500, bad_lines=9), tmp_path)
    meta, csv = _found(report)
    assert set(meta.values()) | set(csv.values()) == set(BAD_KINDS)
    raw = list(meta_lines(report.meta_path))
    bad_utf8 = next(b.line_number for b in report.bad_lines if b.kind == "invalid_utf8")
    assert b"\xff\xfe" in raw[bad_utf8 - 1]
