"""`python -m python_jobs embed` and `train-rqvae`: the long stage-3 steps outside dbt.

Both fill what `dbt build` reuses: `embed` the embedding cache, `train-rqvae` the model registry. Every
setting is a flag generated from the stage-3 settings model (python_jobs.semantic_ids.settings) and defaults to
its var in dbt_project.yml (shown in `--help`), so a model trained here with default settings is the one
`dbt build` finds; a flag overrides its var.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import click

from python_jobs.common.paths import CategoryPaths
from python_jobs.common.settings import options_for
from python_jobs.semantic_ids.settings import SemanticIdSettings

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 110}
# the flags of `embed`: where the items are read and how they are encoded
EMBED_VARS = (
    "category",
    "out_dir",
    "embedding_model",
    "embedding_batch_size",
    "embedding_max_length",
    "embedding_instruction",
    "embedding_device",
    "embedding_dtype",
    "embedding_cpu_precision",
    "embedding_cache_dir",
)
# what `dbt build` does with a trained model (pin, keep IDs, split users): not flags of `train-rqvae`
BUILD_ONLY_VARS = (
    "sid_registry_model",
    "sid_mode",
    "sid_changed_items",
    "sid_reference_ids",
    "sid_val_share",
    "sid_split_salt",
)


def read_items(items: Path | None, paths: CategoryPaths, table: str, warehouse: Path | None):
    """The items table: an explicit parquet, else the exported parquet, else the dbt warehouse table."""
    import duckdb

    candidates = [items] if items else [paths.out_dir / f"{table}.parquet"]
    for path in candidates:
        if path and Path(path).is_file():
            return duckdb.sql(f"select * from read_parquet('{Path(path).as_posix()}')").to_arrow_table()
    if items:
        raise click.UsageError(f"items file {items} not found")
    warehouse = warehouse or Path(os.environ.get("SID_WAREHOUSE", paths.data_dir / "warehouse.duckdb"))
    if warehouse.is_file():
        with duckdb.connect(str(warehouse), read_only=True) as con:
            try:
                return con.sql(f'select * from "{paths.category}"."{table}"').to_arrow_table()
            except duckdb.CatalogException:
                pass
    raise click.UsageError(
        f"no items found: neither {candidates[0]} nor table {paths.category}.{table} in {warehouse}; "
        f"run `dbt build -s +{table}` first or pass --items PATH"
    )


@click.command(context_settings=CONTEXT)
@options_for(SemanticIdSettings, only=EMBED_VARS)
@click.option(
    "--items",
    "items_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Parquet with the key and text columns. Default: OUT_DIR/CATEGORY/TABLE.parquet, else the "
    "table CATEGORY.TABLE in the dbt warehouse (SID_WAREHOUSE or data/warehouse.duckdb).",
)
@click.option(
    "--table", default="items_enriched", show_default=True, help="Items model to read when --items is not given."
)
@click.option(
    "--warehouse", type=click.Path(dir_okay=False, path_type=Path), help="DuckDB warehouse file to read TABLE from."
)
@click.option("--key", default="parent_asin", show_default=True, help="Item key column.")
@click.option("--text-column", default="item_context", show_default=True, help="Column holding the text to embed.")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the embeddings to this parquet (OUT_DIR/CATEGORY/item_embeddings.parquet belongs "
    "to dbt's item_embeddings model and is refused here).",
)
@click.option("--allow-download", is_flag=True, help="Fetch a hub model that is not in the local Hugging Face cache.")
@click.option(
    "--data-dir",
    default="data",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Root of cache/ and registry/ (outputs are read from --out-dir).",
)
@click.option("--quiet", is_flag=True, help="No progress bar.")
def embed(
    settings: SemanticIdSettings,
    items_path,
    table,
    warehouse,
    key,
    text_column,
    output,
    allow_download,
    data_dir,
    quiet,
) -> None:
    """Embed every item's text into the embedding cache that dbt's item_embeddings model reads.

    Only texts not yet in the cache (keyed by model settings and the sha256 of the text) are encoded, longest
    first in length-sorted batches, so running this first on a GPU machine makes the build's embedding step a
    cache lookup.
    """
    import dataclasses

    import pyarrow.parquet as pq

    from python_jobs.semantic_ids.embed import embed_items

    s = settings
    paths = s.paths(data_dir)
    owned = paths.out_dir / "item_embeddings.parquet"
    if output and output.resolve() == owned.resolve():
        raise click.UsageError(
            f"{owned} is written by dbt (model item_embeddings); run `dbt build -s item_embeddings` "
            f"after this command, or pass another --output"
        )
    items = read_items(items_path, paths, table, warehouse)
    config = dataclasses.replace(s.embed_config(), allow_download=allow_download)
    cache_dir = Path(s.embedding_cache_dir) if s.embedding_cache_dir else paths.cache_dir / "embeddings"
    result = embed_items(items, config, cache_dir, key=key, text_column=text_column, progress=not quiet)
    if output:
        output.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(result.table, output, compression="zstd")
    st = result.stats
    click.echo(
        f"{st.n_items} items ({st.n_unique_texts} distinct texts): {st.n_cached} from cache, {st.n_embedded} "
        f"embedded in {st.seconds:.1f}s ({st.items_per_second:.0f} items/s, model load {st.load_seconds:.1f}s) "
        f"-> cache {cache_dir}" + (f", {output}" if output else "")
    )


@click.command(context_settings=CONTEXT)
@options_for(SemanticIdSettings, exclude=EMBED_VARS[2:] + BUILD_ONLY_VARS)
@click.option(
    "--embeddings",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Embeddings parquet (parent_asin, embedding). Default: OUT_DIR/CATEGORY/item_embeddings.parquet "
    "(written by dbt's item_embeddings model).",
)
@click.option(
    "--epochs",
    type=click.IntRange(1),
    help="Set --steps to this many passes over the training items instead (full scale: e.g. 100-300).",
)
@click.option(
    "--data-dir",
    default="data",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Root of registry/ and wandb/ (outputs are read from --out-dir).",
)
@click.option(
    "--codes-out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write parent_asin, sid_0..sid_{L-1} to this parquet.",
)
@click.option("--force", is_flag=True, help="Retrain even if the registry holds this exact model.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def train_rqvae(settings: SemanticIdSettings, embeddings, epochs, data_dir, codes_out, force, quiet) -> None:
    """Train a Semantic-ID quantizer on item embeddings, or reuse the registered one.

    The registry entry (data/registry/CATEGORY/<quantizer>-<fingerprint>/) is keyed by the embeddings' content,
    the quantizer settings and the seed; it holds the selected model with its config, per-step metrics, the
    codes and a summary. A killed run resumes from its last checkpoint when started again with the same
    settings. Prints the entry's id; `dbt build` reuses it when its stage-3 vars match these settings, or
    `--vars '{sid_registry_model: <id>}'` pins it.
    """
    import pyarrow.parquet as pq

    from python_jobs.semantic_ids.embeddings import EmbeddingSet
    from python_jobs.semantic_ids.registry import QuantizerRegistry
    from python_jobs.semantic_ids.train import split_indices

    s = settings
    paths = s.paths(data_dir)
    data = EmbeddingSet.from_parquet(embeddings or paths.out_dir / "item_embeddings.parquet")
    if epochs:
        n_train = len(split_indices(data.n, s.sid_val_fraction, s.sid_seed)[0])
        s = s.replace(sid_steps=epochs * math.ceil(n_train / s.sid_batch_size))
    registry = QuantizerRegistry(Path(s.sid_registry_dir) if s.sid_registry_dir else paths.registry_dir)
    result = registry.get_or_train(
        data,
        s.quantizer_spec(data.dim),
        device=s.sid_device,
        wandb_project=s.wandb_project,
        data_dir=data_dir,
        force=force,
        progress=not quiet,
    )
    if codes_out:
        codes_out.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(result.codes, codes_out)
    summary, final = result.summary, result.summary["final"]
    click.echo(
        json.dumps(
            {
                "model_id": result.run_dir.name,
                "trained": result.trained,
                "items": data.n,
                "dim": data.dim,
                "best_step": summary["best_step"],
                "steps_per_epoch": summary["steps_per_epoch"],
                "seconds_per_epoch": round(summary["seconds_per_epoch"], 3),
                "train_seconds": round(summary["train_seconds"], 1),
                "device": summary["device"],
                "unique_share": round(final["unique_share"], 4),
                "max_group_size": final["max_group_size"],
                "unique_share_before_collision_policy": round(summary["raw_final"]["unique_share"], 4),
                "usage": [round(u, 4) for u in final["usage"]],
                "perplexity": [round(p, 1) for p in final["perplexity"]],
                "val_rel_recon": round(summary["best_metrics"]["val_rel_recon"], 4),
                "registry": str(result.run_dir),
            },
            indent=2,
        )
    )
