"""A category is also a warehouse schema: a name DuckDB would confuse with a catalog stops the run up front."""

from __future__ import annotations

from tests.dbt_helpers import DbtProject, sample_raw_copy


def test_a_category_named_like_the_warehouse_file_is_refused_before_any_model(tmp_path):
    project = DbtProject(
        tmp_path, vars={"category": "Office", "raw_dir": str(sample_raw_copy(tmp_path / "raw", "Office"))}
    )
    # DuckDB names the catalog after the file: office.duckdb is catalog `office`, the same name as schema Office
    office = {"SID_WAREHOUSE": str(tmp_path / "office.duckdb")}
    refused = project.invoke("build", "--select", "stg_meta", env=office)
    assert not refused.success
    assert "category 'Office' collides with the warehouse's catalog 'office'" in refused.output
    assert "Ambiguous reference" not in refused.output  # stopped by the hook, before any model ran into it
    # the same category in a warehouse with another name builds
    assert project.invoke("build", "--select", "stg_meta").success


def test_duckdb_own_names_are_refused(tmp_path):
    project = DbtProject(
        tmp_path, vars={"category": "System", "raw_dir": str(sample_raw_copy(tmp_path / "raw", "System"))}
    )
    refused = project.invoke("build", "--select", "stg_meta")
    assert not refused.success
    assert "category 'System' cannot name a warehouse schema: DuckDB uses 'system' itself" in refused.output
