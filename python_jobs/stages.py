"""Every stage's settings model, and the check of a run's vars against all of them.

Each var of dbt_project.yml is declared by exactly one of these models (a field another stage needs is borrowed
with `common.settings.uses()`, not declared again). A dbt run's `--vars` are checked against the union before
any model runs, whatever the selection: the on-run-start hook (`macros/run_vars.sql`) calls the DuckDB UDF
`check_run_vars` (udfs/), so `dbt build --select tag:stage_01 --vars '{min_titel_length: 5}'` stops at once.
"""

from __future__ import annotations

import json
from typing import Any

from python_jobs.common.settings import SettingsError, StageSettings, declared_fields
from python_jobs.enrich.settings import EnrichSettings
from python_jobs.finetune.settings import FinetuneSettings
from python_jobs.llm.settings import LlmSettings
from python_jobs.prepare.settings import PrepareSettings
from python_jobs.recommend.settings import RecommendSettings
from python_jobs.semantic_ids.settings import SemanticIdSettings

STAGE_SETTINGS: tuple[type[StageSettings], ...] = (
    PrepareSettings,
    EnrichSettings,
    SemanticIdSettings,
    FinetuneSettings,
    RecommendSettings,
    LlmSettings,
)


def declaring_models(var: str) -> list[str]:
    """The settings classes that declare a var themselves (exactly one for every var)."""
    return sorted({cls.__name__ for stage in STAGE_SETTINGS for cls in stage.__mro__ if var in declared_fields(cls)})


def ownership_problems(var_names: list[str]) -> list[str]:
    """Each var must be declared by exactly one stage model, and each field must be a var: what is not so."""
    problems = [f"{var}: declared by {declaring_models(var) or 'no settings model'}" for var in var_names]
    problems = [p for p, var in zip(problems, var_names) if len(declaring_models(var)) != 1]
    return problems + [f"{name}: a field but not a var" for name in sorted(all_fields() - set(var_names))]


def all_fields() -> set[str]:
    return {name for stage in STAGE_SETTINGS for name in stage.model_fields}


def check_run_vars(cli_vars: dict[str, Any]) -> dict[str, Any]:
    """A run's `--vars`, refused unless every name is some stage's field and every stage accepts the values."""
    unknown = sorted(set(cli_vars) - all_fields())
    if unknown:
        raise SettingsError(
            f"unknown dbt var(s) {unknown}: no stage's settings model has such a field (python_jobs/stages.py); "
            f"the vars and their defaults are listed in dbt_project.yml",
            [(name, cli_vars[name], "unknown var") for name in unknown],
        )
    for stage in STAGE_SETTINGS:
        stage.load(cli_vars)
    return cli_vars


def check_run_vars_json(cli_vars_json: str) -> str:
    """`check_run_vars` on the JSON text the dbt hook passes; returns it unchanged (recorded in run_vars)."""
    check_run_vars(json.loads(cli_vars_json) if cli_vars_json else {})
    return cli_vars_json
