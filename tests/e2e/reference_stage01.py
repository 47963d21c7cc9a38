"""Stage 1 (notebook 01) written again from the Amazon Reviews 2023 schema with plain `json`, `csv` and explicit
rules, sharing nothing with the SQL models, so the e2e tests compare two independent readings of the same rules
(the README's "Stage 1" section) column by column.

Amazon 2023 item metadata, one JSON object per line (https://amazon-reviews-2023.github.io/):
    main_category str, title str, average_rating float, rating_number int, features list[str],
    description list[str], price float | str, images list, videos list, store str, categories list[str],
    details dict, parent_asin str, bought_together list
Every field but parent_asin may be missing or null. The benchmark train CSV: a header, then
    user_id,parent_asin,rating,timestamp,history    (timestamp in ms, history = earlier parent_asins, space-separated)
"""

from __future__ import annotations

import csv
import gzip
import json
import math
import re
from pathlib import Path
from typing import Any

TEXT_FIELDS = ("title", "main_category", "store")
LIST_FIELDS = ("features", "description", "categories")
PRICE_NUMBER = re.compile(r"[0-9]+(\.[0-9]+)?")


def _schema_ok(record: Any) -> bool:
    """A line is usable when it is an object with a non-empty string parent_asin and every schema field it has
    holds the schema's type (null counts as missing)."""
    if not isinstance(record, dict):
        return False
    asin = record.get("parent_asin")
    if not isinstance(asin, str) or not asin.strip():
        return False
    if any(record.get(k) is not None and not isinstance(record[k], str) for k in TEXT_FIELDS):
        return False
    if any(record.get(k) is not None and not isinstance(record[k], list) for k in LIST_FIELDS):
        return False
    if record.get("details") is not None and not isinstance(record["details"], dict):
        return False
    rating = record.get("average_rating")
    if rating is not None and (isinstance(rating, bool) or not isinstance(rating, (int, float))):
        return False
    count = record.get("rating_number")
    return count is None or type(count) is int


def _price_text(literal: Any) -> str | None:
    """The price as the source wrote it: a string as is, a number as its JSON literal (kept by parse_float/int)."""
    if literal is None or isinstance(literal, str):
        return literal
    return json.dumps(literal, separators=(",", ":"))


def _number_text(value: float | None) -> str:
    return "" if value is None else repr(float(value))


def _too_long(raw: bytes, max_line_bytes: int | None) -> bool:
    return max_line_bytes is not None and len(raw.rstrip(b"\r\n")) > max_line_bytes


def reference_items(
    raw_dir: Path, category: str, min_title: int = 20, min_desc: int = 100, max_line_bytes: int | None = None
) -> dict[str, dict]:
    """{parent_asin: the items row} for the items that pass the filters; the first line of a parent_asin wins."""
    seen: set[str] = set()
    items: dict[str, dict] = {}
    with gzip.open(raw_dir / category / f"meta_{category}.jsonl.gz", "rb") as f:
        for raw in f:
            if _too_long(raw, max_line_bytes):
                continue
            try:
                text = raw.decode("utf-8")
                record = json.loads(text)
                literals = json.loads(text, parse_float=str, parse_int=str)  # numbers kept as written
            except ValueError:  # invalid UTF-8 or JSON (UnicodeDecodeError is a ValueError)
                continue
            if not _schema_ok(record):
                continue
            asin = record["parent_asin"].strip()
            if asin in seen:
                continue
            seen.add(asin)
            title = record.get("title")
            description_text = " ".join(record.get("description") or [])
            if not (len(title or "") > min_title and len(description_text) > min_desc):
                continue
            features_text = " ".join(record.get("features") or [])
            categories_text = " > ".join(record.get("categories") or [])
            price = _price_text(literals.get("price"))
            found = PRICE_NUMBER.search((price or "").replace(",", ""))
            row = {
                "title": title or "",
                "description_text": description_text,
                "features_text": features_text,
                "main_category": record.get("main_category") or "",
                "categories_text": categories_text,
                "store": record.get("store") or "",
                "average_rating": record.get("average_rating"),
                "rating_number": record.get("rating_number") or 0,
                "price": price or "",
                "price_value": float(found.group(0)) if found else None,
                "details": record.get("details"),
            }
            row["item_context"] = (
                f"Product: {row['title']}\n\nDescription: {description_text}\n\nFeatures: {features_text}"
                f"\n\nCategory: {row['main_category']}, Category tree: {categories_text}\n\nStore: {row['store']}"
                f"\n\nAverage rating: {_number_text(row['average_rating'])}, Rating count: {row['rating_number']}"
                f"\n\nPrice: {row['price']}"
            )
            items[asin] = row
    return items


def reference_sequences(
    raw_dir: Path,
    category: str,
    items: set[str],
    min_len: int = 3,
    max_len: int = 100,
    max_line_bytes: int | None = None,
) -> dict[str, dict]:
    """{user_id: sequence row}: each user's longest history plus its target (ties: latest timestamp, then the
    smallest parent_asin, then the first line), items without metadata removed, at least min_len items, the last
    max_len kept."""
    best: dict[str, tuple[tuple, dict]] = {}
    with gzip.open(raw_dir / category / f"{category}.train.csv.gz", "rb") as f:
        for n, raw in enumerate(f):
            if _too_long(raw, max_line_bytes):
                continue
            try:
                line = raw.decode("utf-8")
                # strict: a quote opened and never closed is an error, not a field running to the end of the line
                (fields,) = list(csv.reader([line], strict=True))
            except (ValueError, csv.Error):
                continue
            # the format has no quotes inside a field: one left after parsing means a malformed line
            if n == 0 or len(fields) != 5 or any('"' in x for x in fields):
                continue
            user, asin, rating, timestamp, history = (x.strip() for x in fields)
            try:
                timestamp_ms = int(timestamp)
                if rating:
                    float(rating)
            except ValueError:
                continue
            if not user or not asin:
                continue
            earlier = history.split()
            rank = (len(earlier), timestamp_ms, tuple(-ord(c) for c in asin) + (0,), -n)
            if user not in best or rank > best[user][0]:
                best[user] = (rank, {"full": earlier + [asin], "target": asin, "last_timestamp": timestamp_ms})
    sequences = {}
    for user, (_, h) in best.items():
        kept = [item for item in h["full"] if item in items]
        if len(kept) >= min_len:
            sequences[user] = {
                "sequence": kept[-max_len:],
                "sequence_length": min(len(kept), max_len),
                "untruncated_length": len(kept),
                "last_timestamp": h["last_timestamp"],
                "target_has_metadata": kept[-1] == h["target"],
            }
    return sequences


def _quantile(values: list[int], q: float) -> float:
    """Linear interpolation between the two nearest ranks (the usual continuous quantile)."""
    s = sorted(values)
    pos = q * (len(s) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def reference_length_stats(sequences: dict[str, dict], max_len: int = 100) -> dict[str, Any]:
    lengths = [s["sequence_length"] for s in sequences.values()]
    if not lengths:  # aggregates over no rows: counts are 0, the rest null
        return {
            "sequences": 0,
            "min_length": None,
            "max_length": None,
            "mean_length": None,
            "median_length": None,
            "p90_length": None,
            "truncated_sequences": 0,
            "sequences_whose_target_had_no_metadata": 0,
            "interactions_kept": None,
        }
    return {
        "sequences": len(lengths),
        "min_length": min(lengths),
        "max_length": max(lengths),
        "mean_length": round(sum(lengths) / len(lengths), 2),
        "median_length": _quantile(lengths, 0.5),
        "p90_length": _quantile(lengths, 0.9),
        "truncated_sequences": sum(s["untruncated_length"] > max_len for s in sequences.values()),
        "sequences_whose_target_had_no_metadata": sum(not s["target_has_metadata"] for s in sequences.values()),
        "interactions_kept": sum(lengths),
    }
