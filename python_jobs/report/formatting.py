"""How the report writes a value: one helper, `show`, that every table cell, fact and figure label goes through.

A value the pipeline could not compute (NULL in the table, NaN) is shown as MISSING, never as 0 and never as a
crash: a category without descriptions has no character reduction for them, a model not trained has no score.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

MISSING = "–"


def is_missing(value: Any) -> bool:
    """NULL (None) or a float NaN."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def show(value: Any, template: str = "{}") -> str:
    """`template.format(value)`, or MISSING when the value is missing. The only place a value becomes text."""
    return MISSING if is_missing(value) else template.format(value)


def count(value: Any) -> str:
    """An integer with thousands separators: 12,345."""
    return show(None if is_missing(value) else int(value), "{:,}")


def number(value: Any, digits: int = 3) -> str:
    """A decimal with `digits` places: 0.125."""
    return show(None if is_missing(value) else float(value), f"{{:,.{digits}f}}")


def percent(value: Any, digits: int = 1) -> str:
    """A value that already is a percentage: 12.5 -> "12.5%"."""
    return show(None if is_missing(value) else float(value), f"{{:.{digits}f}}%")


def share(value: Any, digits: int = 1) -> str:
    """A fraction as a percentage: 0.125 -> "12.5%"."""
    return percent(scaled(value, 100), digits)


def interval(value: Any, low: Any, high: Any, digits: int = 3) -> str:
    """A value with its interval, "0.125 [0.100, 0.150]"; just the value when a bound is missing."""
    if is_missing(low) or is_missing(high) or is_missing(value):
        return number(value, digits)
    return f"{number(value, digits)} [{number(low, digits)}, {number(high, digits)}]"


def scaled(value: Any, factor: float) -> float | None:
    """value * factor for plotting or formatting; a missing value stays missing (None)."""
    return None if is_missing(value) else float(value) * factor


def total(values: Iterable[Any]) -> int | float | None:
    """The sum of the values present; None when every value is missing (an unknown total is not 0)."""
    present = [v for v in values if not is_missing(v)]
    return sum(present) if present else None
