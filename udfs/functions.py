"""Pure functions behind the SQL UDFs."""

from __future__ import annotations

import gzip
import os

from python_jobs.common.paths import validate_category_schema  # noqa: F401  (registered as UDFs)
from python_jobs.common.text import strip_tags  # noqa: F401


def check_run_vars(cli_vars_json: str) -> str:
    """Refuse a dbt run's `--vars` (JSON) unless every stage's settings model accepts them; returns them as given."""
    from python_jobs.stages import check_run_vars_json  # pydantic and the stage models: only when a run starts

    return check_run_vars_json(cli_vars_json)


def ensure_dir(path: str) -> str:
    """Create a folder (and parents) if missing; returns the path so it can sit in a select."""
    os.makedirs(path, exist_ok=True)
    return path


def require_file(path: str, hint: str) -> str:
    """Raise a clear error naming the command that fetches a missing raw file."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"raw input {path} is missing; fetch it with: {hint}")
    if os.path.getsize(path) == 0:
        raise ValueError(f"raw input {path} is empty; re-fetch it with: {hint}")
    return path


def count_raw_lines(path: str) -> int:
    """Lines in a raw file (gzip when it ends in .gz), counted as newline bytes plus an unterminated last line.

    Deliberately not DuckDB's CSV reader: the reconcile test checks that reader (every line it read is a row
    or a reject), so the count it checks against must come from a different path.
    """
    opener = gzip.open if path.endswith(".gz") else open
    lines, last = 0, b"\n"
    with opener(path, "rb") as f:
        while chunk := f.read(1 << 20):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    return lines + (last != b"\n")
