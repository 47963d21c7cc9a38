"""The click command: flags, overrides, errors."""

from __future__ import annotations

import gzip
from pathlib import Path

from click.testing import CliRunner

from python_jobs.cli import cli


def test_help_documents_every_flag() -> None:
    result = CliRunner().invoke(cli, ["sample", "--help"])
    assert result.exit_code == 0
    for flag in (
        "--category",
        "--preset",
        "--seed",
        "--raw-dir",
        "--items",
        "--users",
        "--interactions",
        "--bad-lines",
        "--workers",
        "--compresslevel",
        "--progress",
    ):
        assert flag in result.output, flag
    assert "malformed JSON" in result.output and "invalid UTF-8" in result.output


def test_overrides_write_the_requested_counts(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "sample",
            "--category",
            "tiny_cat",
            "--raw-dir",
            str(tmp_path),
            "--items",
            "300",
            "--users",
            "100",
            "--interactions",
            "700",
            "--bad-lines",
            "2",
            "--seed",
            "7",
            "--workers",
            "1",
        ],
    )
    assert result.exit_code == 0, result.output
    d = tmp_path / "tiny_cat"
    with gzip.open(d / "meta_tiny_cat.jsonl.gz", "rb") as f:
        assert sum(1 for _ in f) == 301  # malformed_json on top of 300 clean rows
    with gzip.open(d / "tiny_cat.train.csv.gz", "rt") as f:
        assert sum(1 for _ in f) == 1 + 700 + 1  # header, clean rows, one too-few-fields row
    assert "bad line:" in result.output


def test_bad_category_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["sample", "--category", "../x", "--raw-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert "letters, digits and underscore" in result.output


def test_impossible_counts_are_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["sample", "--raw-dir", str(tmp_path), "--users", "50", "--interactions", "10"])
    assert result.exit_code == 2
