"""`python -m python_jobs embed`: item texts -> embeddings parquet, through the shared embedding cache."""

from __future__ import annotations

import os
from pathlib import Path

import click

from python_jobs.paths import CategoryPaths


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
    raise click.UsageError(f"no items found: neither {candidates[0]} nor table {paths.category}.{table} in {warehouse}; "
                           f"run `dbt build -s +{table}` first or pass --items PATH")


@click.command(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.option("--category", default="sample", show_default=True, help="Category name; selects data/*/CATEGORY/ folders.")
@click.option("--items", "items_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Parquet with the key and text columns. Default: data/output/CATEGORY/TABLE.parquet, else the "
                   "table CATEGORY.TABLE in the dbt warehouse (SID_WAREHOUSE or data/warehouse.duckdb).")
@click.option("--table", default="items_enriched", show_default=True, help="Items model to read when --items is not given.")
@click.option("--warehouse", type=click.Path(dir_okay=False, path_type=Path), help="DuckDB warehouse file to read TABLE from.")
@click.option("--key", default="parent_asin", show_default=True, help="Item key column.")
@click.option("--text-column", default="item_context", show_default=True, help="Column holding the text to embed.")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Embeddings parquet to write. Default: data/output/CATEGORY/item_embeddings.parquet.")
@click.option("--model", default="minilm", show_default=True,
              help="'minilm' (packaged offline all-MiniLM-L6-v2, 384-d), 'Qwen/Qwen3-Embedding-0.6B' (1024-d, last-token "
                   "pooling; needs the weights in the local HF cache or --allow-download), or any sentence-transformers "
                   "name or local folder.")
@click.option("--batch-size", default=64, show_default=True, type=click.IntRange(1), help="Texts per encoder batch.")
@click.option("--max-length", type=click.IntRange(8), help="Max tokens per text (default: MiniLM 256, Qwen 2048).")
@click.option("--instruction", help="Prefix put before every text (default: none for MiniLM, the original's "
                                    "'Instruct: ...\\nQuery: ' task prompt for Qwen3).")
@click.option("--no-instruction", is_flag=True, help="Embed the bare texts, even with Qwen3.")
@click.option("--device", default="auto", show_default=True, help="auto (CUDA when present), cpu, cuda or cuda:N.")
@click.option("--dtype", type=click.Choice(["float32", "float16", "bfloat16"]), default="float32", show_default=True,
              help="Encoder precision; half precision only on a GPU. Part of the cache key.")
@click.option("--allow-download", is_flag=True, help="Fetch a hub model that is not in the local Hugging Face cache.")
@click.option("--data-dir", default="data", show_default=True, type=click.Path(file_okay=False, path_type=Path),
              help="Root of raw/, output/, cache/ and registry/.")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Embedding cache folder (default data/cache/CATEGORY/embeddings; shared with dbt's item_embeddings).")
@click.option("--no-cache", is_flag=True, help="Embed everything and store nothing.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def embed(category, items_path, table, warehouse, key, text_column, output, model, batch_size, max_length,
          instruction, no_instruction, device, dtype, allow_download, data_dir, cache_dir, no_cache, quiet) -> None:
    """Embed every item's text into an embeddings parquet (parent_asin, embedding FLOAT[dim], model, text_hash).

    Only texts not yet in the cache (keyed by model settings and the sha256 of the text) are encoded, longest
    first in length-sorted batches; `dbt build` (model item_embeddings) reads the same cache, so running this
    first on a GPU machine makes the build's embedding step a cache lookup.
    """
    import pyarrow.parquet as pq

    from python_jobs.embed import EmbedConfig, embed_items

    paths = CategoryPaths(category, data_dir)
    items = read_items(items_path, paths, table, warehouse)
    config = EmbedConfig(model=model, batch_size=batch_size, max_length=max_length,
                         instruction="" if no_instruction else instruction, device=device, dtype=dtype,
                         allow_download=allow_download)
    cache = None if no_cache else (cache_dir or paths.cache_dir / "embeddings")
    result = embed_items(items, config, cache, key=key, text_column=text_column, progress=not quiet)
    output = output or paths.out_dir / "item_embeddings.parquet"
    output.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(result.table, output, compression="zstd")
    s = result.stats
    click.echo(f"{s.n_items} items ({s.n_unique_texts} distinct texts): {s.n_cached} from cache, {s.n_embedded} embedded "
               f"in {s.seconds:.1f}s ({s.items_per_second:.0f} items/s, model load {s.load_seconds:.1f}s) -> {output}")
