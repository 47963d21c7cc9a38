"""A listing's title: one writer per item kind (forms drawn from probability tables), then the mess of a real
catalogue (abbreviations, conditions, promotion, symbols, seller text, punctuation, entities, ALL CAPS).
"""

from __future__ import annotations

import random

from python_jobs.data.sample import vocab as V
from python_jobs.data.sample.catalogue import Catalogue
from python_jobs.data.sample.draws import chance, pick, pick_form
from python_jobs.data.sample.items import MIN_TITLE, Item, fit_short, game_base, item_at, maker_name, platform_alias

# Title forms per kind, as (cumulative probability, template). A game's form has a second template for an item
# with an edition to name.
GAME_TITLE_FORMS = (
    (0.40, ("{base} - {plat}", "{base}: {ed} - {plat}")),
    (0.60, ("{base} ({plat})", "{base} ({ed}) - {plat}")),
    (0.72, ("{base} {plat}", "{base} {plat} {ed}")),
    (0.82, ("{base} for {name}", "{base} for {name}, {ed}")),
    (0.90, ("{base} [{plat} {media}]", "{base} [{plat} {media}]")),
    (1.00, ("{plat} {base}", "{plat} {base} - {ed}")),
)


ACCESSORY_TITLE_FORMS = (
    (0.35, "{brand} {name} for {plat} - {color}"),
    (0.60, "{name} for {aliases}, {brand} {Spec} {short} with {Spec2} ({color})"),  # draws aliases and Spec2
    (0.80, "{brand} {name} Compatible with {platform} – {Spec} – {color}"),
    (1.00, "{short} for {plat} by {brand}, {spec}, {color}"),
)


HARDWARE_TITLE_FORMS = (
    (0.50, "{bits} - {color}"),
    (0.75, "{bits} with {pad} and HDMI Cable"),
    (1.00, "{bits} ({color}) (Renewed)"),
)


CURRENCY_AMOUNTS = (500, 1000, 2800, 5000, 13500)


MEMBERSHIP_MONTHS = (1, 3, 12)


POINTS_CARDS = (1000, 2100, 4500)


GIFT_CARD_VALUES = (10, 20, 25, 50, 60, 100)


SHORT_GIFT_CARD_VALUES = (10, 20, 25)


BUNDLE_WORDS = ("Holiday", "Starter", "Mega", "Value")


GUIDE_BINDINGS = ("Collector Edition Hardcover", "Paperback")


SHIRT_SIZES = ("Small", "Medium", "Large", "X-Large")


PART_PACKS = ("", " (2 Pack)", " (4 Pack)", " (10 PCS)")


OTHER_STYLES = ("Ergonomic", "RGB", "Adjustable", "Heavy Duty", "Compact")


def _game_title(cat: Catalogue, it: Item, r: random.Random, p: V.Platform, plat: str) -> tuple[str, str]:
    base = game_base(cat, it)
    ed = V.EDITIONS[it.edition] if it.edition > 0 else ""
    if ed == "Standard Edition" and chance(r, 0.5):
        ed = ""
    plain, with_edition = pick_form(r, GAME_TITLE_FORMS)
    media = "Digital Code" if p.family in ("PC", "Mac") else "Physical Disc"
    full = (with_edition if ed else plain).format(base=base, plat=plat, ed=ed, name=p.name, media=media)
    return full, base


def _accessory_title(cat: Catalogue, it: Item, r: random.Random, p: V.Platform, plat: str) -> tuple[str, str]:
    acc = V.ACCESSORIES[it.sub]
    brand = maker_name(cat, it)
    spec = pick(r, acc.specs)
    form = pick_form(r, ACCESSORY_TITLE_FORMS)
    extra = {}
    if "{aliases}" in form:  # drawn only for this form, in this order
        extra["aliases"] = " ".join(r.sample(p.aliases, min(2, len(p.aliases))))
        extra["Spec2"] = pick(r, acc.specs).title()
    full = form.format(
        brand=brand,
        name=acc.name,
        short=acc.short,
        plat=plat,
        platform=p.name,
        color=V.COLORS[it.edition % len(V.COLORS)],
        spec=spec,
        Spec=spec.title(),
        **extra,
    )
    return full, f"{brand} {acc.short}"


def _hardware_title(cat: Catalogue, it: Item, r: random.Random, p: V.Platform, plat: str) -> tuple[str, str]:
    variant = V.HARDWARE_VARIANTS[it.sub]
    storage = V.HARDWARE_STORAGE[it.name_a % len(V.HARDWARE_STORAGE)]
    bits = " ".join(x for x in (p.name, variant, storage, "Console") if x)
    form = pick_form(r, HARDWARE_TITLE_FORMS)
    return form.format(
        bits=bits, color=V.COLORS[it.edition % len(V.COLORS)], pad=p.pad.title()
    ), f"{p.aliases[0]} Console"


def _digital_title(cat: Catalogue, it: Item, r: random.Random, p: V.Platform, plat: str) -> tuple[str, str]:
    form = V.DIGITAL_FORMS[it.sub]
    if it.related >= 0:  # an add-on of another game
        game = game_base(cat, item_at(cat, it.related))
        if form == "Currency":
            return f"{game} - {pick(r, CURRENCY_AMOUNTS):,} Coins - {plat} [Digital Code]", f"{form} DLC"
        return f"{game} - {form} - {plat} [Online Game Code]", f"{form} DLC"
    if form == "Membership":
        full = f"{p.network} {pick(r, MEMBERSHIP_MONTHS)}-Month Membership [Digital Code]"
    elif form == "Currency":
        full = f"{p.network} {pick(r, POINTS_CARDS)} Points Card"
    else:
        full = f"${pick(r, GIFT_CARD_VALUES)} {p.network} Gift Card [Digital Code]"
    return full, f"${pick(r, SHORT_GIFT_CARD_VALUES)} Gift Card"


def _bundle_title(cat: Catalogue, it: Item, r: random.Random, p: V.Platform, plat: str) -> tuple[str, str]:
    game = game_base(cat, item_at(cat, it.related)) if it.related >= 0 else "Holiday"
    acc = V.ACCESSORIES[it.name_a % len(V.ACCESSORIES)]
    if it.sub == 0:
        full = f"{p.name} Console Bundle with {game} and {acc.name}"
    elif it.sub == 1:
        full = f"{p.name} {pick(r, BUNDLE_WORDS)} Bundle: Console + 2 Controllers + {game}"
    else:
        full = f"{game} Trilogy Bundle - {plat}"
    return full, f"{p.aliases[0]} Bundle"


def _merch_title(cat: Catalogue, it: Item, r: random.Random, p: V.Platform, plat: str) -> tuple[str, str]:
    fr = cat.world.franchises[it.franchise] if it.franchise >= 0 else None
    name = fr.name if fr else "Gamer"
    form = V.MERCH_FORMS[it.sub]
    if form == "Strategy Guide":
        full = f"{name} Official Strategy Guide ({pick(r, GUIDE_BINDINGS)})"
    elif form == "Collectible Figure":
        full = f"{name} {fr.hero if fr else 'Hero'} Collectible Figure - 7 inch Action Figure"
    elif form == "Poster":
        full = f"{name} Poster - {fr.world if fr else 'World'} Map 24 x 36 inch"
    elif form == "T-Shirt":
        full = f"{name} Logo T-Shirt, {V.COLORS[it.edition % len(V.COLORS)]}, {pick(r, SHIRT_SIZES)}"
    else:
        full = f"{name} {form}"
    return full, f"{name[:12]} {form.split()[-1]}"


def _part_title(cat: Catalogue, it: Item, r: random.Random, p: V.Platform, plat: str) -> tuple[str, str]:
    form = V.PART_FORMS[it.sub]
    full = f"{form} for {plat} {p.pad.title()}{pick(r, PART_PACKS)} by {maker_name(cat, it)}"
    return full, form


def _other_title(cat: Catalogue, it: Item, r: random.Random, p: V.Platform, plat: str) -> tuple[str, str]:
    brand = maker_name(cat, it)
    form = V.OTHER_FORMS[it.sub]
    color = V.COLORS[it.edition % len(V.COLORS)]
    return f"{brand} {form} for Gamers, {pick(r, OTHER_STYLES)} Design - {color}", f"{brand} {form}"


TITLE_WRITERS = {
    V.GAME: _game_title,
    V.ACCESSORY: _accessory_title,
    V.HARDWARE: _hardware_title,
    V.DIGITAL: _digital_title,
    V.BUNDLE: _bundle_title,
    V.MERCH: _merch_title,
    V.PART: _part_title,
}


def _title_core(cat: Catalogue, it: Item, r: random.Random) -> tuple[str, str]:
    """(full title, short title) before mess."""
    p = V.PLATFORMS[it.platform]
    plat = platform_alias(r, p)  # drawn for every kind, first
    return TITLE_WRITERS.get(it.kind, _other_title)(cat, it, r, p, plat)


CONDITIONS = ("(Renewed)", "(Import)", "(Physical Disc)", "(Sealed)", "(USA Version)")


MORE_CONDITIONS = ("(Region Free)", "(Case Only)", "(2019)", "(Complete)")


TITLE_PUNCTUATION = ("!!", "!!!", "??", "!?", "!!!!")


def _abbreviate(t: str, r: random.Random, store: str | None) -> str:
    return t.replace(" with ", " w/ ").replace("Edition", "Ed.").replace("Standard", "Std.")


def _add_condition(t: str, r: random.Random, store: str | None) -> str:
    t += " " + pick(r, CONDITIONS)
    return t + " " + pick(r, MORE_CONDITIONS) if chance(r, 0.5) else t


def _add_promo(t: str, r: random.Random, store: str | None) -> str:
    promo = pick(r, V.PROMO_WORDS)
    return f"{promo} {t}" if chance(r, 0.5) else f"{t} - {promo}"


def _add_symbols(t: str, r: random.Random, store: str | None) -> str:
    return pick(r, (f"{t}™", f"{t} ®", f"★ {t} ★", f"{t} ♥", f"© {t}"))


def _add_seller(t: str, r: random.Random, store: str | None) -> str:
    return t + " - Sold by " + (pick(r, V.SELLERS) if store is None or chance(r, 0.5) else store)


def _add_punctuation(t: str, r: random.Random, store: str | None) -> str:
    return t + pick(r, TITLE_PUNCTUATION)


def _escape_html(t: str, r: random.Random, store: str | None) -> str:
    return t.replace(" & ", " &amp; ").replace("'", "&#39;").replace(" and ", " &amp; ")


def _shout(t: str, r: random.Random, store: str | None) -> str:
    return t.upper()


# The mess laid on a title: (rate, what it does), each drawn in this order, independently of the others.
TITLE_MESS = (
    (0.10, _abbreviate),
    (0.08, _add_condition),
    (0.06, _add_promo),
    (0.05, _add_symbols),
    (0.04, _add_seller),
    (0.03, _add_punctuation),
    (0.02, _escape_html),
    (0.04, _shout),
)


def _mess_title(t: str, r: random.Random, store: str | None) -> str:
    for rate, mess in TITLE_MESS:
        if chance(r, rate):
            t = mess(t, r, store)
    return t


def make_title(cat: Catalogue, it: Item, r: random.Random, store: str | None) -> str:
    full, short = _title_core(cat, it, r)
    if it.fail_mode == 3:
        t = fit_short(short if chance(r, 0.8) else full)
        return t.upper() if chance(r, 0.05) else t
    t = _mess_title(full, r, store)
    p = V.PLATFORMS[it.platform]
    while len(t) <= MIN_TITLE:  # a listing that must pass keeps a long enough title
        t += f" - {p.name} Video Game"
    return t
