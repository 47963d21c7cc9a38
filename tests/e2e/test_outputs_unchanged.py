"""The layout by stage moved and renamed models; it must not have changed what stages 1-2 compute.

The golden digests were taken from a build of the bundled sample before the move (see the file's `source`), with
benchmarks/compare_builds.py's order-free row hash. Stage 3 is left out here because its tables hold floats from
torch, which may differ in the last bits on other CPUs; on the machine that made the golden file every stage-3
table matched as well, but for the collision index, which now counts popularity over train users only.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import duckdb
import pytest

from tests.dbt_helpers import REPO, DbtProject

sys.path.insert(0, str(REPO / "benchmarks"))
from compare_builds import table_digest  # noqa: E402

pytestmark = pytest.mark.e2e
GOLDEN = json.loads((Path(__file__).parent / "golden" / "sample_stage12_digests.json").read_text())["tables"]


@pytest.mark.parametrize("table", sorted(GOLDEN))
def test_stage_1_and_2_outputs_are_unchanged(sample_build: DbtProject, table: str):
    with duckdb.connect(str(sample_build.warehouse), read_only=True) as con:
        rows, digest = table_digest(con, f'sample."{table}"', set())
    assert (rows, str(digest)) == (GOLDEN[table]["rows"], GOLDEN[table]["digest"])
