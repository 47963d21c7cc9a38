"""Readers that check generated (or real) raw files line by line: what each line is, and what is wrong.

Used by the tests and handy when debugging the pipeline's reject handling: the kinds returned here are
the names the generator uses for the bad lines it injects.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

META_FIELDS = (
    "main_category",
    "title",
    "average_rating",
    "rating_number",
    "features",
    "description",
    "price",
    "images",
    "videos",
    "store",
    "categories",
    "details",
    "parent_asin",
    "bought_together",
)
CSV_COLUMNS = ("user_id", "parent_asin", "rating", "timestamp", "history")
MIN_TITLE = 20
MIN_DESCRIPTION = 100


def _is_str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(x, str) for x in value)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


_CHECKS = {
    "main_category": lambda v: v is None or isinstance(v, str),
    "title": lambda v: isinstance(v, str),
    "average_rating": lambda v: v is None or _is_number(v),
    "rating_number": lambda v: v is None or (isinstance(v, int) and not isinstance(v, bool)),
    "features": _is_str_list,
    "description": _is_str_list,
    "price": lambda v: v is None or _is_number(v) or isinstance(v, str),
    "images": lambda v: (
        isinstance(v, list)
        and all(isinstance(x, dict) and tuple(x) == ("thumb", "large", "variant", "hi_res") for x in v)
    ),
    "videos": lambda v: (
        isinstance(v, list) and all(isinstance(x, dict) and tuple(x) == ("title", "url", "user_id") for x in v)
    ),
    "store": lambda v: v is None or isinstance(v, str),
    "categories": _is_str_list,
    "details": lambda v: isinstance(v, dict),
    "parent_asin": lambda v: isinstance(v, str) and len(v) == 10 and v.isalnum(),
    "bought_together": lambda v: v is None,
}


def meta_lines(path: Path) -> Iterator[bytes]:
    with gzip.open(path, "rb") as f:
        for line in f:
            yield line.rstrip(b"\n")


def classify_meta_line(raw: bytes) -> tuple[str | None, dict[str, Any] | None]:
    """(problem, record): problem is None for a clean line, else e.g. 'invalid_utf8', 'malformed_json',
    'missing_parent_asin', 'wrong_type_features'."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return "invalid_utf8", None
    try:
        record = json.loads(text)
    except json.JSONDecodeError:
        return "malformed_json", None
    if not isinstance(record, dict):
        return "malformed_json", None
    for name in META_FIELDS:
        if name not in record:
            return f"missing_{name}", record
        if not _CHECKS[name](record[name]):
            return f"wrong_type_{name}", record
    if tuple(record) != META_FIELDS:
        return "field_order", record
    return None, record


def passes_filter(record: dict[str, Any]) -> bool:
    """Notebook 01's item filter: title longer than 20 and joined description longer than 100 characters."""
    title = record.get("title")
    description = " ".join(record.get("description") or [])
    return isinstance(title, str) and len(title) > MIN_TITLE and len(description) > MIN_DESCRIPTION


def csv_rows(path: Path) -> Iterator[str]:
    with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
        for line in f:
            yield line.rstrip("\n")


def classify_csv_row(line: str) -> tuple[str | None, list[str]]:
    fields = line.split(",")
    if len(fields) != len(CSV_COLUMNS):
        return "csv_too_few_fields" if len(fields) < len(CSV_COLUMNS) else "csv_too_many_fields", fields
    try:
        float(fields[2])
    except ValueError:
        return "csv_non_numeric_rating", fields
    if not fields[3].isdigit():
        return "csv_non_numeric_timestamp", fields
    return None, fields
