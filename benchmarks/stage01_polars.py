"""Notebook 01 in polars, written the way the seed does it (the comparison point for the dbt stage).

Usage: python benchmarks/stage01_polars.py RAW_DIR CATEGORY OUT_DIR
"""

import sys
from pathlib import Path

import polars as pl

raw, category, out = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
out.mkdir(parents=True, exist_ok=True)

meta = pl.read_ndjson(raw / category / f"meta_{category}.jsonl.gz", infer_schema_length=None, ignore_errors=True)
items = (
    meta.unique("parent_asin", keep="first", maintain_order=True)
    .with_columns(
        pl.col("description").list.join(" ").fill_null("").alias("description_text"),
        pl.col("features").list.join(" ").fill_null("").alias("features_text"),
        pl.col("categories").list.join(" > ").fill_null("").alias("categories_text"),
    )
    .filter((pl.col("title").str.len_chars() > 20) & (pl.col("description_text").str.len_chars() > 100))
    .select(
        "parent_asin",
        "title",
        "description_text",
        "features_text",
        "main_category",
        "categories_text",
        "store",
        "average_rating",
        "rating_number",
        pl.col("price").cast(pl.String),
    )
    .with_columns(pl.col(pl.String).fill_null(""), pl.col("rating_number").fill_null(0))
    .with_columns(
        pl.format(
            "Product: {}\n\nDescription: {}\n\nFeatures: {}\n\nCategory: {}, Category tree: {}\n\nStore: {}"
            "\n\nAverage rating: {}, Rating count: {}\n\nPrice: {}",
            "title",
            "description_text",
            "features_text",
            "main_category",
            "categories_text",
            "store",
            "average_rating",
            "rating_number",
            "price",
        ).alias("item_context")
    )
)
items.write_parquet(out / "items.parquet")

interactions = pl.read_csv(raw / category / f"{category}.train.csv.gz", schema_overrides={"history": pl.String})
users = (
    interactions.with_columns(pl.col("history").fill_null("").str.count_matches(r"\S+").alias("history_length"))
    .sort(["user_id", "history_length", "timestamp", "parent_asin"], descending=[False, True, True, False])
    .group_by("user_id", maintain_order=True)
    .first()
    .with_columns(
        pl.concat_list(
            pl.col("history").fill_null("").str.split(" ").list.eval(pl.element().filter(pl.element() != "")),
            pl.col("parent_asin"),
        ).alias("sequence")
    )
)
# explode + semi-join: list.eval with is_in over a large set is quadratic and runs out of memory
exploded = users.select("user_id", "sequence").explode("sequence").with_row_index("position")
kept = exploded.join(items.select(pl.col("parent_asin").alias("sequence")), on="sequence", how="semi")
sequences = (
    kept.group_by("user_id")
    .agg(pl.col("sequence").sort_by("position"))
    .filter(pl.col("sequence").list.len() >= 3)
    .with_columns(pl.col("sequence").list.tail(100))
    .with_columns(pl.col("sequence").list.len().alias("sequence_length"))
    .sort("user_id")
)
sequences.write_parquet(out / "sequences.parquet")
print(f"items={items.height} sequences={sequences.height}")
