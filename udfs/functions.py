"""Pure functions behind the SQL UDFs."""

from __future__ import annotations

import os

from python_jobs.common.paths import validate_category  # noqa: F401  (registered as UDFs)
from python_jobs.common.text import strip_tags  # noqa: F401


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
