"""A run's vars are checked against every stage's settings before any model runs, whatever the selection."""

from __future__ import annotations

import pytest

from tests.dbt_helpers import DbtProject

pytestmark = pytest.mark.e2e


def test_a_misspelt_var_stops_a_stage_1_build_before_any_model(tmp_path):
    project = DbtProject(tmp_path)
    result = project.invoke("build", "--select", "stg_interactions", vars={"min_titel_length": 5})
    assert not result.success
    assert "unknown dbt var(s) ['min_titel_length']" in result.output
    assert "PASS=" in result.output and "SKIP=" in result.output
    assert project.query("select count(*) from information_schema.tables where table_name = 'stg_interactions'") == [
        (0,)
    ]


def test_a_bad_value_of_a_sql_only_var_names_it(tmp_path):
    result = DbtProject(tmp_path).invoke("build", "--select", "stg_interactions", vars={"ft_heldout_item_share": 2})
    assert not result.success and "ft_heldout_item_share = 2" in result.output
