"""`python -m python_jobs train` (fills the model registry) and `python -m python_jobs eval` (runs stage 5 in dbt,
prints its table).

`train` reads the stage-3 outputs data/output/<category>/{sequences_train,sequences_val,semantic_ids}.parquet
(written by `dbt build`) and shares the model registry with the dbt models: with the same settings, a model trained
here is the one `dbt build` loads, and the other way round. `eval` writes nothing itself: its flags become the vars
of a `dbt build --select tag:stage_05`, and it prints rec_metrics as that build exported it. Option defaults are
the rec_* vars of dbt_project.yml.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from python_jobs.common.settings import given, setting_option

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 110}
EVAL_MODELS = ["popularity", "transition", "sasrec_bce", "sasrec_ce", "sid_sasrec"]


def training_options(command: Callable) -> Callable:
    """The rec_* vars that change a trained model, as options (unset = the dbt_project.yml default)."""
    options = [
        setting_option("rec_max_len", "--max-len", type=click.IntRange(1), help="Most recent items a model reads."),
        setting_option("rec_hidden", "--hidden", type=click.IntRange(1), help="Embedding and hidden width."),
        setting_option("rec_blocks", "--blocks", type=click.IntRange(1), help="Transformer blocks."),
        setting_option("rec_heads", "--heads", type=click.IntRange(1), help="Attention heads (must divide --hidden)."),
        setting_option("rec_ffn", "--ffn", type=click.IntRange(1), help="Feed-forward width inside a block."),
        setting_option("rec_dropout", "--dropout", type=click.FloatRange(0, 1, max_open=True), help="Dropout rate."),
        setting_option(
            "rec_sid_preset",
            "--sid-preset",
            type=click.Choice(["matched", "original"]),
            help="sid_sasrec sizes: matched = the sizes above; original = 384 wide, 4 blocks, 6 heads, "
            "FFN 1024, dropout 0.1.",
        ),
        setting_option(
            "rec_epochs", "--epochs", type=click.IntRange(1), help="Most epochs (early stopping may end sooner)."
        ),
        setting_option(
            "rec_patience",
            "--patience",
            type=click.IntRange(1),
            help="Stop after this many epochs without a better held-out NDCG@10.",
        ),
        setting_option("rec_batch_size", "--batch-size", type=click.IntRange(1), help="Sequences per step."),
        setting_option("rec_lr", "--lr", type=click.FloatRange(0, min_open=True), help="AdamW learning rate."),
        setting_option("rec_warmup_steps", "--warmup-steps", type=click.IntRange(0), help="Linear lr warm-up steps."),
        setting_option(
            "rec_weight_decay", "--weight-decay", type=click.FloatRange(0), help="AdamW weight decay on linear weights."
        ),
        setting_option(
            "rec_holdout_share",
            "--holdout-share",
            type=click.FloatRange(0, 1, min_open=True, max_open=True),
            help="Share of train users whose last item is held out for early stopping.",
        ),
        setting_option("rec_seed", "--seed", type=int, help="Seed of init, batch order, dropout, negatives, hold-out."),
        setting_option("rec_device", "--device", help="auto (CUDA when present) | cpu | cuda[:N]."),
        setting_option(
            "rec_registry_dir",
            "--registry-dir",
            help='Model registry root ("" = data/registry/CATEGORY, shared with dbt build).',
        ),
        click.option(
            "--category",
            default="sample",
            show_default=True,
            help="Category built by `dbt build`; reads OUT_DIR/CATEGORY/*.parquet.",
        ),
        setting_option("out_dir", "--out-dir", help="Where `dbt build` wrote its parquet outputs (the var out_dir)."),
    ]
    return functools.reduce(lambda f, option: option(f), reversed(options), command)


def _settings(category: str, options: dict[str, Any]):
    from python_jobs.common.settings import SettingsError
    from python_jobs.recommend.settings import RecommendSettings

    try:
        return RecommendSettings.load({"category": category, **given(options)})
    except SettingsError as error:
        raise click.UsageError(str(error)) from None


def _inputs(settings) -> tuple:
    import pyarrow.parquet as pq

    category = settings.category
    out = Path(settings.out_dir) / category
    paths = [out / f"{name}.parquet" for name in ("sequences_train", "sequences_val", "semantic_ids")]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise click.ClickException(
            f"missing {', '.join(missing)}: build stages 1-3 first, e.g. dbt build --vars '{{category: {category}}}'"
        )
    return tuple(pq.read_table(p) for p in paths)


@click.command(context_settings=CONTEXT)
@click.option(
    "--model",
    "model_kind",
    type=click.Choice(["sasrec", "sid-sasrec"]),
    required=True,
    help="sasrec: item-ID SASRec (loss from --loss); sid-sasrec: Semantic-ID SASRec.",
)
@setting_option(
    "rec_loss",
    "--loss",
    type=click.Choice(["ce", "bce"]),
    help="sasrec's loss: ce = full softmax over the catalogue; bce = one sampled negative (the original).",
)
@click.option("--retrain", is_flag=True, help="Train again even when the registry has this model.")
@click.option("--progress/--no-progress", default=True, show_default=True, help="tqdm bar per epoch.")
@training_options
def train(model_kind: str, retrain: bool, progress: bool, category: str, **options: Any) -> None:
    """Train (or load from the registry) one recommender on the train users of CATEGORY."""
    from python_jobs.recommend.data import Catalogue, Sequences
    from python_jobs.recommend.train import TrainingData, get_or_train

    settings = _settings(category, options)
    name = "sid_sasrec" if model_kind == "sid-sasrec" else f"sasrec_{settings.rec_loss}"
    train_table, _, semantic_ids = _inputs(settings)
    catalogue = Catalogue.from_arrow(semantic_ids)
    result = get_or_train(
        name,
        TrainingData(catalogue, Sequences.from_arrow(train_table, catalogue)),
        settings,
        retrain=retrain,
        progress=progress,
    )
    s = result.summary
    click.echo(
        f"{name}: {'trained' if result.trained_now else 'loaded'} {result.entry}\n"
        f"  parameters {s['parameters']:,}, epochs {s['epochs_run']} (best {s['best_epoch']}), "
        f"held-out NDCG@10 {s['holdout_ndcg@10']:.4f} on {s['holdout_users']} users, "
        f"{s['seconds_per_epoch']:.2f} s/epoch on {s['device']}"
    )


def run_stage5(dbt_vars: dict[str, Any], warehouse: Path | None) -> None:
    """`dbt build --select tag:stage_05 --vars ...` through dbt's programmatic runner, in the project root: the dbt
    models are the only writers of the stage-5 tables (and their parquet), and their tests run on what they wrote."""
    import json
    import os

    from dbt.cli.main import dbtRunner

    if warehouse is not None:
        os.environ["SID_WAREHOUSE"] = str(warehouse)  # what profiles.yml reads
    root = Path(__file__).resolve().parents[2]
    args = ["build", "--select", "tag:stage_05", "--vars", json.dumps(dbt_vars)]
    result = dbtRunner().invoke([*args, "--project-dir", str(root), "--profiles-dir", str(root)])
    if not result.success:
        raise click.ClickException(
            f"dbt {' '.join(args)} failed ({result.exception or 'see the dbt log above'}); nothing printed"
        )


def read_metrics(out_dir: str, category: str) -> tuple[Any, Any]:
    """rec_metrics and rec_metrics_breakdown as the last build exported them (parquet: readable while another
    build holds the warehouse lock)."""
    import pyarrow.parquet as pq

    out = Path(out_dir) / category
    paths = [out / f"{name}.parquet" for name in ("rec_metrics", "rec_metrics_breakdown")]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise click.ClickException(
            f"missing {', '.join(missing)}: build stage 5 first (eval --build, or dbt build --vars '{{category: {category}}}')"
        )
    return tuple(pq.read_table(p) for p in paths)


@click.command("eval", context_settings=CONTEXT)
@click.option(
    "--model",
    "models",
    multiple=True,
    type=click.Choice(EVAL_MODELS),
    help="Rows of the table (repeat the option); the var rec_models (default: all five).",
)
@click.option(
    "--protocol",
    type=click.Choice(["sampled", "full", "both"]),
    default=None,
    help="The var rec_protocols (default: both). sampled: the original's 1,000 negatives from the val users' "
    "items; full: the whole catalogue.",
)
@setting_option(
    "rec_exclude_history",
    "--exclude-history/--keep-history",
    help="Full protocol: exclude the user's own history items from the candidates.",
)
@setting_option(
    "rec_eval_negatives", "--negatives", type=click.IntRange(1), help="Sampled protocol: negatives per user."
)
@setting_option("rec_eval_seed", "--eval-seed", type=int, help="Seed of the sampled negatives and the bootstrap.")
@setting_option(
    "rec_bootstrap_samples", "--bootstrap", type=click.IntRange(1), help="Bootstrap resamples per interval."
)
@setting_option(
    "rec_seeds",
    "--seeds",
    type=click.IntRange(1),
    help="Train each neural model with this many seeds (rec_seed, rec_seed + 1, ...); the table shows mean ± std.",
)
@click.option(
    "--build/--no-build",
    default=True,
    show_default=True,
    help="Run `dbt build --select tag:stage_05` with these settings as vars first (models missing from the "
    "registry are trained); --no-build prints what the last build wrote.",
)
@click.option(
    "--warehouse",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="DuckDB file the build writes (default: env SID_WAREHOUSE, else data/warehouse.duckdb; see profiles.yml).",
)
@training_options
def eval_command(
    models: tuple[str, ...], protocol: str | None, build: bool, warehouse: Path | None, category: str, **options: Any
) -> None:
    """Build stage 5 of CATEGORY with dbt (or not: --no-build) and print the side-by-side table of rec_metrics."""
    from python_jobs.recommend.comparison import comparison_text

    chosen = given(options) | ({"rec_models": list(models)} if models else {})
    if protocol:
        chosen["rec_protocols"] = ["sampled", "full"] if protocol == "both" else [protocol]
    settings = _settings(category, chosen)  # invalid settings fail here, before dbt starts
    if build:
        run_stage5({"category": category, **chosen}, warehouse)
    elif set(chosen) - {"out_dir"} or warehouse:
        raise click.UsageError(
            f"--no-build prints the last build's table; {', '.join(sorted(chosen))} would change it: drop --no-build"
        )
    click.echo(comparison_text(*read_metrics(settings.out_dir, category)))
