"""The report from hand-made output tables: sections not built, partly built and built; determinism; escaping."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from python_jobs.report.cli import report, write_report
from python_jobs.report.sections import SECTIONS


def write_table(directory: Path, name: str, sql: str) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    duckdb.sql(f"copy ({sql}) to '{directory / name}.parquet' (format parquet)")


def stage_one(directory: Path) -> None:
    write_table(
        directory,
        "prep_step_counts",
        "select * from (values ('items', 1, 'meta lines read', 10, null, null), "
        "('items', 2, 'valid <meta> records', 8, 2, 20.0), ('sequences', 1, 'interaction lines read', 30, null, null))"
        " t(stage, step_order, step, rows_out, rows_removed, pct_removed)",
    )
    write_table(
        directory,
        "prep_sequence_length_distribution",
        "select * from (values (3, 5, 50.0, 50.0), (4, 5, 50.0, 100.0)) t(sequence_length, sequences, pct, cumulative_pct)",
    )
    write_table(
        directory,
        "prep_rejects",
        "select * from (values ('meta', 7, 'invalid_json', null, '{oops'), ('meta', 9, 'wrong_type: title', 'A1', '{}'),"
        " ('meta', 12, 'wrong_type: features', 'A2', '{}'), ('interactions', 4, 'wrong_type: rating', null, 'u,i,x'))"
        " t(source, line_number, reason, parent_asin, raw_line)",
    )


def sections_of(html: str) -> dict[str, str]:
    return dict(re.findall(r'<section id="([\w-]+)" data-built="(yes|no)"', html))


def test_nothing_built_shows_every_section_with_its_command(tmp_path):
    target, sections = write_report("sample", tmp_path)
    html = target.read_text()
    assert target == tmp_path / "sample" / "report.html"
    assert sections_of(html) == {spec.key: "no" for spec in SECTIONS}
    assert html.count("Not built yet.") == len(SECTIONS)
    assert "dbt build --select tag:stage_01</code>" in html  # the default category needs no --vars
    assert "<img" not in html


def test_stage_one_only(tmp_path):
    stage_one(tmp_path / "Video_Games")
    target, _ = write_report("Video_Games", tmp_path)
    html = target.read_text()
    assert sections_of(html)["prepare"] == "yes"
    assert [k for k, v in sections_of(html).items() if v == "no"] == [s.key for s in SECTIONS[1:]]
    # another category's commands carry its name
    assert "dbt build --select tag:stage_02 --vars &#39;{category: Video_Games}&#39;" in html
    # the one missing stage-1 table is named, the rest is drawn: 2 step figures, length distribution, rejects
    assert "Not built yet: prep_sequence_length_stats" in html
    prepare = html.split('<section id="prepare"')[1].split("</section>")[0]
    assert prepare.count('<img src="data:image/svg+xml;base64,') == 4
    assert "valid &lt;meta&gt; records" in prepare  # table text is escaped, never raw HTML
    # rejects grouped by source and the reason's kind, with the first line number
    assert (
        '<td class="text">meta</td><td class="text">wrong_type</td><td class="num">2</td><td class="num">9</td>'
        in prepare
    )


def test_same_tables_give_the_same_bytes(tmp_path):
    stage_one(tmp_path / "sample")
    first = write_report("sample", tmp_path, tmp_path / "a.html")[0].read_bytes()
    second = write_report("sample", tmp_path, tmp_path / "b.html")[0].read_bytes()
    assert first == second


def test_cli_lists_what_is_not_built_and_rejects_bad_categories(tmp_path):
    stage_one(tmp_path / "sample")
    result = CliRunner().invoke(report, ["--out-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "1 of 7 sections built" in result.output
    assert "not built yet: Recommenders -> dbt build --select tag:stage_05" in result.output
    bad = CliRunner().invoke(report, ["--category", "../etc", "--out-dir", str(tmp_path)])
    assert bad.exit_code == 2 and "invalid category" in bad.output


@pytest.mark.parametrize("flag", ["--category", "--out-dir", "--output"])
def test_help_explains_every_flag(flag):
    assert flag in CliRunner().invoke(report, ["--help"]).output
