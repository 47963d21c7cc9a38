"""Stage-5 settings come from the rec_* vars of dbt_project.yml; a bad value names its var."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from python_jobs.common.settings import SettingsError, project_vars
from python_jobs.recommend.settings import RecommendSettings


def test_every_rec_field_is_a_var_with_a_default():
    names = [f for f in RecommendSettings.model_fields if f.startswith("rec_")]
    assert names and all(n in project_vars() for n in names)
    assert sorted(v for v in project_vars() if v.startswith("rec_")) == sorted(names)
    s = RecommendSettings.load()
    assert s.rec_models == ["popularity", "transition", "sasrec_bce", "sasrec_ce", "sid_sasrec"]


@pytest.mark.parametrize(
    "var, value",
    [
        ("rec_max_len", "long"),
        ("rec_loss", "hinge"),
        ("rec_dropout", 1.5),
        ("rec_models", ["popularity", "gpt"]),
        ("rec_holdout_share", 0),
        ("rec_heads", 3),
    ],
)
def test_a_bad_value_names_the_var(var, value):
    with pytest.raises(SettingsError, match=var):
        RecommendSettings.load({var: value})


def test_original_preset_changes_only_the_sid_model():
    s = RecommendSettings.load({"rec_sid_preset": "original"})
    assert s.for_model("sid_sasrec").rec_hidden == 384 and s.for_model("sid_sasrec").rec_heads == 6
    assert s.for_model("sasrec_ce").rec_hidden == s.rec_hidden == 64


def test_cli_rejects_a_bad_flag_by_var_name(tmp_path):
    from python_jobs.cli import cli

    result = CliRunner().invoke(
        cli, ["eval", "--category", "sample", "--hidden", "64", "--heads", "5", "--out-dir", str(tmp_path)]
    )
    assert result.exit_code != 0 and "rec_heads" in result.output
    assert "rec_max_len" not in CliRunner().invoke(cli, ["train", "--help"]).output  # flags, not var names...
    assert "--max-len" in CliRunner().invoke(cli, ["train", "--help"]).output  # ...with the var default shown
