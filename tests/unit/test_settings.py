"""One source of settings: defaults from dbt_project.yml, typed per stage, bad values named by their var."""

from __future__ import annotations

import pytest
import yaml

from python_jobs.common.settings import PROJECT_FILE, SettingsError, project_vars, setting_option
from python_jobs.enrich.settings import EnrichSettings
from python_jobs.semantic_ids.settings import SemanticIdSettings
from python_jobs.stages import STAGE_SETTINGS, check_run_vars, ownership_problems


@pytest.mark.parametrize("stage", STAGE_SETTINGS)
def test_every_field_is_a_var_with_a_default_in_dbt_project_yml(stage):
    defaults = yaml.safe_load(PROJECT_FILE.read_text())["vars"]
    assert set(stage.model_fields) <= set(defaults), set(stage.model_fields) - set(defaults)
    loaded = stage.load()
    for name in stage.model_fields:
        value = getattr(loaded, name)
        assert (list(value) if isinstance(value, tuple) else value) == defaults[name], name


@pytest.mark.parametrize(
    "var, value",
    [
        ("sid_steps", "lots"),
        ("sid_steps", 0),
        ("sid_lr", -1),
        ("quantizer", "vqgan"),
        ("sid_standardize", "maybe"),
        ("sid_hidden_dims", []),
        ("sid_val_fraction", 0.7),
        ("embedding_dtype", "int8"),
    ],
)
def test_a_bad_stage3_value_stops_with_the_var_name(var, value):
    with pytest.raises(SettingsError, match=var):
        SemanticIdSettings.load({var: value})


@pytest.mark.parametrize(
    "var, value",
    [
        ("enrich_concurrency", -1),
        ("enrich_provider", "openai"),
        ("enrich_timeout_s", "soon"),
        ("enrich_description_batch_size", 0),
    ],
)
def test_a_bad_stage2_value_stops_with_the_var_name(var, value):
    with pytest.raises(SettingsError, match=var):
        EnrichSettings.load({var: value})


def test_strings_from_the_command_line_convert_one_way_everywhere():
    """'on'/'off', 'true'/'false', '1'/'0' mean the same for every boolean var of every stage."""
    for text, expected in [("on", True), ("off", False), ("true", True), ("0", False)]:
        assert SemanticIdSettings.load({"sid_standardize": text}).sid_standardize is expected
        assert SemanticIdSettings.load({"sid_kmeans_init": text}).sid_kmeans_init is expected
    assert SemanticIdSettings.load({"sid_steps": "1200"}).sid_steps == 1200


def test_a_misspelt_var_is_an_error_not_ignored():
    with pytest.raises(SettingsError, match="sid_step"):
        SemanticIdSettings.load({"sid_step": 5})


def test_none_means_the_default_and_replace_validates():
    s = SemanticIdSettings.load({"sid_steps": None})
    assert s.sid_steps == project_vars()["sid_steps"]
    assert s.replace(sid_steps=7).sid_steps == 7
    with pytest.raises(SettingsError, match="sid_steps"):
        s.replace(sid_steps=-7)


def test_setting_option_shows_the_var_default_and_passes_only_given_flags():
    import click
    from click.testing import CliRunner

    seen = {}

    @click.command()
    @setting_option("sid_steps", "--steps", type=int, help="steps")
    @setting_option("sid_standardize", "--standardize/--no-standardize", help="z-score")
    def command(**options):
        seen.update(options)

    help_text = CliRunner().invoke(command, ["--help"]).output
    assert f"[default: ({project_vars()['sid_steps']})]" in help_text and "[default: (true)]" in help_text
    CliRunner().invoke(command, [])
    assert seen == {"sid_steps": None, "sid_standardize": None}
    CliRunner().invoke(command, ["--steps", "5", "--no-standardize"])
    assert seen == {"sid_steps": 5, "sid_standardize": False}


def test_every_var_is_declared_by_exactly_one_stage_model():
    assert ownership_problems(list(project_vars())) == []


def test_a_var_nobody_declares_or_a_field_without_a_var_is_reported():
    names = list(project_vars())
    assert ownership_problems([*names, "nobody_declares_me"]) == ["nobody_declares_me: declared by no settings model"]
    assert ownership_problems([n for n in names if n != "min_title_length"]) == [
        "min_title_length: a field but not a var"
    ]


@pytest.mark.parametrize(
    "cli_vars, named",
    [
        ({"min_titel_length": 5}, "min_titel_length"),  # a misspelt stage-1 var
        ({"min_title_length": -2}, "min_title_length"),  # stage 1: no model reads it in Python
        ({"ft_heldout_item_share": 1.5}, "ft_heldout_item_share"),  # stage 4: SQL only
        ({"ft_task_weights": {"A": 2}}, "ft_task_weights"),
        ({"rec_heads": 5}, "rec_heads"),  # a cross-field rule of stage 5
    ],
)
def test_the_run_vars_are_checked_against_every_stage(cli_vars, named):
    with pytest.raises(SettingsError, match=named):
        check_run_vars(cli_vars)


def test_a_titles_only_category_keeps_items_without_description():
    """The README's titles-only build: a length must be longer than the limit, so -1 keeps empty descriptions."""
    run = {"category": "Titles_only", "min_title_length": 0, "min_description_length": -1}
    assert check_run_vars(run) == run


def test_good_run_vars_pass_unchanged():
    run = {"category": "Video_Games", "min_title_length": 5, "sid_steps": 900, "ft_task_caps": {"A": 10}}
    assert check_run_vars(run) == run


def test_the_on_run_start_udf_refuses_a_misspelt_var_by_name():
    import duckdb

    from udfs.registry import register_all

    con = duckdb.connect()
    register_all(con)
    assert con.execute("""select check_run_vars('{"sid_steps": 900}')""").fetchone()[0] == '{"sid_steps": 900}'
    assert con.execute("select check_run_vars('{}')").fetchone()[0] == "{}"
    with pytest.raises(duckdb.Error, match="min_titel_length"):
        con.execute("""select check_run_vars('{"min_titel_length": 5}')""").fetchall()


def test_a_borrowed_var_keeps_its_one_declaration():
    """Stage 5 reads stage 3's sid_codebook_size with stage 3's bounds (>= 2), not a copy that could drift."""
    from python_jobs.recommend.settings import RecommendSettings

    assert RecommendSettings.model_fields["sid_codebook_size"].metadata == (
        SemanticIdSettings.model_fields["sid_codebook_size"].metadata
    )
    with pytest.raises(SettingsError, match="sid_codebook_size"):
        RecommendSettings.load({"sid_codebook_size": 1})
