"""One item's latent attributes as plain Python values, and the names derived from them (game names, the
franchise's lore, a platform's alias, the maker), shared by the title, description and field writers.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, fields

from python_jobs.data.sample import vocab as V
from python_jobs.data.sample.catalogue import Catalogue
from python_jobs.data.sample.draws import chance, pick

MIN_TITLE = 20  # notebook 01 keeps title length > 20 ...


MIN_DESCRIPTION = 100  # ... and joined description length > 100


ROMAN = ("", "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")


@dataclass
class Item:
    """One item's latent attributes as plain Python values (numpy scalars are slow in tight loops)."""

    index: int
    kind: int
    sub: int
    platform: int
    genre: int
    subgenre: int
    franchise: int
    installment: int
    edition: int
    maker: int
    year: int
    related: int
    name_a: int
    name_b: int
    name_form: int
    fail_mode: int
    popularity: float
    quality: float
    interacted: bool
    asin: str


# the catalogue's columns an Item is read from: every field but the row index and the ASIN (read separately)
COLUMNS = tuple(f.name for f in fields(Item) if f.name not in ("index", "asin"))


def items_for(cat: Catalogue, indices: list[int]) -> list[Item]:
    cols = [getattr(cat, c)[indices].tolist() for c in COLUMNS]
    return [Item(i, *vals, cat.asin[i]) for i, vals in zip(indices, zip(*cols))]


def item_at(cat: Catalogue, i: int) -> Item:
    return Item(i, *(getattr(cat, c)[i].item() for c in COLUMNS), cat.asin[i])


# ------------------------------------------------------------------------------------------------ names


def game_base(cat: Catalogue, it: Item) -> str:
    """The game's name without platform or edition; the same for every platform of an installment."""
    if it.franchise >= 0 and it.installment >= 0:
        fr = cat.world.franchises[it.franchise]
        number, subtitle, _year = fr.installments[it.installment]
        if number == 1:
            return f"{fr.name}: {subtitle}" if subtitle else fr.name
        numeral = ROMAN[number] if it.franchise % 3 == 0 and number < len(ROMAN) else str(number)
        if subtitle:
            return f"{fr.name} {numeral}: {subtitle}" if it.franchise % 2 else f"{fr.name}: {subtitle}"
        return f"{fr.name} {numeral}"
    a = V.FR_ADJ[it.name_a % len(V.FR_ADJ)]
    noun = V.FR_NOUN[it.name_b % len(V.FR_NOUN)]
    place = V.SYL_A[it.name_a % len(V.SYL_A)] + V.SYL_PLACE[it.name_b % len(V.SYL_PLACE)]
    word = V.SUBTITLE_WORDS[it.name_form % len(V.SUBTITLE_WORDS)]
    form = it.name_form % 7
    if form == 0:
        return f"{a} {noun}"
    if form == 1:
        return f"The {noun} of {place}"
    if form == 2:
        return f"{place}: {a} {word}"
    if form == 3:
        return f"{noun} {word}"
    if form == 4:
        return f"Project {place}"
    if form == 5:
        return f"{a} {word}"
    return f"{place} {noun}s"


def lore(cat: Catalogue, it: Item) -> tuple[str, str, str, str]:
    """(world, hero, villain, faction) of the item's franchise, or invented from its name."""
    if it.franchise >= 0:
        fr = cat.world.franchises[it.franchise]
        return fr.world, fr.hero, fr.villain, fr.faction
    world = V.SYL_A[it.name_b % len(V.SYL_A)] + V.SYL_PLACE[it.name_a % len(V.SYL_PLACE)]
    hero = V.SYL_A[(it.name_a + 7) % len(V.SYL_A)] + V.SYL_NAME[it.name_b % len(V.SYL_NAME)]
    return world, hero, "the Warden", "the Syndicate"


def platform_alias(r: random.Random, p: V.Platform) -> str:
    return p.name if chance(r, 0.55) else pick(r, p.aliases)


def maker_name(cat: Catalogue, it: Item) -> str:
    if it.kind in (V.GAME, V.DIGITAL, V.MERCH):
        return cat.world.publishers[it.maker % len(cat.world.publishers)]
    if it.kind == V.HARDWARE:
        return V.PLATFORMS[it.platform].maker
    return cat.world.brands[it.maker % len(cat.world.brands)]


def fit_short(text: str) -> str:
    """At most MIN_TITLE characters, cut at a word boundary when possible."""
    if len(text) <= MIN_TITLE:
        return text
    cut = text[:MIN_TITLE].rsplit(" ", 1)[0].rstrip(" :-,(")
    return cut if cut else text[:MIN_TITLE]
