"""CLI options generated from the settings models: one declaration per setting (common.settings.options_for)."""

from __future__ import annotations

from typing import Literal

import click
import pytest
from click.testing import CliRunner
from pydantic import NonNegativeInt, PositiveFloat, PositiveInt

from python_jobs.common.settings import StageSettings, options_for, project_vars, setting, shown_default
from python_jobs.stages import all_fields


class Toy(StageSettings):
    """Some real vars (the defaults come from dbt_project.yml), declared the way the stage models declare them."""

    flag_prefixes = ("sid_",)

    quantizer: Literal["rqvae", "rqkmeans"] = setting("Which quantizer.")
    sid_steps: int = setting("Optimizer steps.", ge=2)
    sid_lr: PositiveFloat = setting("Learning rate.")
    sid_standardize: bool = setting("Z-score inputs.")
    sid_hidden_dims: tuple[PositiveInt, ...] = setting("Encoder widths.", min_length=1)
    sid_registry_dir: str = setting("Registry folder.", flag="--registry")
    ft_task_caps: dict[str, NonNegativeInt] = setting("Caps per task.")


def toy_command(seen: dict, **kwargs) -> click.Command:
    @click.command()
    @options_for(Toy, **kwargs)
    @click.option("--quiet", is_flag=True)
    def command(settings: Toy, quiet: bool) -> None:
        seen.update(settings=settings, quiet=quiet)

    return command


def test_flags_help_types_and_dbt_defaults_come_from_the_fields():
    text = CliRunner().invoke(toy_command({}), ["--help"], terminal_width=200).output
    for line in [
        "--quantizer [rqvae|rqkmeans]  Which quantizer.  [default: (rqvae)]",
        f"--steps INTEGER RANGE  Optimizer steps.  [default: ({project_vars()['sid_steps']}); x>=2]",
        "--lr FLOAT RANGE  Learning rate.",
        "--standardize / --no-standardize  Z-score inputs.  [default: (true)]",
        "--hidden-dims A,B,...  Encoder widths.  [default: (512,256,128)]",
        '--registry TEXT  Registry folder.  [default: ("")]',
        "--ft-task-caps MAPPING  Caps per task.  [default: ({})]",
    ]:
        assert " ".join(line.split()) in " ".join(text.split()), line


def test_unset_flags_keep_the_dbt_project_values_and_given_ones_are_validated():
    seen: dict = {}
    result = CliRunner().invoke(toy_command(seen), [])
    assert result.exit_code == 0, result.output
    assert seen["settings"] == Toy.load() and seen["quiet"] is False
    args = ["--steps", "9", "--no-standardize", "--hidden-dims", "64, 32", "--ft-task-caps", "{A: 3}", "--quiet"]
    assert CliRunner().invoke(toy_command(seen), args).exit_code == 0
    assert seen["settings"] == Toy.load(
        {"sid_steps": 9, "sid_standardize": False, "sid_hidden_dims": (64, 32), "ft_task_caps": {"A": 3}}
    )
    assert seen["quiet"] is True


@pytest.mark.parametrize(
    "args, message",
    [
        (["--steps", "1"], "Invalid value for '--steps'"),  # the bound, checked by click's range type
        (["--lr", "0"], "Invalid value for '--lr'"),
        (["--quantizer", "vqgan"], "Invalid value for '--quantizer'"),
        (["--hidden-dims", "64,-1"], "--hidden-dims (sid_hidden_dims"),  # checked by pydantic, named by its flag
        (["--ft-task-caps", "{A: -3}"], "--ft-task-caps (ft_task_caps"),
    ],
)
def test_a_refused_value_is_a_usage_error_naming_the_flag(args, message):
    result = CliRunner().invoke(toy_command({}), args)
    assert result.exit_code == 2 and message in result.output, result.output


def test_only_and_exclude_pick_the_fields_and_typos_or_clashes_are_refused():
    seen: dict = {}
    command = toy_command(seen, only=("sid_steps", "sid_lr"), exclude=("sid_lr",))
    assert [p.name for p in command.params] == ["sid_steps", "quiet"]
    assert CliRunner().invoke(command, ["--lr", "0.1"]).exit_code == 2
    with pytest.raises(ValueError, match="sid_stepz"):
        options_for(Toy, only=("sid_stepz",))

    class Clash(Toy):
        embedding_batch_size: int = setting("Texts per batch.", flag="--steps")

    with pytest.raises(ValueError, match="--steps"):
        options_for(Clash)


@pytest.mark.parametrize("name", ["embed", "train-rqvae", "train", "eval", "enrich"])
def test_every_setting_flag_of_every_command_is_explained_with_its_dbt_default(name):
    from python_jobs.cli import cli

    command = cli.get_command(click.Context(cli), name)
    settings = [p for p in command.params if p.name in all_fields()]
    assert settings, name
    for param in settings:
        assert param.help and len(param.help) > 10, param.name
        assert param.show_default == shown_default(project_vars()[param.name]), param.name
        assert param.default is None  # the default is the var's, applied by the settings model
