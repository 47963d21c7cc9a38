"""What a report section holds: figures, tables, key facts (numbers are written by formatting.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from python_jobs.report import figures
from python_jobs.report.formatting import MISSING


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


NUMERIC = re.compile(rf"^[\d\s.,%\[\]{MISSING}+-]*$")


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
