"""One source of settings: the `vars:` block of dbt_project.yml.

Every default lives there, once. Each stage declares a typed settings model (pydantic) whose field names are
the var names; `load()` starts from the dbt_project.yml defaults, applies overrides (a dbt run's `--vars`, or
CLI flags) and validates, so a bad value stops with a message that names the var:

    SemanticIdSettings.load({"sid_steps": "lots"})
    SettingsError: invalid dbt var(s): sid_steps = 'lots': Input should be a valid integer ...

dbt gives Python models no `var()`, so the on-run-start hook (`macros/run_vars.sql`) records the run's `--vars`
in the table `<category>.run_vars` and `from_dbt()` reads them from there: no setting is listed twice.
The CLI builds its options with `setting_option()`, which shows the dbt_project.yml default in `--help` and
passes on only the flags the user gave.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Mapping, TypeVar

import click
import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

PROJECT_FILE = Path(__file__).resolve().parents[2] / "dbt_project.yml"
RUN_VARS_TABLE = "run_vars"

S = TypeVar("S", bound="StageSettings")


class SettingsError(ValueError):
    """A var has a value its stage cannot use; the message names the var."""


@lru_cache(maxsize=4)
def project_vars(project_file: Path = PROJECT_FILE) -> dict[str, Any]:
    """The defaults: the `vars:` block of dbt_project.yml, as YAML types."""
    if not project_file.is_file():
        raise FileNotFoundError(f"{project_file} not found: run from a checkout of the project")
    return dict(yaml.safe_load(project_file.read_text())["vars"])


class StageSettings(BaseModel):
    """Base of every stage's settings: field names are var names, values are validated and converted."""

    model_config = ConfigDict(frozen=True, extra="ignore")  # each stage picks its own vars from the whole set

    @classmethod
    def load(cls: type[S], overrides: Mapping[str, Any] | None = None) -> S:
        values = {**project_vars(), **{k: v for k, v in (overrides or {}).items() if v is not None}}
        try:
            return cls.model_validate(values)
        except ValidationError as error:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc'])} = {e.get('input')!r}: {e['msg']}" for e in error.errors())
            raise SettingsError(f"invalid dbt var(s): {problems}") from None

    @classmethod
    def from_dbt(cls: type[S], dbt: Any, session: Any) -> S:
        """Inside a dbt Python model: the project defaults + this run's `--vars`."""
        return cls.load(run_vars(session, dbt.this.schema))

    def replace(self: S, **changes: Any) -> S:
        """A copy with some vars changed, validated like the rest."""
        return type(self).load({**self.model_dump(), **changes})


def run_vars(session: Any, schema: str) -> dict[str, Any]:
    """The `--vars` of the current dbt run, as recorded by the on-run-start hook."""
    rows = session.sql(f'select cli_vars from "{schema}".{RUN_VARS_TABLE}').fetchall()
    return json.loads(rows[0][0]) if rows and rows[0][0] else {}


def setting_option(var: str, *flags: str, **kwargs: Any) -> Callable:
    """A click option for a var: `--help` shows the dbt_project.yml default; unset flags stay None (= default)."""
    default = project_vars()[var]
    shown = ",".join(map(str, default)) if isinstance(default, list) else str(default).lower() \
        if isinstance(default, bool) else str(default)
    return click.option(*flags, var, default=None, show_default=shown or '""', **kwargs)


def given(options: Mapping[str, Any]) -> dict[str, Any]:
    """The options the user set (the rest are None and keep the dbt_project.yml default)."""
    return {k: v for k, v in options.items() if v is not None}
