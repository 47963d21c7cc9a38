"""Fast deterministic draws for the sample generator, each from exactly one `random.Random.random()` call.

random.Random's choice/randint/randrange go through _randbelow and cost 3x a plain random(); they also draw
differently, so swapping them in would change the sample's bytes.
"""

from __future__ import annotations

import random
from typing import Any

# Fast draws, each from exactly one r.random(): random.Random's choice/randint/randrange go through _randbelow
# and cost 3x a plain random(). (They also draw differently: swapping them in would change the sample's bytes.)


def pick(r: random.Random, seq: Any) -> Any:
    """One element of seq, uniformly."""
    return seq[int(r.random() * len(seq))]


def int_between(r: random.Random, a: int, b: int) -> int:
    """An integer in [a, b], both included."""
    return a + int(r.random() * (b - a + 1))


def index_below(r: random.Random, n: int) -> int:
    """An integer in [0, n)."""
    return int(r.random() * n)


def float_between(r: random.Random, a: float, b: float) -> float:
    """A float in [a, b)."""
    return a + (b - a) * r.random()


def chance(r: random.Random, probability: float) -> bool:
    """True with the given probability."""
    return r.random() < probability


# ------------------------------------------------------------------------------------------------ titles


def pick_form(r: random.Random, forms: tuple[tuple[float, Any], ...]) -> Any:
    """One form from a table of (cumulative probability, form), with one draw: the first whose bound is above it."""
    x = r.random()
    return next((form for bound, form in forms if x < bound), forms[-1][1])
