"""A category built for the first time, with later stages skipped by `--exclude`, ends green."""

from __future__ import annotations

import shutil

import pytest

from tests.dbt_helpers import DbtProject, sample_raw_copy
from tests.e2e.conftest import offline_vars

pytestmark = pytest.mark.e2e


def test_excluding_stages_4_and_5_is_green_on_a_new_category(sample_build: DbtProject, tmp_path):
    # the sample under a new name, in a new warehouse; the session build's caches and quantizer registry (copied,
    # never written) make stages 2-3 lookups instead of a second enrichment, embedding and training
    for folder in ("cache", "registry"):
        shutil.copytree(sample_build.root / folder, tmp_path / folder)
    category = "Fresh_copy"
    project = DbtProject(
        tmp_path,
        vars={
            **offline_vars(tmp_path),
            "category": category,
            "raw_dir": str(sample_raw_copy(tmp_path / "raw", category)),
        },
    )
    # raises with dbt's errors unless every selected node passes: a stage-4 or stage-5 test that still ran would
    # read a table this warehouse does not have
    result = project.build("--exclude", "tag:stage_04", "tag:stage_05")
    assert "ERROR=0" in result.output and "SKIP=0" in result.output
    tables = {
        t
        for (t,) in project.query(f"select table_name from information_schema.tables where table_schema = '{category}'")
    }
    assert {"items", "items_enriched", "semantic_ids", "sequences_sid"} <= tables
    assert not tables & {"conversations", "int_rec_eval_cases", "rec_metrics"}
