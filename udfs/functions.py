"""Pure functions behind the SQL UDFs."""

from __future__ import annotations

import os
import re

_TAG = re.compile(r"</?[A-Za-z_][^<>]*>")
_SPACES = re.compile(r"\s+")


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


def strip_tags(text: str | None) -> str | None:
    """Remove leftover XML/HTML tags (e.g. a stray <clean_title>), collapse whitespace, strip."""
    if text is None:
        return None
    return _SPACES.sub(" ", _TAG.sub(" ", text)).strip()
