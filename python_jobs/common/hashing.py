"""Content hashes: one definition of "the same text" and "the same settings" for every cache and registry."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def text_hash(text: str) -> str:
    """sha256 of the UTF-8 text, hex: the cache key of an enrichment answer or an embedding."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def fingerprint(payload: Any) -> str:
    """sha256 of canonical JSON (sorted keys): equal for equal settings whatever their order."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()
