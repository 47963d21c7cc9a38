"""Atomic file writes (a reader or a killed run never sees half a file), and SQLite caches opened safely."""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Call `write(tmp)` on a sibling temp file, then rename it over `path`."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    write(tmp)
    os.replace(tmp, path)


def write_json(path: Path, obj: Any) -> None:
    atomic_write(path, lambda p: p.write_text(json.dumps(obj, indent=2, sort_keys=True, default=float) + "\n"))


def enable_wal(con: sqlite3.Connection, seconds: float = 60.0) -> None:
    """Switch an SQLite file (a cache) to WAL. The switch needs the file to itself for a moment, and SQLite answers
    a second connection doing the same at that instant (two dbt threads opening a new cache) with "database is
    locked" without waiting in its busy handler: so retry for a while instead of failing the model."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            con.execute("pragma journal_mode=wal")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)
