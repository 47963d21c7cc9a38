"""One declaration per setting: the stage's pydantic model. Defaults: the `vars:` block of dbt_project.yml.

Each stage declares a settings model whose field names are the var names. A field is declared once, with
`setting()`: its type and bounds (the annotation and `ge=`/`le=`...), its help text, optionally its CLI flag
(else derived: the var without the model's `flag_prefixes`, `_` -> `-`) and whether it changes a trained
model (`affects_model`, read by the registry keys). Everything else is generated from that declaration:

    class RecommendSettings(StageSettings):
        rec_lr: PositiveFloat = setting("AdamW learning rate.")
        rec_device: str = setting("auto | cpu | cuda[:N].", affects_model=False)

    RecommendSettings.load({"rec_lr": "lots"})     # defaults from dbt_project.yml + overrides, validated
    SettingsError: invalid dbt var(s): rec_lr = 'lots': Input should be a valid number ...

    @click.command()
    @options_for(RecommendSettings, exclude=EVAL_ONLY_VARS)  # one click option per field: --lr, --device, ...
    def train(settings: RecommendSettings, retrain: bool): ...

    settings.model_key("sasrec_ce")                # every field that changes that model: a registry key part

dbt gives Python models no `var()`, so the on-run-start hook (`macros/run_vars.sql`) checks the run's `--vars`
against every stage's model (python_jobs.stages) and records them in `<category>.run_vars`; `from_dbt()` reads
them from there.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar, Literal, TypeVar, get_args, get_origin

import annotated_types
import click
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model
from pydantic.fields import FieldInfo

PROJECT_FILE = Path(__file__).resolve().parents[2] / "dbt_project.yml"
RUN_VARS_TABLE = "run_vars"

S = TypeVar("S", bound="StageSettings")


class SettingsError(ValueError):
    """A var has a value its stage cannot use; the message names the var, `problems` lists (var, value, why)."""

    def __init__(self, message: str, problems: list[tuple[str, Any, str]] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


@lru_cache(maxsize=4)
def project_vars(project_file: Path = PROJECT_FILE) -> dict[str, Any]:
    """The defaults: the `vars:` block of dbt_project.yml, as YAML types."""
    if not project_file.is_file():
        raise FileNotFoundError(f"{project_file} not found: run from a checkout of the project")
    return dict(yaml.safe_load(project_file.read_text())["vars"])


def setting(
    help: str,
    *,
    flag: str | tuple[str, ...] | None = None,
    affects_model: bool | tuple[str, ...] = True,
    **bounds: Any,
) -> Any:
    """The declaration of one var (no default: that is the var's value in dbt_project.yml).

    help: the `--help` text. flag: the CLI flag(s) when the derived one does not fit (a bool's "--on/--off").
    affects_model: True = part of every registry key of this model's stage; False = never (device, paths,
    progress, evaluation-only, or already covered by the data hash in the key); a tuple = only of the model
    kinds named (e.g. ("rqvae",)). bounds: pydantic's ge/gt/le/lt/min_length...
    """
    return Field(description=help, json_schema_extra={"flag": flag, "affects_model": affects_model}, **bounds)


def _extra(info: FieldInfo, key: str, default: Any) -> Any:
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    return extra.get(key, default)


class StageSettings(BaseModel):
    """Base of every stage's settings: field names are var names, values are validated and converted."""

    model_config = ConfigDict(frozen=True, extra="ignore")  # each stage picks its own vars from the whole set
    flag_prefixes: ClassVar[tuple[str, ...]] = ()  # stripped from a var name to derive its flag

    @classmethod
    def load(cls: type[S], overrides: Mapping[str, Any] | None = None) -> S:
        defaults = project_vars()
        overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
        unknown = sorted(set(overrides) - set(defaults))
        if unknown:  # a misspelt var would otherwise be ignored without a word
            raise SettingsError(
                f"unknown dbt var(s) {unknown}: every var has a default in {PROJECT_FILE.name}",
                [(name, overrides[name], "unknown var") for name in unknown],
            )
        try:
            return cls.model_validate({**defaults, **overrides})
        except ValidationError as error:
            errors = [(".".join(str(p) for p in e["loc"]), e.get("input"), e["msg"]) for e in error.errors()]
            text = "; ".join(f"{where} = {value!r}: {why}" for where, value, why in errors)
            # per var (the first part of the location; the rest is an item of a list or mapping)
            problems = [(where.split(".")[0], value, f"{where}: {why}") for where, value, why in errors]
            raise SettingsError(f"invalid dbt var(s): {text}", problems) from None

    @classmethod
    def from_dbt(cls: type[S], dbt: Any, session: Any) -> S:
        """Inside a dbt Python model: the project defaults + this run's `--vars`."""
        return cls.load(run_vars(session, dbt.this.schema))

    def replace(self: S, **changes: Any) -> S:
        """A copy with some vars changed, validated like the rest."""
        return type(self).load({**self.model_dump(), **changes})

    @classmethod
    def flags(cls, name: str) -> tuple[str, ...]:
        """The CLI flag(s) of a var: declared with the field, else the var without a stage prefix, dashed."""
        declared = _extra(cls.model_fields[name], "flag", None)
        if declared:
            return (declared,) if isinstance(declared, str) else tuple(declared)
        stem = next((name.removeprefix(p) for p in cls.flag_prefixes if name.startswith(p)), name)
        return ("--" + stem.replace("_", "-"),)

    def model_key(self, kind: str | None = None) -> dict[str, Any]:
        """Every field that changes a trained model of this kind, by construction: all fields but those marked
        `affects_model=False` (or marked for other kinds only). A new field is in the key unless marked."""
        key = {}
        for name, info in type(self).model_fields.items():
            affects = _extra(info, "affects_model", True)
            if affects is True or (kind is not None and isinstance(affects, (list, tuple)) and kind in affects):
                value = getattr(self, name)
                key[name] = list(value) if isinstance(value, tuple) else value
        return key


def uses(owner: type[StageSettings], *names: str) -> type[StageSettings]:
    """A base class carrying some of another stage's fields, declaration and all (one declaration per var):

    class RecommendSettings(uses(PrepareSettings, "category", "out_dir"), StageSettings): ...
    """
    fields = {name: (owner.model_fields[name].annotation, owner.model_fields[name]) for name in names}
    borrowed = create_model(f"{owner.__name__}Fields", __base__=StageSettings, **fields)
    borrowed.borrowed_from = owner  # python_jobs.stages: a var is declared by exactly one stage model
    return borrowed


def declared_fields(model: type[BaseModel]) -> set[str]:
    """The fields a class declares itself (not inherited, not borrowed with `uses()`)."""
    if not (isinstance(model, type) and issubclass(model, StageSettings)) or "borrowed_from" in model.__dict__:
        return set()
    return set(model.__dict__.get("__annotations__", {})) & set(model.model_fields)


def run_vars(session: Any, schema: str) -> dict[str, Any]:
    """The `--vars` of the current dbt run, as recorded by the on-run-start hook."""
    rows = session.sql(f'select cli_vars from "{schema}".{RUN_VARS_TABLE}').fetchall()
    return json.loads(rows[0][0]) if rows and rows[0][0] else {}


# ---- CLI options, generated from the fields ----------------------------------------------------------------------


def shown_default(value: Any) -> str:
    """A var's dbt_project.yml value as `--help` shows it (and as a flag would take it)."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return ",".join(map(str, value))
    if isinstance(value, dict):
        return json.dumps(value) if value else "{}"
    return str(value) if value != "" else '""'


def _bound_range(kind: type, metadata: Iterable[Any]) -> click.ParamType:
    """IntRange/FloatRange from the field's annotated-types bounds (PositiveInt, Field(ge=1, le=20)...)."""
    lo = hi = None
    lo_open = hi_open = False
    for m in metadata:
        if isinstance(m, annotated_types.Ge):
            lo = m.ge
        elif isinstance(m, annotated_types.Gt):
            lo, lo_open = m.gt, True
        elif isinstance(m, annotated_types.Le):
            hi = m.le
        elif isinstance(m, annotated_types.Lt):
            hi, hi_open = m.lt, True
    if kind is int:  # an int bound "> 0" is ">= 1" (IntRange's open bounds print less clearly)
        lo = lo + 1 if lo is not None and lo_open else lo
        hi = hi - 1 if hi is not None and hi_open else hi
        return click.IntRange(lo, hi) if (lo, hi) != (None, None) else click.INT
    if (lo, hi) == (None, None):
        return click.FLOAT
    return click.FloatRange(lo, hi, min_open=lo_open, max_open=hi_open)


def _split_list(ctx: click.Context, param: click.Parameter, value: str | None) -> list[str] | None:
    return None if value is None else [v.strip() for v in value.split(",") if v.strip()]


def _parse_mapping(ctx: click.Context, param: click.Parameter, value: str | None) -> Any:
    if value is None:
        return None
    try:
        return yaml.safe_load(value)
    except yaml.YAMLError as error:
        raise click.BadParameter(f"a YAML/JSON mapping, e.g. '{{a: 1}}' ({error})") from None


def setting_click_option(model: type[StageSettings], name: str) -> Callable:
    """The click option of one field: type, choices and bounds from the annotation, help from the description,
    the dbt_project.yml value shown as default; an unset flag stays None (= that default)."""
    info = model.model_fields[name]
    flags = model.flags(name)
    annotation, origin = info.annotation, get_origin(info.annotation)
    kwargs: dict[str, Any] = {}
    if annotation is bool:
        if "/" not in flags[0]:
            stem = flags[0].removeprefix("--")
            flags = (f"--{stem}/--no-{stem}",)
    elif origin is Literal:
        kwargs["type"] = click.Choice([str(a) for a in get_args(annotation)])
    elif annotation in (int, float):
        kwargs["type"] = _bound_range(annotation, info.metadata)
    elif origin in (list, tuple):
        kwargs.update(callback=_split_list, metavar="A,B,...")
    elif origin is dict:
        kwargs.update(callback=_parse_mapping, metavar="MAPPING")
    return click.option(
        *flags,
        name,
        default=None,
        show_default=shown_default(project_vars()[name]),
        help=info.description,
        **kwargs,
    )


def options_for(
    model: type[StageSettings], *, only: Iterable[str] | None = None, exclude: Iterable[str] = ()
) -> Callable:
    """A decorator that adds one click option per field of `model` (all, or `only` these, minus `exclude`) and
    hands the command one validated `settings` argument instead of the separate values:

        @click.command()
        @options_for(RecommendSettings, only=("category", "rec_lr"))
        def train(settings: RecommendSettings, retrain: bool) -> None: ...

    Unset flags keep the dbt_project.yml value; a value the model refuses is a click UsageError naming the flag.
    """
    names = list(model.model_fields) if only is None else list(only)
    unknown = sorted(set(names) - set(model.model_fields)) + sorted(set(exclude) - set(model.model_fields))
    if unknown:
        raise ValueError(f"{model.__name__} has no field(s) {unknown}")
    names = [n for n in names if n not in set(exclude)]
    flags = [f.split("/")[0] for n in names for f in model.flags(n)]
    if len(flags) != len(set(flags)):
        raise ValueError(f"two {model.__name__} fields share a flag: {sorted(f for f in flags if flags.count(f) > 1)}")

    def decorate(command: Callable) -> Callable:
        @functools.wraps(command)
        def run(**kwargs: Any) -> Any:
            given = {n: v for n in names if (v := kwargs.pop(n)) is not None}
            return command(settings=load_from_flags(model, given), **kwargs)

        return functools.reduce(lambda f, n: setting_click_option(model, n)(f), reversed(names), run)

    return decorate


def load_from_flags(model: type[S], given: Mapping[str, Any]) -> S:
    """`model.load(given)`, with a refusal reported as a usage error that names the flag (and its var)."""
    try:
        return model.load(given)
    except SettingsError as error:
        problems = [
            f"{'/'.join(model.flags(var)) if var in model.model_fields else var} ({why}, got {value!r})"
            for var, value, why in error.problems
        ]
        raise click.UsageError("invalid value for " + "; ".join(problems) if problems else str(error)) from None


def setting_option(var: str, *flags: str, **kwargs: Any) -> Callable:
    """A click option for a var, for a command without a settings model (`report --out-dir`): `--help` shows
    the dbt_project.yml default; unset flags stay None (= default). Commands of a stage use `options_for()`."""
    return click.option(*flags, var, default=None, show_default=shown_default(project_vars()[var]), **kwargs)
