"""What a report section holds (figures, tables, key facts) and how its numbers are written."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from python_jobs.report import figures


@dataclass
class Figure:
    image: figures.Image
    caption: str
    wide: bool = False  # spans the page (multi-panel figures)


@dataclass
class Table:
    caption: str
    columns: list[str]
    rows: list[list[str]]

    @property
    def numeric(self) -> list[bool]:
        """Per column: every cell is a number (right-aligned)."""
        return [all(NUMERIC.match(str(row[i])) for row in self.rows) for i in range(len(self.columns))]


NUMERIC = re.compile(r"^[\d\s.,%\[\]–+-]*$")


@dataclass
class Section:
    key: str
    title: str
    stage: str
    summary: str
    tables_used: tuple[str, ...]
    command: str
    missing: list[str] = field(default_factory=list)
    facts: list[tuple[str, str]] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)

    @property
    def built(self) -> bool:
        return len(self.missing) < len(self.tables_used)


# ---------------------------------------------------------------------------------------------------- formatting


def count(value: Any) -> str:
    return "–" if value is None else f"{int(value):,}"


def share(value: Any, digits: int = 1) -> str:
    return "–" if value is None else f"{100 * float(value):.{digits}f}%"


def number(value: Any, digits: int = 3) -> str:
    return "–" if value is None else f"{float(value):,.{digits}f}"


def interval(value: Any, low: Any, high: Any, digits: int = 3) -> str:
    if value is None:
        return "–"
    if low is None or high is None:
        return number(value, digits)
    return f"{float(value):.{digits}f} [{float(low):.{digits}f}, {float(high):.{digits}f}]"
