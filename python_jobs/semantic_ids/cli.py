"""`python -m python_jobs embed` and `train-rqvae`: the long stage-3 steps outside dbt.

Both fill what `dbt build` reuses: `embed` the embedding cache, `train-rqvae` the model registry. Every
setting defaults to its var in dbt_project.yml (shown in `--help`), so a model trained here with default
settings is the one `dbt build` finds; a flag overrides its var.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import click

from python_jobs.common.paths import CategoryPaths
from python_jobs.common.settings import given, setting_option

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 110}


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
@setting_option("category", "--category", help="Category name; selects data/*/CATEGORY/ folders.")
@click.option(
    "--items",
    "items_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Parquet with the key and text columns. Default: data/output/CATEGORY/TABLE.parquet, else the "
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
    help="Also write the embeddings to this parquet (data/output/CATEGORY/item_embeddings.parquet belongs "
    "to dbt's item_embeddings model and is refused here).",
)
@setting_option(
    "embedding_model",
    "--model",
    help="'minilm' (packaged offline all-MiniLM-L6-v2, 384-d), 'Qwen/Qwen3-Embedding-0.6B' (1024-d, "
    "last-token pooling; needs the weights in the local HF cache or --allow-download), or any "
    "sentence-transformers name or local folder.",
)
@setting_option("embedding_batch_size", "--batch-size", type=click.IntRange(1), help="Texts per encoder batch.")
@setting_option(
    "embedding_max_length",
    "--max-length",
    type=click.IntRange(0),
    help="Max tokens per text; 0 = the model's default (MiniLM 256, Qwen 2048).",
)
@setting_option(
    "embedding_instruction",
    "--instruction",
    help="Prefix put before every text: 'default' = the model's own (none for MiniLM, the original's "
    "'Instruct: ...\\nQuery: ' task prompt for Qwen3), '' = none.",
)
@setting_option("embedding_device", "--device", help="auto (CUDA when present), cpu, cuda or cuda:N.")
@setting_option(
    "embedding_dtype",
    "--dtype",
    type=click.Choice(["float32", "float16", "bfloat16"]),
    help="Encoder precision; half precision only on a GPU. Part of the cache key.",
)
@click.option("--allow-download", is_flag=True, help="Fetch a hub model that is not in the local Hugging Face cache.")
@click.option(
    "--data-dir",
    default="data",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Root of raw/, output/, cache/ and registry/.",
)
@setting_option(
    "embedding_cache_dir",
    "--cache-dir",
    help="Embedding cache folder ('' = data/cache/CATEGORY/embeddings; shared with dbt's item_embeddings).",
)
@click.option("--quiet", is_flag=True, help="No progress bar.")
def embed(items_path, table, warehouse, key, text_column, output, allow_download, data_dir, quiet, **settings) -> None:
    """Embed every item's text into the embedding cache that dbt's item_embeddings model reads.

    Only texts not yet in the cache (keyed by model settings and the sha256 of the text) are encoded, longest
    first in length-sorted batches, so running this first on a GPU machine makes the build's embedding step a
    cache lookup.
    """
    import dataclasses

    import pyarrow.parquet as pq

    from python_jobs.semantic_ids.embed import embed_items
    from python_jobs.semantic_ids.settings import SemanticIdSettings

    s = SemanticIdSettings.load(given(settings))
    paths = CategoryPaths(s.category, data_dir)
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


def _hidden_dims(ctx, param, value: str | None) -> tuple[int, ...] | None:
    if value is None:
        return None
    try:
        dims = tuple(int(v) for v in value.split(",") if v.strip())
    except ValueError:
        raise click.BadParameter("comma-separated integers, e.g. 512,256,128") from None
    if not dims or min(dims) < 1:
        raise click.BadParameter("at least one positive width, e.g. 512,256,128")
    return dims


@click.command(context_settings=CONTEXT)
@setting_option("category", "--category", help="Category; selects data/*/CATEGORY/ folders.")
@click.option(
    "--embeddings",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Embeddings parquet (parent_asin, embedding). Default: data/output/CATEGORY/item_embeddings.parquet "
    "(written by dbt's item_embeddings model).",
)
@setting_option(
    "quantizer",
    "--quantizer",
    type=click.Choice(["rqvae", "rqkmeans"]),
    help="rqvae: MLP autoencoder + residual codebooks; rqkmeans: residual k-means, no training loop.",
)
@setting_option("sid_levels", "--levels", type=click.IntRange(1), help="Code levels (dbt builds need 3).")
@setting_option("sid_codebook_size", "--codebook-size", type=click.IntRange(2), help="Codes per level.")
@setting_option("sid_latent_dim", "--latent-dim", "--dims", type=click.IntRange(1), help="RQ-VAE latent / code size.")
@setting_option(
    "sid_hidden_dims",
    "--hidden-dims",
    callback=_hidden_dims,
    help="RQ-VAE encoder widths between the input and the latent (decoder mirrors them), SiLU between.",
)
@setting_option(
    "sid_steps",
    "--steps",
    type=click.IntRange(2),
    help="Optimizer steps. The default is sized for the ~3k-item sample on CPU; use --epochs at full scale.",
)
@click.option(
    "--epochs",
    type=click.IntRange(1),
    help="Set --steps to this many passes over the training items instead (full scale: e.g. 100-300).",
)
@setting_option("sid_batch_size", "--batch-size", type=click.IntRange(1), help="Items per step.")
@setting_option("sid_lr", "--lr", type=click.FloatRange(0, min_open=True), help="AdamW peak learning rate.")
@setting_option(
    "sid_min_lr_ratio", "--min-lr-ratio", type=click.FloatRange(0, 1), help="Cosine decay ends at lr x this."
)
@setting_option("sid_warmup_steps", "--warmup-steps", type=click.IntRange(0), help="Linear learning-rate warm-up.")
@setting_option(
    "sid_weight_decay",
    "--weight-decay",
    type=click.FloatRange(0),
    help="AdamW weight decay on linear weights (never on codebooks or biases).",
)
@setting_option("sid_grad_clip", "--grad-clip", type=click.FloatRange(0, min_open=True), help="Gradient-norm clip.")
@setting_option(
    "sid_commitment", "--commitment", type=click.FloatRange(0), help="Commitment weight beta on ||r - sg(q)||^2."
)
@setting_option(
    "sid_recon_loss",
    "--recon-loss",
    type=click.Choice(["sum", "mean"]),
    help="Reconstruction scaling: sum of squared errors over input dims (keeps it from being swamped by the "
    "VQ terms on unit-norm embeddings) or per-dim mean (the original, prone to collapse).",
)
@setting_option(
    "sid_standardize",
    "--standardize/--no-standardize",
    help="Z-score each input dimension (training-item stats) before encoding; the other collapse remedy.",
)
@setting_option(
    "sid_gradient",
    "--gradient",
    type=click.Choice(["rotation", "ste"]),
    help="Gradient through the quantizer: rotation trick or straight-through estimator.",
)
@setting_option(
    "sid_ae_warmup_steps",
    "--ae-warmup-steps",
    type=click.IntRange(0),
    help="Autoencoder-only steps before k-means initialises the codebooks on the encoder's latents.",
)
@setting_option(
    "sid_kmeans_init",
    "--kmeans-init/--no-kmeans-init",
    help="Initialise codebooks by k-means on encoded latents (off: uniform random init).",
)
@setting_option(
    "sid_kmeans_iters",
    "--kmeans-iters",
    type=click.IntRange(1),
    help="Lloyd iterations of the k-means init (RQ-VAE) or of each RQ-KMeans level.",
)
@setting_option(
    "sid_kmeans_max_items",
    "--kmeans-max-items",
    type=click.IntRange(1),
    help="RQ-VAE k-means init runs on at most this many (seeded) training items.",
)
@setting_option(
    "sid_dead_code",
    "--dead-code",
    type=click.Choice(["reset", "none"]),
    help="reset: a code no item used during a window is moved onto a random residual of the batch; none: never.",
)
@setting_option("sid_dead_code_every", "--dead-code-every", type=click.IntRange(1), help="Dead-code window, in steps.")
@setting_option(
    "sid_dead_code_until",
    "--dead-code-until",
    type=click.FloatRange(0, 1),
    help="Re-seeding stops after this fraction of the steps; the model is selected only after it, so the "
    "reported usage is what training kept, not what a reset forced.",
)
@setting_option(
    "sid_eval_every",
    "--eval-every",
    type=click.IntRange(1),
    help="Evaluate (held-out reconstruction, IDs over all items), checkpoint and maybe select every N steps.",
)
@setting_option("sid_log_every", "--log-every", type=click.IntRange(1), help="Training metrics every N steps.")
@setting_option(
    "sid_val_fraction",
    "--val-fraction",
    type=click.FloatRange(0, 0.5, max_open=True),
    help="Held-out share of items (seeded) used to select the checkpoint.",
)
@setting_option("sid_seed", "--seed", type=int, help="Seed for init, split, batches and k-means.")
@setting_option(
    "sid_collision_policy",
    "--collision-policy",
    type=click.Choice(["last_level", "none"]),
    help="After selection, items sharing all codes move to their nearest free last-level code (last_level; "
    "items that were unique never move), or keep their nearest codes (none). The collision index "
    "separates whatever still collides.",
)
@setting_option("sid_n_init", "--n-init", type=click.IntRange(1), help="RQ-KMeans restarts per level.")
@setting_option(
    "sid_minibatch", "--minibatch/--no-minibatch", help="RQ-KMeans with MiniBatchKMeans (faster, slightly worse)."
)
@setting_option(
    "sid_device",
    "--device",
    type=click.Choice(["auto", "cpu", "cuda"]),
    help="auto uses CUDA when torch sees a GPU. Not part of the registry key: a GPU-trained model serves CPU builds.",
)
@click.option(
    "--data-dir",
    default="data",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Root of output/, registry/ and wandb/.",
)
@setting_option("sid_registry_dir", "--registry", help="Model registry folder ('' = data/registry/CATEGORY).")
@click.option(
    "--codes-out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write parent_asin, sid_0..sid_{L-1} to this parquet.",
)
@click.option("--force", is_flag=True, help="Retrain even if the registry holds this exact model.")
@setting_option(
    "wandb_project",
    "--wandb-project",
    help="W&B project; used only when WANDB_MODE=offline|online or WANDB_API_KEY is set.",
)
@click.option("--quiet", is_flag=True, help="No progress bar.")
def train_rqvae(embeddings, epochs, data_dir, codes_out, force, quiet, **settings) -> None:
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
    from python_jobs.semantic_ids.settings import SemanticIdSettings
    from python_jobs.semantic_ids.train import split_indices

    s = SemanticIdSettings.load(given(settings))
    paths = CategoryPaths(s.category, data_dir)
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
