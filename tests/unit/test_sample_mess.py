"""The committed-size sample carries the mess and the coverage gaps of the real catalogue."""

from __future__ import annotations

import re

import pytest

from python_jobs.data.sample import Report, SampleConfig, generate
from python_jobs.data.sample.verify import classify_csv_row, classify_meta_line, csv_rows, meta_lines, passes_filter


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[dict], list[list[str]], Report]:
    cfg = SampleConfig(n_items=3_000, n_users=1_500, n_interactions=11_000, bad_lines=0)
    report = generate(cfg, tmp_path_factory.mktemp("raw"))
    records = [classify_meta_line(raw)[1] for raw in meta_lines(report.meta_path)]
    rows = [classify_csv_row(line)[1] for i, line in enumerate(csv_rows(report.csv_path)) if i > 0]
    return records, rows, report


def _descriptions(records: list[dict]) -> list[str]:
    return [" ".join(r["description"]) for r in records]


def test_about_half_fail_the_notebook_filter(data) -> None:
    records, _, _ = data
    share = sum(passes_filter(r) for r in records) / len(records)
    assert 0.44 < share < 0.52  # real Video_Games: 48.2% pass
    # both reasons occur: short titles and short or empty descriptions
    assert sum(len(r["title"]) <= 20 for r in records) > 50
    assert sum(len(" ".join(r["description"])) <= 100 for r in records) > 500


def test_html_entities_tags_and_symbols(data) -> None:
    records, _, _ = data
    text = _descriptions(records)
    assert sum(bool(re.search(r"&(amp|nbsp|#39|quot);", t)) for t in text) >= 20
    assert sum(bool(re.search(r"<(br|b|p|li)\b", t)) for t in text) >= 50
    everything = " ".join(text + [r["title"] for r in records])
    for symbol in ("★", "☆", "©", "®", "™", "♥"):
        assert symbol in everything, symbol


def test_titles_are_messy(data) -> None:
    records, _, _ = data
    titles = [r["title"] for r in records]
    caps = [t for t in titles if len(t) > 10 and t.isupper()]
    assert len(caps) >= 20
    assert any(w in t for t in titles for w in ("NEW!", "SALE", "LIMITED EDITION", "BEST SELLER", "FREE SHIPPING"))
    assert any(" w/ " in t or "Ed." in t or "Std." in t for t in titles)
    assert any(t.endswith(("!!", "??", "!?")) for t in titles)
    assert any(t.count("(") >= 2 for t in titles)
    assert any("Sold by" in t for t in titles)


def test_description_shapes(data) -> None:
    records, _, _ = data
    text = _descriptions(records)
    assert sum(r["description"] == [] for r in records) > 300
    assert sum(len(t) > 5_000 for t in text) >= 5
    assert sum(t.rstrip().endswith(("...", "…")) for t in text) >= 20
    assert sum(len(r["description"]) != len(set(r["description"])) for r in records) >= 20
    assert sum(r["features"] == [] for r in records) > 0.2 * len(records)


def test_coverage_gaps(data) -> None:
    records, rows, _ = data
    meta = {r["parent_asin"] for r in records}
    interacted = {row[1] for row in rows}
    never = meta - interacted
    assert len(never) > 0.7 * len(meta)  # most of the catalogue never occurs in a sequence
    without_meta = interacted - meta
    assert 0 < len(without_meta) < 0.1 * len(interacted)  # a few percent of sequence items lack metadata
    passing = {r["parent_asin"] for r in records if passes_filter(r)}
    share = sum(row[1] in passing for row in rows) / len(rows)
    assert 0.6 < share < 0.9  # mostly, not only, items that pass the filter
