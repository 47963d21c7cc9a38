"""End-to-end: the report of a category whose items have titles only (every description empty).

Built as the issue describes a real titles-only category: `min_title_length: 0, min_description_length: -1`, so
no item is filtered out for its missing description. The character reduction of descriptions is then NULL (0 of 0
characters), and the report must show it as missing instead of crashing.
"""

from __future__ import annotations

import gzip
import json
import re
import shutil
from pathlib import Path

import pytest

from python_jobs.report.cli import write_report
from python_jobs.report.formatting import MISSING
from tests.dbt_helpers import REPO, DbtProject
from tests.e2e.conftest import offline_vars

pytestmark = pytest.mark.e2e
CATEGORY = "titles_only"


def blank_descriptions(source: Path, raw_dir: Path, category: str) -> int:
    """The sample's raw files as `category`, every description emptied (bad lines kept as they are)."""
    folder = raw_dir / category
    folder.mkdir(parents=True)
    blanked = 0
    with (
        gzip.open(source / "meta_sample.jsonl.gz", "rb") as src,
        gzip.open(folder / f"meta_{category}.jsonl.gz", "wb") as dst,
    ):
        for line in src:
            try:
                record = json.loads(line)
            except ValueError:  # the sample's deliberately broken lines stay broken
                dst.write(line)
                continue
            if isinstance(record, dict):
                record["description"], blanked = [], blanked + 1
            dst.write(json.dumps(record).encode() + b"\n")
    shutil.copy(source / "sample.train.csv.gz", folder / f"{category}.train.csv.gz")
    return blanked


def test_report_of_a_titles_only_category_shows_missing_values(tmp_path):
    raw = tmp_path / "raw"
    assert blank_descriptions(REPO / "data" / "raw" / "sample", raw, CATEGORY) > 5000
    vars_ = {
        **offline_vars(tmp_path),
        "category": CATEGORY,
        "raw_dir": str(raw),
        "min_title_length": 0,
        "min_description_length": -1,
    }
    project = DbtProject(tmp_path, vars=vars_)
    project.build("--select", "tag:stage_01", "tag:stage_02")
    assert project.query(f"select count(*) filter (where description_text <> '') from {CATEGORY}.items_enriched") == [
        (0,)
    ]

    target, sections = write_report(CATEGORY, project.out_dir)

    html = target.read_text()
    built = {s.key for s in sections if s.built}
    assert {"prepare", "cleaning", "metadata"} <= built
    cleaning = html.split('<section id="cleaning"')[1].split("</section>")[0]
    rows = re.findall(r"<tr>(.*?)</tr>", cleaning, re.S)
    description = next(re.findall(r"<td[^>]*>(.*?)</td>", r) for r in rows if '<td class="text">description<' in r)
    columns = re.findall(r"<th[^>]*>(.*?)</th>", cleaning.split("Character reduction")[1])
    assert description[columns.index("reduction")] == MISSING  # NULL: 0 of 0 characters removed
    assert description[columns.index("chars before")] == "0"  # a real zero stays a zero
