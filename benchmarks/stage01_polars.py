"""Notebook 01 in polars, doing the dbt models' work (the comparison point for the dbt stage).

The same rules as the models, so the time compares like with like: a meta line is used only when it is UTF-8 JSON
whose fields have the Amazon 2023 types (Python's json reads each line: polars cannot tell the JSON number 123 from
the string "123" in a field), the first line of a parent_asin is kept *before* the title/description filters, and
a user's longest history wins with the same tie-breaks (latest timestamp, smallest parent_asin, first line).
bench_stage01.py checks its items and sequences equal dbt's before timing it.

Usage: python benchmarks/stage01_polars.py RAW_DIR CATEGORY OUT_DIR
"""

import gzip
import json
import sys
from pathlib import Path

import polars as pl

raw, category, out = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
out.mkdir(parents=True, exist_ok=True)


class Int(str):
    """A JSON integer, kept as written."""


class Float(str):
    """A JSON number with a fraction or exponent, kept as written."""


def text(value) -> str:
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


def usable(r) -> bool:
    if not isinstance(r, dict) or type(r.get("parent_asin")) is not str or not r["parent_asin"].strip():
        return False
    if any(r.get(k) is not None and type(r[k]) is not str for k in ("title", "main_category", "store")):
        return False
    if any(r.get(k) is not None and not isinstance(r[k], list) for k in ("features", "description", "categories")):
        return False
    if r.get("details") is not None and not isinstance(r["details"], dict):
        return False
    if r.get("average_rating") is not None and not isinstance(r["average_rating"], (Int, Float)):
        return False
    return r.get("rating_number") is None or isinstance(r["rating_number"], Int)


def decoded_lines(path: Path):
    """(line number, text) of every line that is valid UTF-8 (the others are rejects in the models)."""
    with gzip.open(path, "rb") as f:
        for n, line in enumerate(f, 1):
            try:
                yield n, line.decode("utf-8").rstrip("\n")
            except UnicodeDecodeError:
                continue


rows = []
for n, line in decoded_lines(raw / category / f"meta_{category}.jsonl.gz"):
    try:
        r = json.loads(line, parse_int=Int, parse_float=Float)
    except ValueError:
        continue
    if not usable(r):
        continue
    price = r.get("price")
    rows.append(
        {
            "line_number": n,
            "parent_asin": r["parent_asin"].strip(),
            "title": r.get("title"),
            "description_text": " ".join(text(x) for x in r.get("description") or []),
            "features_text": " ".join(text(x) for x in r.get("features") or []),
            "categories_text": " > ".join(text(x) for x in r.get("categories") or []),
            "main_category": r.get("main_category"),
            "store": r.get("store"),
            "average_rating": None if r.get("average_rating") is None else float(r["average_rating"]),
            "rating_number": None if r.get("rating_number") is None else int(r["rating_number"]),
            "price": None if price is None else text(price),
        }
    )
schema = {
    "line_number": pl.Int64,
    "parent_asin": pl.String,
    "title": pl.String,
    "description_text": pl.String,
    "features_text": pl.String,
    "categories_text": pl.String,
    "main_category": pl.String,
    "store": pl.String,
    "average_rating": pl.Float64,
    "rating_number": pl.Int64,
    "price": pl.String,
}
items = (
    pl.DataFrame(rows, schema=schema)
    .sort("line_number")
    .unique("parent_asin", keep="first", maintain_order=True)  # dedup first, then the filters
    .filter((pl.col("title").fill_null("").str.len_chars() > 20) & (pl.col("description_text").str.len_chars() > 100))
    .drop("line_number")
    .with_columns(
        pl.col("title", "main_category", "store", "price").fill_null(""), pl.col("rating_number").fill_null(0)
    )
    .sort("parent_asin")
)
items.write_parquet(out / "items.parquet")

lines = pl.DataFrame(
    list(decoded_lines(raw / category / f"{category}.train.csv.gz")),
    schema={"line_number": pl.Int64, "line": pl.String},
    orient="row",
)
field = pl.element()
users = (
    lines.filter(pl.col("line_number") > 1)  # the header
    .with_columns(pl.col("line").str.strip_chars_end("\r").str.split(",").alias("raw_parts"))
    .with_columns(
        pl.col("raw_parts").list.eval(field.str.strip_chars('"')).alias("parts"),
        # a quote anywhere but around a whole field makes the line unusable
        pl.col("raw_parts")
        .list.eval(field.str.contains('"') & ~field.str.strip_chars(" ").str.contains(r'^"[^"]*"$'))
        .list.any()
        .alias("bad_quotes"),
    )
    .filter((pl.col("parts").list.len() == 5) & ~pl.col("bad_quotes"))
    .select(
        "line_number",
        pl.col("parts").list.get(0).str.strip_chars(" ").alias("user_id"),
        pl.col("parts").list.get(1).str.strip_chars(" ").alias("parent_asin"),
        pl.col("parts").list.get(2).alias("rating"),
        pl.col("parts").list.get(3).str.strip_chars(" ").cast(pl.Int64, strict=False).alias("timestamp"),
        pl.col("parts").list.get(4).str.strip_chars(" ").alias("history"),
    )
    .filter(
        (pl.col("user_id") != "")
        & (pl.col("parent_asin") != "")
        & (
            pl.col("rating").str.strip_chars(" ").cast(pl.Float64, strict=False).is_not_null()
            | (pl.col("rating").str.strip_chars(" ") == "")
        )
        & pl.col("timestamp").is_not_null()
    )
    .with_columns(
        pl.when(pl.col("history") == "")
        .then(0)
        .otherwise(pl.col("history").str.count_matches(" ", literal=True) + 1)
        .alias("history_length")
    )
    .sort(
        ["user_id", "history_length", "timestamp", "parent_asin", "line_number"],
        descending=[False, True, True, False, False],
    )
    .group_by("user_id", maintain_order=True)
    .first()
    .with_columns(
        pl.concat_list(
            pl.col("history").str.split(" ").list.eval(field.filter(field != "")), pl.col("parent_asin")
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
