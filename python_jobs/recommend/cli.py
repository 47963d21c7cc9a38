"""`python -m python_jobs train` (fills the model registry), `python -m python_jobs eval` (runs stage 5 in dbt,
prints its table) and `python -m python_jobs recommend` (one user's top K from a trained model; reads only).

`train` reads the stage-3 outputs data/output/<category>/{sequences_train,sequences_val,semantic_ids}.parquet
(written by `dbt build`) and shares the model registry with the dbt models: with the same settings, a model trained
here is the one `dbt build` loads, and the other way round. `eval` writes nothing itself: the settings its flags
change become the vars of a `dbt build --select tag:stage_05`, and it prints rec_metrics as that build exported it.
The setting flags are generated from RecommendSettings (`common.settings.options_for`) and default to the rec_*
vars of dbt_project.yml.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from python_jobs.common.settings import options_for, project_vars
from python_jobs.recommend.settings import RecommendSettings

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 110}
EVAL_MODELS = ["popularity", "transition", "sasrec_bce", "sasrec_ce", "sid_sasrec"]


# every stage-5 var is a flag of `train` and `eval` (a new var too) except these: what stage 3 decides (the
# registry folder, the codebook), and for `train` what only the evaluation reads
NOT_FLAGS = ("sid_registry_dir", "sid_codebook_size")
EVAL_ONLY_VARS = (
    "rec_models",
    "rec_protocols",
    "rec_seeds",
    "rec_eval_negatives",
    "rec_eval_max_items",
    "rec_eval_seed",
    "rec_exclude_history",
    "rec_bootstrap_samples",
    "rec_cold_item_share",  # the cut train sequences exist in the dbt build only (int_rec_train_sequences)
    "rec_beam_width",
    "rec_sid_variants",  # the variants' codes too (int_rec_variant_ids)
)
# `recommend` loads what `train` trains: its flags, and the two evaluation vars that shape one user's list
RECOMMEND_VARS = ("rec_beam_width", "rec_exclude_history")


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
@options_for(RecommendSettings, exclude=NOT_FLAGS + EVAL_ONLY_VARS)
@click.option("--retrain", is_flag=True, help="Train again even when the registry has this model.")
@click.option("--progress/--no-progress", default=True, show_default=True, help="tqdm bar per epoch.")
def train(settings: RecommendSettings, model_kind: str, retrain: bool, progress: bool) -> None:
    """Train (or load from the registry) one recommender on the train users of CATEGORY."""
    from python_jobs.recommend.data import Catalogue, Sequences
    from python_jobs.recommend.train import TrainingData, get_or_train

    if settings.rec_cold_item_share > 0:
        raise click.ClickException(
            "rec_cold_item_share > 0: the cut train sequences exist only in the dbt build; use `eval` (or dbt build)"
        )
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


def dbt_vars(settings: RecommendSettings) -> dict[str, Any]:
    """The vars a `dbt build` needs to reproduce these settings: the category and every value that differs from
    dbt_project.yml (what the flags changed)."""
    defaults = project_vars()
    chosen = {k: v for k, v in settings.model_dump().items() if k in defaults and v != defaults[k]}
    return {"category": settings.category, **chosen}


def run_stage5(build_vars: dict[str, Any], warehouse: Path | None) -> None:
    """`dbt build --select tag:stage_05 --vars ...` through dbt's programmatic runner, in the project root: the dbt
    models are the only writers of the stage-5 tables (and their parquet), and their tests run on what they wrote."""
    import json
    import os

    from dbt.cli.main import dbtRunner

    if warehouse is not None:
        os.environ["SID_WAREHOUSE"] = str(warehouse)  # what profiles.yml reads
    root = Path(__file__).resolve().parents[2]
    args = ["build", "--select", "tag:stage_05", "--vars", json.dumps(build_vars)]
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
    type=click.Choice(["sampled", "full", "both", "generative", "all"]),
    default=None,
    help="The var rec_protocols (default: both = sampled and full). sampled: the original's 1,000 negatives from "
    "the val users' items; full: the whole catalogue; generative: each generating model's ranked list of "
    "--beam-width items (beam search for sid_sasrec), metrics truncated there; all: the three.",
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
# rows: --model; protocols: --protocol
@options_for(RecommendSettings, exclude=(*NOT_FLAGS, "rec_models", "rec_loss", "rec_protocols"))
def eval_command(
    settings: RecommendSettings, models: tuple[str, ...], protocol: str | None, build: bool, warehouse: Path | None
) -> None:
    """Build stage 5 of CATEGORY with dbt (or not: --no-build) and print the side-by-side table of rec_metrics."""
    from python_jobs.recommend.comparison import comparison_text

    chosen = {"rec_models": list(models)} if models else {}
    if protocol:
        both, every = ["sampled", "full"], ["sampled", "full", "generative"]
        chosen["rec_protocols"] = {"both": both, "all": every}.get(protocol, [protocol])
    settings = settings.replace(**chosen)
    build_vars = dbt_vars(settings)
    if build:
        run_stage5(build_vars, warehouse)
    elif set(build_vars) - {"category", "out_dir"} or warehouse:
        changed = ", ".join(sorted(set(build_vars) - {"category", "out_dir"}))
        raise click.UsageError(
            f"--no-build prints the last build's table; {changed or '--warehouse'} would change it: "
            "drop --no-build to build stage 5 with it"
        )
    click.echo(comparison_text(*read_metrics(settings.out_dir, settings.category)))
    agreement = Path(settings.out_dir) / settings.category / "rec_beam_agreement.parquet"
    if "generative" in settings.rec_protocols and agreement.is_file():
        click.echo(agreement_text(agreement))


def agreement_text(path: Path) -> str:
    """rec_beam_agreement as lines: the beam against exhaustive scoring of the same model."""
    import pyarrow.parquet as pq

    lines = []
    for r in pq.read_table(path).to_pylist():
        lines.append(
            f"{r['model']} seed {r['seed']}: beam of {r['beam_width']} recovers {r['top10_recall']:.3f} of the exact "
            f"top 10 (first item {r['top1_match']:.3f}); users/s beam {r['beam_users_per_second']:.0f}, "
            f"exhaustive {r['exhaustive_users_per_second']:.0f} ({r['n_users']} users, {r['device']})"
        )
    return "\n".join(lines)


@click.command(context_settings=CONTEXT)
@click.option(
    "--model",
    "model_name",
    type=click.Choice(EVAL_MODELS),
    required=True,
    help="The recommender: popularity / transition (counted from sequences_train) or a trained neural model, loaded "
    "from the registry with the settings the other flags give (the key `train` and `dbt build` use).",
)
@click.option(
    "--user",
    "user_id",
    default=None,
    help="A user_id of sequences_val or sequences_train: its whole sequence is the history.",
)
@click.option(
    "--history", default=None, help="Comma-separated parent_asins, oldest first (instead of --user), e.g. B0A,B0B."
)
@click.option("--k", "k", type=click.IntRange(min=1), default=10, show_default=True, help="Items to print.")
@click.option(
    "--beam/--exhaustive",
    default=False,
    show_default=True,
    help="sid_sasrec: generate the list by constrained beam search over the Semantic-ID trie (width: the larger "
    "of --beam-width and --k) instead of scoring every item.",
)
@options_for(RecommendSettings, exclude=NOT_FLAGS + tuple(v for v in EVAL_ONLY_VARS if v not in RECOMMEND_VARS))
def recommend(
    settings: RecommendSettings, model_name: str, user_id: str | None, history: str | None, k: int, beam: bool
) -> None:
    """Print one user's top K from a recommender of CATEGORY, with titles and Semantic IDs (reads the outputs of
    stages 1-3 and the model registry; writes nothing)."""
    from python_jobs.recommend.for_user import Outputs, UnknownInput, top_k_text
    from python_jobs.recommend.for_user import recommend as top_k
    from python_jobs.recommend.train import NotTrained

    if (user_id is None) == (history is None):
        raise click.UsageError("give exactly one of --user and --history")
    if beam and model_name != "sid_sasrec":
        raise click.UsageError("--beam: only sid_sasrec generates by beam search")
    if beam and settings.rec_exclude_history:
        raise click.UsageError("--beam keeps the history's items: drop --exclude-history or --beam")
    try:
        outputs = Outputs.read(settings.out_dir, settings.category)
        asins = outputs.user_history(user_id) if user_id else [a.strip() for a in history.split(",") if a.strip()]
        top, model_id = top_k(model_name, outputs, outputs.history_indices(asins), settings, k, beam)
    except (UnknownInput, NotTrained) as error:
        raise click.ClickException(str(error)) from None
    who = f"user {user_id}" if user_id else "the given history"
    last = asins[-1]
    click.echo(
        f"{model_name} ({model_id}{', beam search' if beam else ''}): top {k} for {who} "
        f"({len(asins)} items, last {last}: {outputs.titles.get(last, '')[:60]})"
    )
    click.echo(top_k_text(top, outputs))
