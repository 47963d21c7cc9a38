"""Every singular dbt test carries its stage's tag, like the generic tests of each stage folder (dbt_project.yml,
data_tests:). Under `indirect_selection: cautious` an `--exclude tag:stage_05` drops an untagged test only when every
model it reads is excluded, so a stage-5 test that also reads a stage-3 table would still run on a category whose
stage 5 was never built, and fail on the missing table."""

from __future__ import annotations

import re

import pytest

from tests.dbt_helpers import REPO

TAG = re.compile(r"\{\{\s*config\(\s*tags\s*=\s*\[\s*'stage_0[1-5]'\s*\]\s*\)\s*\}\}")


@pytest.mark.parametrize("path", sorted((REPO / "dbt_tests").glob("*.sql")), ids=lambda p: p.name)
def test_each_singular_test_names_its_stage(path):
    assert TAG.search(path.read_text()), f"{path.name}: add {{{{ config(tags=['stage_0N']) }}}} for its stage"
