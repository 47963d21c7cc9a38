"""`python -m python_jobs train` and `python -m python_jobs eval`: stage 5 outside dbt.

Both read the stage-3 outputs data/output/<category>/{sequences_train,sequences_val,semantic_ids}.parquet (written
by `dbt build`) and share the model registry with the dbt models: with the same settings, a model trained here is
the one `dbt build` loads, and the other way round. The setting flags are generated from RecommendSettings
(`common.settings.options_for`) and default to the rec_* vars of dbt_project.yml.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from python_jobs.common.settings import options_for
from python_jobs.recommend.settings import RecommendSettings

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 110}
EVAL_MODELS = ["popularity", "transition", "sasrec_bce", "sasrec_ce", "sid_sasrec"]


# every stage-5 var is a flag of `train` and `eval` (a new var too) except these: what stage 3 decides (the
# registry folder, the codebook), and for `train` what only the evaluation reads
NOT_FLAGS = ("sid_registry_dir", "sid_codebook_size")
EVAL_ONLY_VARS = (
    "rec_models",
    "rec_eval_negatives",
    "rec_eval_max_items",
    "rec_eval_seed",
    "rec_exclude_history",
    "rec_bootstrap_samples",
)


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


def merge_rows(previous: Path, new: Any) -> Any:
    """`new` plus the rows of the previous file for the (model, protocol) pairs `new` does not recompute, so an
    `eval --model X --protocol full` replaces X's full-ranking rows and keeps every other row of the table."""
    import duckdb
    import pyarrow.parquet as pq

    if not previous.is_file():
        return new
    old = pq.read_table(previous)
    if old.schema != new.schema:  # written by another version: start over rather than mix layouts
        return new
    con = duckdb.connect()
    con.register("old_rows", old)
    con.register("new_rows", new)
    merged = con.sql(
        "select * from old_rows where (model, protocol) not in (select model, protocol from new_rows) "
        "union all select * from new_rows"
    )
    return merged.to_arrow_table().cast(new.schema)


def _write(category: str, out_dir: str, tables: dict[str, Any], warehouse: Path) -> list[str]:
    """Parquet under OUT_DIR/CATEGORY/, and tables in the warehouse's CATEGORY schema when it is free."""
    import duckdb
    import pyarrow.parquet as pq

    from python_jobs.common.files import atomic_write

    out = Path(out_dir) / category
    out.mkdir(parents=True, exist_ok=True)
    notes = []
    tables = {name: merge_rows(out / f"{name}.parquet", table) for name, table in tables.items()}
    for name, table in tables.items():
        atomic_write(out / f"{name}.parquet", lambda p, t=table: pq.write_table(t, p, compression="zstd"))
    notes.append(f"wrote {', '.join(f'{n}.parquet' for n in tables)} to {out}")
    if not warehouse.exists():
        return notes + [f"no warehouse at {warehouse}: parquet only"]
    try:
        with duckdb.connect(str(warehouse), config={"storage_compatibility_version": "v1.5.0"}) as con:
            con.execute(f'create schema if not exists "{category}"')
            for name, table in tables.items():
                con.register("_t", table)
                con.execute(f'create or replace table "{category}".{name} as select * from _t')
                con.unregister("_t")
        notes.append(f"and to {warehouse} (schema {category})")
    except duckdb.IOException as error:  # a running dbt build holds the lock
        notes.append(f"warehouse {warehouse} not written ({str(error).splitlines()[0]}): parquet only")
    return notes


@click.command("eval", context_settings=CONTEXT)
@click.option(
    "--model",
    "models",
    multiple=True,
    type=click.Choice(EVAL_MODELS),
    help="Rows of the table (repeat the option); default: the var rec_models (all five).",
)
@click.option(
    "--protocol",
    type=click.Choice(["sampled", "full", "both"]),
    default="both",
    show_default=True,
    help="sampled: the original's 1,000 negatives from the val users' items; full: the whole catalogue.",
)
@click.option("--no-train", is_flag=True, help="Only use models already in the registry; skip the others.")
@click.option(
    "--warehouse",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="SID_WAREHOUSE",
    default=Path("data/warehouse.duckdb"),
    show_default=True,
    help="DuckDB file to write rec_metrics / rec_metrics_breakdown into when free (env SID_WAREHOUSE).",
)
@click.option("--write/--no-write", default=True, show_default=True, help="Write the tables (parquet + warehouse).")
@click.option("--progress/--no-progress", default=True, show_default=True, help="tqdm bar while training.")
@options_for(RecommendSettings, exclude=(*NOT_FLAGS, "rec_models", "rec_loss"))  # rows: --model
def eval_command(
    settings: RecommendSettings,
    models: tuple[str, ...],
    protocol: str,
    no_train: bool,
    warehouse: Path,
    write: bool,
    progress: bool,
) -> None:
    """Evaluate the recommenders on the val users of CATEGORY and print the side-by-side table."""
    from python_jobs.recommend.evaluate import PROTOCOLS, comparison_text, evaluate

    train_table, val_table, semantic_ids = _inputs(settings)
    protocols = PROTOCOLS if protocol == "both" else (protocol,)
    result = evaluate(
        train_table,
        val_table,
        semantic_ids,
        settings,
        models=list(models) or None,
        protocols=protocols,
        train_missing=not no_train,
        progress=progress,
        log=lambda m: click.echo(m, err=True),
    )
    click.echo(comparison_text(result.metrics, result.breakdown))
    if write:
        for note in _write(
            settings.category,
            settings.out_dir,
            {
                "rec_metrics": result.metrics,
                "rec_metrics_breakdown": result.breakdown,
                "recommendation_ranks": result.ranks,
            },
            warehouse,
        ):
            click.echo(note, err=True)
