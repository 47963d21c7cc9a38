"""Raw line numbers are the file's own, by construction, on a multi-MB file read by several threads."""

from __future__ import annotations

import gzip
import json

from tests.dbt_helpers import DbtProject

LINES = 300_000  # ~10 MB of CSV: several reader chunks, so threads interleave


def test_line_numbers_survive_a_parallel_read_and_unreadable_lines(tmp_path):
    raw = tmp_path / "raw" / "bigfile"
    raw.mkdir(parents=True)
    meta = {"parent_asin": "A1", "title": "A sufficiently long product title", "description": ["d" * 120]}
    with gzip.open(raw / "meta_bigfile.jsonl.gz", "wt") as f:
        f.write(json.dumps(meta) + "\n")
    bad = {1_000, 150_001, 299_999}  # invalid UTF-8: DuckDB's reader refuses these lines before SQL sees them
    with gzip.open(raw / "bigfile.train.csv.gz", "wb") as f:
        f.write(b"user_id,parent_asin,rating,timestamp,history\n")
        for n in range(2, LINES + 2):  # n = the line's own number in the file
            f.write(
                f"U\xff{n},A1,5.0,{n},\n".encode("latin-1") if n in bad else f"L{n},A1,5.0,{n},padding-{n}\n".encode()
            )
    project = DbtProject(tmp_path, vars={"category": "bigfile", "raw_dir": str(tmp_path / "raw")})
    project.build("--select", "stg_interactions")
    wrong = project.query(
        "select count(*) from bigfile.stg_interactions where reject_reason is null and user_id <> 'L' || line_number"
    )
    assert wrong == [(0,)]
    assert project.query("select count(*) from bigfile.stg_interactions where reject_reason is null") == [(LINES - 3,)]
    rejected = project.query(
        "select line_number from bigfile.stg_interactions where reject_reason is not null order by 1"
    )
    assert [r[0] for r in rejected] == sorted(bad)
