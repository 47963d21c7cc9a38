"""Listings from latent attributes: title, description, features, details, categories and the rest.

Items that share a franchise, genre, platform or accessory type are written from the same sentence
pools and share names, so similar items read alike. Real-catalogue mess is then laid on at fixed rates:
HTML tags and entities, truncated "..." text, promotional words, ALL CAPS titles, symbols, duplicated and
very long descriptions, seller text, abbreviations, excessive punctuation and parentheses.

Whether a listing passes notebook 01's filter (title > 20 and joined description > 100 characters) is
decided in the catalogue (``fail_mode``); the functions here guarantee it after all the mess is applied.
Every choice is drawn from the ``random.Random`` passed in, so a chunk's text is a pure function of its
seed.
"""

from __future__ import annotations

import random
from base64 import b64encode
from dataclasses import dataclass
from typing import Any

from python_jobs.data.sample import vocab as V
from python_jobs.data.sample.catalogue import Catalogue

MIN_TITLE = 20  # notebook 01 keeps title length > 20 ...
MIN_DESCRIPTION = 100  # ... and joined description length > 100
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
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


COLUMNS = (
    "kind",
    "sub",
    "platform",
    "genre",
    "subgenre",
    "franchise",
    "installment",
    "edition",
    "maker",
    "year",
    "related",
    "name_a",
    "name_b",
    "name_form",
    "fail_mode",
    "popularity",
    "quality",
    "interacted",
)


def items_for(cat: Catalogue, indices: list[int]) -> list[Item]:
    cols = [getattr(cat, c)[indices].tolist() for c in COLUMNS]
    return [Item(i, *vals, cat.asin[i]) for i, vals in zip(indices, zip(*cols))]


def item_at(cat: Catalogue, i: int) -> Item:
    return Item(i, *(getattr(cat, c)[i].item() for c in COLUMNS), cat.asin[i])


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


def _lore(cat: Catalogue, it: Item) -> tuple[str, str, str, str]:
    """(world, hero, villain, faction) of the item's franchise, or invented from its name."""
    if it.franchise >= 0:
        fr = cat.world.franchises[it.franchise]
        return fr.world, fr.hero, fr.villain, fr.faction
    world = V.SYL_A[it.name_b % len(V.SYL_A)] + V.SYL_PLACE[it.name_a % len(V.SYL_PLACE)]
    hero = V.SYL_A[(it.name_a + 7) % len(V.SYL_A)] + V.SYL_NAME[it.name_b % len(V.SYL_NAME)]
    return world, hero, "the Warden", "the Syndicate"


def _alias(r: random.Random, p: V.Platform) -> str:
    return p.name if chance(r, 0.55) else pick(r, p.aliases)


def _maker_name(cat: Catalogue, it: Item) -> str:
    if it.kind in (V.GAME, V.DIGITAL, V.MERCH):
        return cat.world.publishers[it.maker % len(cat.world.publishers)]
    if it.kind == V.HARDWARE:
        return V.PLATFORMS[it.platform].maker
    return cat.world.brands[it.maker % len(cat.world.brands)]


def _fit_short(text: str) -> str:
    """At most MIN_TITLE characters, cut at a word boundary when possible."""
    if len(text) <= MIN_TITLE:
        return text
    cut = text[:MIN_TITLE].rsplit(" ", 1)[0].rstrip(" :-,(")
    return cut if cut else text[:MIN_TITLE]


# ------------------------------------------------------------------------------------------------ titles


def pick_form(r: random.Random, forms: tuple[tuple[float, Any], ...]) -> Any:
    """One form from a table of (cumulative probability, form), with one draw: the first whose bound is above it."""
    x = r.random()
    return next((form for bound, form in forms if x < bound), forms[-1][1])


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
    brand = _maker_name(cat, it)
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
    full = f"{form} for {plat} {p.pad.title()}{pick(r, PART_PACKS)} by {_maker_name(cat, it)}"
    return full, form


def _other_title(cat: Catalogue, it: Item, r: random.Random, p: V.Platform, plat: str) -> tuple[str, str]:
    brand = _maker_name(cat, it)
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
    plat = _alias(r, p)  # drawn for every kind, first
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
        t = _fit_short(short if chance(r, 0.8) else full)
        return t.upper() if chance(r, 0.05) else t
    t = _mess_title(full, r, store)
    p = V.PLATFORMS[it.platform]
    while len(t) <= MIN_TITLE:  # a listing that must pass keeps a long enough title
        t += f" - {p.name} Video Game"
    return t


# ------------------------------------------------------------------------------------------------ text


def _fill(template: str, **kw: str) -> str:
    return template.format(**kw)


GAME_INTROS = (
    "{hero} returns in {title}, the next chapter of the {name} saga set in {world}.",
    "In {title}, the {faction} has seized {world}, and only {hero} can stand against {villain}.",
    "{title} takes you back to {world}, where {hero} must uncover the plans of {villain}.",
    "The story of {world} continues: {hero} joins forces with the {faction} to stop {villain} once and for all.",
    "Welcome to {world}. {title} is a {sub} from {publisher}.",
)
SERIES_INTROS = (
    "{title} is the latest entry in the {name} series from {publisher}.",
    "The {name} series is back with {title}, the most complete {sub} experience yet.",
    "{title} builds on everything fans loved about {name}, with new modes and a refreshed presentation.",
)
STORY_GENRES = ("Action", "Adventure", "Role-Playing", "Shooter", "Platformer", "Strategy", "Horror")
SOLO_INTROS = (
    "{title} is a {sub} set in the strange land of {world}.",
    "Discover {title}, a brand-new {sub} from {publisher}.",
    "From the makers at {publisher} comes {title}, a {sub} unlike any other.",
    "{title}: a {sub} about survival, friendship and the secrets of {world}.",
)
PLATFORM_LINES = {
    "PlayStation": (
        "Earn trophies and share your best moments with the press of a button.",
        "Takes advantage of the controller's haptic feedback and adaptive triggers where supported.",
        "Supports Remote Play and HDR on compatible systems.",
    ),
    "Xbox": (
        "Unlock achievements and play with friends across console and PC.",
        "Enhanced for Xbox with faster load times and higher frame rates.",
        "Smart Delivery gives you the best version for your console.",
    ),
    "Nintendo": (
        "Play at home on the TV or on the go in handheld mode.",
        "Supports local wireless play and motion controls.",
        "Share a pair of controllers and jump into co-op instantly.",
    ),
    "PC": (
        "Supports 4K resolution, ultrawide monitors and unlocked frame rates.",
        "Full keyboard and mouse support, with optional controller support.",
        "Minimum: Windows 10 64-bit, 8 GB RAM, DirectX 12 compatible graphics card.",
    ),
    "Mac": ("Native support for Apple silicon and Retina displays.", "Requires macOS 10.15 or later, 8 GB RAM."),
    "Sega": ("A 16-bit classic on an original cartridge.", "Cartridge only; tested and working."),
    "Universal": ("Works with most modern consoles and PCs.",),
}
EDITION_LINES = (
    "The {edition} includes the full game, a season pass, an exclusive outfit and a digital artbook.",
    "This {edition} comes with bonus content: three extra missions, a weapon pack and the soundtrack.",
    "Get the {edition}: all previously released add-ons plus an exclusive steelbook case.",
)
ACC_INTROS = (
    "The {brand} {name} is built for {platform} players who want {benefit}.",
    "Upgrade your setup with the {brand} {name}, designed for {platform}.",
    "{brand} brings you a {name} that delivers {benefit} on {platform}.",
    "Looking for {benefit}? This {name} for {platform} has you covered.",
)
BENEFITS = (
    "comfort during long sessions",
    "a competitive edge",
    "reliable performance",
    "more playtime",
    "immersive sound",
    "a clean, organized setup",
    "extra protection",
    "precision and control",
)
ACC_LINES = (
    "Featuring {s1} and {s2}, it is ready for hours of play.",
    "{S1}: {s2}, built to last.",
    "It combines {s1}, {s2} and {s3} in one lightweight design.",
    "Enjoy {s1} without compromise.",
)
WARRANTY = (
    "We offer a 12-month warranty and friendly customer service; contact us with any questions.",
    "Worry-free 1 year warranty. If you have any problem, please contact us and we will reply within 24 hours.",
    "100% satisfaction guarantee: 30-day money back and lifetime technical support.",
)
HARDWARE_LINES = (
    "The {platform} {variant} console delivers stunning visuals and fast load times.",
    "Includes: console, {pad}, HDMI cable, AC power cord and quick start guide.",
    "Play your favourite {platform} games and stream entertainment in one device.",
    "This certified refurbished product is tested and certified to look and work like new.",
    "Storage: {storage}. Color: {color}.",
)
DIGITAL_LINES = (
    "This is a digital add-on for {game}. Requires the base game {game} on {platform} (sold separately).",
    "Your code will be delivered by email and can be redeemed on the {network}.",
    "Content includes new story missions, extra characters and cosmetic items.",
    "Use the {network} card to buy games, add-ons and subscriptions. Non-refundable; terms apply.",
    "An account for the {network} is required. Internet connection required.",
)
MERCH_LINES = (
    "The official companion to {name}: a full walkthrough of every region of {world}, with maps and "
    "strategies for defeating {villain}.",
    "Highly detailed {hero} figure from {name}, with 20 points of articulation and interchangeable hands.",
    "Officially licensed {name} merchandise. Makes a great gift for fans.",
    "Printed on premium material with vivid colors. Ships rolled in a sturdy tube.",
)
PART_LINES = (
    "Fix drifting analog sticks, sticky buttons and worn shells on your {platform} {pad}.",
    "Includes all the tools you need: screwdrivers, pry tools and tweezers.",
    "Made to the same specifications as the original part; installation video available online.",
    "Note: professional installation recommended. Not compatible with other models.",
)
OTHER_LINES = (
    "The {brand} {form} is designed for gamers and streamers.",
    "Sturdy construction, easy assembly in under 15 minutes, all hardware included.",
    "Its RGB lighting syncs with your setup in 16 colors and 4 modes.",
    "Ergonomic design keeps you comfortable through marathon sessions.",
)
SHORT_DESCRIPTIONS = (
    "Brand new.",
    "Factory sealed.",
    "Game disc only, no case.",
    "Works great!",
    "Disc only",
    "Compatible with {platform}.",
    "Like new condition.",
    "<b>Region free</b>",
    "New in box",
    "See description",
    "Tested and working.",
    "{base}",
)
LEGAL = (
    "Software subject to license (us.example/softwarelicense) and online service terms. "
    "Online features require an account and are subject to terms of service and applicable privacy policy. "
    "Online service availability is not guaranteed and may be modified or discontinued at any time. "
)
REQUIREMENTS = (
    "<b>System Requirements:</b><br>OS: Windows 10 64-bit<br>Processor: Intel Core i5-4460 or AMD FX-6300"
    "<br>Memory: 8 GB RAM<br>Graphics: NVIDIA GeForce GTX 760 or AMD Radeon R7 260x<br>Storage: 50 GB "
    "available space<br>"
)


def _specs(r: random.Random, acc: V.AccessoryType) -> tuple[str, str, str]:
    s = r.sample(acc.specs, min(3, len(acc.specs)))
    while len(s) < 3:
        s.append(s[0])
    return s[0], s[1], s[2]


def _game_paragraphs(cat: Catalogue, it: Item, r: random.Random, p: V.Platform, title: str) -> list[str]:
    out: list[str] = []
    g = V.GENRES[it.genre]
    world, hero, villain, faction = _lore(cat, it)
    base = game_base(cat, it)
    sub = g.subgenres[it.subgenre % len(g.subgenres)]
    publisher = _maker_name(cat, it)
    kw = dict(
        title=base,
        hero=hero,
        world=world,
        villain=villain,
        faction=faction,
        sub=sub,
        publisher=publisher,
        name=cat.world.franchises[it.franchise].name if it.franchise >= 0 else base,
    )
    if it.franchise < 0:
        intro = pick(r, SOLO_INTROS)
    else:
        intro = pick(r, GAME_INTROS if g.name in STORY_GENRES else SERIES_INTROS)
    out.append(_fill(intro, **kw))
    hooks = r.sample(g.hooks, min(len(g.hooks), int_between(r, 2, 4)))
    out.append(
        " ".join(
            _fill(
                h,
                noun=pick(r, g.nouns),
                verb=pick(r, g.verbs).capitalize() if h.startswith("{verb}") else pick(r, g.verbs),
                world=world,
                hero=hero,
                sub=sub,
            )
            for h in hooks
        )
    )
    if chance(r, 0.6):
        out.append(pick(r, PLATFORM_LINES.get(p.family, PLATFORM_LINES["Universal"])))
    if it.edition > 2:
        out.append(pick(r, EDITION_LINES).format(edition=V.EDITIONS[it.edition]))
    if chance(r, 0.35):
        rating = pick(r, g.ratings)
        desc = ", ".join(r.sample(V.ESRB_DESCRIPTORS, 2))
        out.append(f"ESRB Rating: {rating} ({desc})")
    if chance(r, 0.15):
        out.append(f"© {it.year} {publisher}. All rights reserved.")
    return out


def _accessory_paragraphs(cat: Catalogue, it: Item, r: random.Random, p: V.Platform, title: str) -> list[str]:
    out: list[str] = []
    acc = V.ACCESSORIES[it.sub]
    s1, s2, s3 = _specs(r, acc)
    brand = _maker_name(cat, it)
    out.append(
        pick(r, ACC_INTROS).format(
            brand=brand,
            name=acc.name.lower() if chance(r, 0.3) else acc.name,
            platform=p.name,
            benefit=pick(r, BENEFITS),
        )
    )
    out.append(pick(r, ACC_LINES).format(s1=s1, s2=s2, s3=s3, S1=s1.capitalize()))
    out.append(f"Compatible with {', '.join(p.aliases[:3])}.")
    if chance(r, 0.5):
        out.append(f"Package includes: 1 x {acc.name}, 1 x USB cable, 1 x user manual.")
    if chance(r, 0.5):
        out.append(pick(r, WARRANTY))
    return out


def _hardware_paragraphs(cat: Catalogue, it: Item, r: random.Random, p: V.Platform, title: str) -> list[str]:
    out: list[str] = []
    kw = dict(
        platform=p.name,
        variant=V.HARDWARE_VARIANTS[it.sub] or "standard",
        pad=p.pad,
        storage=V.HARDWARE_STORAGE[it.name_a % len(V.HARDWARE_STORAGE)] or "built-in",
        color=V.COLORS[it.edition % len(V.COLORS)],
    )
    out.extend(line.format(**kw) for line in r.sample(HARDWARE_LINES, int_between(r, 2, 4)))
    return out


def _digital_paragraphs(cat: Catalogue, it: Item, r: random.Random, p: V.Platform, title: str) -> list[str]:
    out: list[str] = []
    game = game_base(cat, item_at(cat, it.related)) if it.related >= 0 else "your games"
    lines = DIGITAL_LINES[:3] if it.related >= 0 else DIGITAL_LINES[1::2]
    out.extend(line.format(game=game, platform=p.name, network=p.network) for line in lines)
    return out


def _bundle_paragraphs(cat: Catalogue, it: Item, r: random.Random, p: V.Platform, title: str) -> list[str]:
    out: list[str] = []
    game = game_base(cat, item_at(cat, it.related)) if it.related >= 0 else "a bonus game"
    acc = V.ACCESSORIES[it.name_a % len(V.ACCESSORIES)]
    out.append(f"This bundle includes the {p.name} console, {game} ({p.aliases[0]}) full game and a {acc.name}.")
    out.append(pick(r, HARDWARE_LINES[:3]).format(platform=p.name, variant="bundle", pad=p.pad, storage="", color=""))
    out.append("Limited quantities available. Bundle contents may vary.")
    return out


def _merch_paragraphs(cat: Catalogue, it: Item, r: random.Random, p: V.Platform, title: str) -> list[str]:
    out: list[str] = []
    fr = cat.world.franchises[it.franchise] if it.franchise >= 0 else None
    kw = dict(
        name=fr.name if fr else title,
        world=fr.world if fr else "the world",
        hero=fr.hero if fr else "the hero",
        villain=fr.villain if fr else "the villain",
    )
    out.extend(line.format(**kw) for line in r.sample(MERCH_LINES, int_between(r, 2, 3)))
    return out


def _part_paragraphs(cat: Catalogue, it: Item, r: random.Random, p: V.Platform, title: str) -> list[str]:
    out: list[str] = []
    out.extend(line.format(platform=p.name, pad=p.pad) for line in r.sample(PART_LINES, int_between(r, 2, 4)))
    return out


def _other_paragraphs(cat: Catalogue, it: Item, r: random.Random, p: V.Platform, title: str) -> list[str]:
    out: list[str] = []
    out.extend(
        line.format(brand=_maker_name(cat, it), form=V.OTHER_FORMS[it.sub].lower())
        for line in r.sample(OTHER_LINES, int_between(r, 2, 4))
    )
    return out


PARAGRAPH_WRITERS = {
    V.GAME: _game_paragraphs,
    V.ACCESSORY: _accessory_paragraphs,
    V.HARDWARE: _hardware_paragraphs,
    V.DIGITAL: _digital_paragraphs,
    V.BUNDLE: _bundle_paragraphs,
    V.MERCH: _merch_paragraphs,
    V.PART: _part_paragraphs,
}


def _paragraphs(cat: Catalogue, it: Item, r: random.Random, title: str) -> list[str]:
    """The description's paragraphs before mess: the kind's own sentences, sometimes merged into one."""
    out = PARAGRAPH_WRITERS.get(it.kind, _other_paragraphs)(cat, it, r, V.PLATFORMS[it.platform], title)
    if chance(r, 0.35):  # descriptions often merge into one paragraph
        out = [" ".join(out)]
    return out


def _entities(s: str, r: random.Random) -> str:
    s = s.replace(" and ", " &amp; ", 1 + index_below(r, 3)).replace("'", "&#39;")
    if chance(r, 0.5):
        s = s.replace(". ", ".&nbsp; ", 2)
    if chance(r, 0.3):
        s = s.replace('"', "&quot;") + " &quot;Best in class&quot;"
    return s


def _html(paragraphs: list[str], r: random.Random) -> list[str]:
    style = index_below(r, 4)
    if style == 0:
        return [f"<p>{x}</p>" for x in paragraphs]
    if style == 1:
        return [x.replace(". ", ".<br>", 2) for x in paragraphs]
    if style == 2:
        return ["<b>Product Description</b><br>" + paragraphs[0]] + paragraphs[1:]
    items = "".join(f"<li>{x}</li>" for x in paragraphs[1:]) or "<li>See details</li>"
    return [paragraphs[0], f"<ul>{items}</ul>"]


def _truncate(s: str, r: random.Random) -> str:
    if len(s) < 60:
        return s
    cut = int_between(r, int(len(s) * 0.6), len(s) - 5)
    return s[:cut].rstrip() + pick(r, ("...", "…", "...", " ..."))


def _long(paragraphs: list[str], r: random.Random, title: str) -> list[str]:
    """Over 5,000 characters: legal text, requirements and repeated copy, as in the real tail."""
    target = int_between(r, 5_200, 12_000) if chance(r, 0.85) else int_between(r, 12_000, 60_000)
    out = list(paragraphs)
    blocks = (LEGAL, REQUIREMENTS, " ".join(paragraphs), f"About {title}: " + " ".join(paragraphs))
    size = sum(len(x) + 1 for x in out)
    i = 0
    while size <= target:
        block = blocks[i % len(blocks)] * (1 + i % 3)
        out.append(block)
        size += len(block) + 1
        i += 1
    return out


DECORATIONS = (
    "★★★★★ Rated 5 stars by gamers! ★★★★★",
    "♥ Perfect gift for gamers ♥",
    "{platform}™ compatible ✔",
    "☆ NEW ARRIVAL ☆",
)


def _as_html(d: list[str], r: random.Random, p: V.Platform) -> list[str]:
    return _html(d, r)


def _with_entities(d: list[str], r: random.Random, p: V.Platform) -> list[str]:
    return [_entities(x, r) for x in d]


def _add_decoration(d: list[str], r: random.Random, p: V.Platform) -> list[str]:
    return [pick(r, DECORATIONS).format(platform=p.name), *d]


def _add_order_now(d: list[str], r: random.Random, p: V.Platform) -> list[str]:
    return [*d, " ".join(r.sample(V.PROMO_WORDS, 3)) + " - ORDER NOW!!"]


def _duplicate_line(d: list[str], r: random.Random, p: V.Platform) -> list[str]:
    """A line repeated right after itself or at the end."""
    if not d:
        return d
    j = index_below(r, len(d))
    d = list(d)
    d.insert(j + 1 if chance(r, 0.5) else len(d), d[j])
    return d


def _break_spacing(d: list[str], r: random.Random, p: V.Platform) -> list[str]:
    return [x.replace(". ", ".  ", 1) + (" \n" if chance(r, 0.5) else "\t") for x in d]


# The mess laid on a description: (rate, what it does), each drawn in this order, independently of the others.
DESCRIPTION_MESS = (
    (0.12, _as_html),
    (0.08, _with_entities),
    (0.04, _add_decoration),
    (0.04, _add_order_now),
    (0.05, _duplicate_line),
    (0.10, _break_spacing),
)


def make_description(cat: Catalogue, it: Item, r: random.Random, title: str) -> tuple[list[str], bool]:
    """(description list, is_long)."""
    p = V.PLATFORMS[it.platform]
    if it.fail_mode == 1:
        return [], False
    if it.fail_mode == 2:
        line = pick(r, SHORT_DESCRIPTIONS).format(platform=p.name, base=title[:60])
        if chance(r, 0.3):
            line = line.upper()
        return [line[:MIN_DESCRIPTION]], False
    d = _paragraphs(cat, it, r, title)
    is_long = False
    for rate, mess in DESCRIPTION_MESS:
        if chance(r, rate):
            d = mess(d, r, p)
    if it.fail_mode == 0 and chance(r, 0.012):
        d = _long(d, r, title)
        is_long = True
    # a listing that must pass keeps a long enough description; the rest may end cut off
    while len(" ".join(d)) <= MIN_DESCRIPTION:
        d.append(f"{title} for {p.name}. " + pick(r, WARRANTY))
    if chance(r, 0.05):
        last = _truncate(d[-1], r)
        if len(" ".join(d[:-1] + [last])) > MIN_DESCRIPTION:
            d[-1] = last
    return d, is_long


def make_features(cat: Catalogue, it: Item, r: random.Random) -> list[str]:
    p = V.PLATFORMS[it.platform]
    k = it.kind
    if k == V.ACCESSORY:
        if chance(r, 0.15):
            return []
        acc = V.ACCESSORIES[it.sub]
        specs = r.sample(acc.specs, min(len(acc.specs), int_between(r, 3, 5)))
        style = index_below(r, 3)
        out = []
        for s in specs:
            sentence = f"{s.capitalize()} for {pick(r, BENEFITS)}."
            out.append(f"【{s.upper()}】 {sentence}" if style == 0 else (f"✔ {sentence}" if style == 1 else sentence))
        out.append(f"Compatible with {p.name}" + (f" and {p.aliases[-1]}" if chance(r, 0.5) else ""))
        return out
    if k == V.GAME:
        if chance(r, 0.40):
            return []
        g = V.GENRES[it.genre]
        world, hero, _v, _f = _lore(cat, it)
        sub = g.subgenres[it.subgenre % len(g.subgenres)]
        out = [
            h.format(noun=pick(r, g.nouns), verb=pick(r, g.verbs).capitalize(), world=world, hero=hero, sub=sub)
            for h in r.sample(g.hooks, min(len(g.hooks), int_between(r, 2, 4)))
        ]
        if chance(r, 0.5):
            out.append(pick(r, PLATFORM_LINES.get(p.family, PLATFORM_LINES["Universal"])))
        return out
    if chance(r, 0.5):
        return []
    if k == V.HARDWARE:
        return [
            f"{V.HARDWARE_STORAGE[it.name_a % len(V.HARDWARE_STORAGE)] or 'Built-in'} storage",
            "4K HDR gaming" if not p.legacy else "Classic library",
            f"Includes {p.pad}",
        ]
    if k == V.DIGITAL:
        return [f"Redeem on the {p.network}", "Digital code delivered by email"]
    form = {V.PART: V.PART_FORMS, V.OTHER: V.OTHER_FORMS, V.MERCH: V.MERCH_FORMS}.get(k)
    name = form[it.sub % len(form)] if form else V.KINDS[k][0]
    return [
        f"{name} for {p.name}" if it.platform != V.UNIVERSAL else f"{name} for every gamer",
        pick(r, BENEFITS).capitalize(),
    ]


# ------------------------------------------------------------------------------------------------ structure


def _date(r: random.Random, year: int) -> str:
    return f"{MONTHS[index_below(r, 12)]} {int_between(r, 1, 28)}, {year}"


def _game_details(cat: Catalogue, it: Item, r: random.Random, p: V.Platform, weight: str, dims: str) -> dict[str, Any]:
    d: dict[str, Any] = {}
    g = V.GENRES[it.genre]
    d["Release date"] = _date(r, it.year)
    d[pick(r, ("ESRB Pegi Rating", "Rated", "ESRB Rating"))] = pick(r, g.ratings)
    if chance(r, 0.6):
        d["Product Dimensions"] = f"{dims}; {weight}"
    if chance(r, 0.4):
        d["Type of item"] = "Video Game"
    if chance(r, 0.5):
        d["Language"] = pick(r, V.LANGUAGES)
    if chance(r, 0.5):
        d["Item model number"] = f"{p.key}-{int_between(r, 10000, 99999)}"
    if chance(r, 0.3):
        d["Media"] = pick(r, ("Video Game", "DVD-ROM", "Cartridge", "Online Game Code"))
    if chance(r, 0.3):
        d["Genre"] = g.name
    if chance(r, 0.2):
        d["Number of Players"] = pick(r, (1, 2, 4, 8))
    if chance(r, 0.15):
        d["Edition"] = V.EDITIONS[max(it.edition, 0)]
    d["Manufacturer"] = _maker_name(cat, it)
    return d


def _gear_details(cat: Catalogue, it: Item, r: random.Random, p: V.Platform, weight: str, dims: str) -> dict[str, Any]:
    d: dict[str, Any] = {}
    k = it.kind
    d["Brand"] = _maker_name(cat, it)
    d["Color"] = V.COLORS[it.edition % len(V.COLORS)]
    if k == V.ACCESSORY:
        acc = V.ACCESSORIES[it.sub]
        if acc.connectivity:
            d["Connectivity Technology"] = acc.connectivity
        d["Compatible Devices"] = ", ".join(p.aliases[:3])
        if chance(r, 0.5):
            d["Hardware Platform"] = p.name
        if chance(r, 0.3):
            d["Controller Type"] = pick(r, ("Gamepad", "Steering Wheel", "Joystick", "Motion Controller"))
        if chance(r, 0.3):
            d["Batteries"] = "1 Lithium Ion batteries required. (included)"
    if chance(r, 0.5):
        d["Material"] = pick(r, ("Plastic", "ABS", "Silicone", "Metal", "Faux Leather", "Nylon"))
    d["Item Weight"] = weight
    if chance(r, 0.5):
        d["Product Dimensions"] = dims
    if chance(r, 0.4):
        d["Number of Items"] = pick(r, (1, 1, 1, 2, 4, 10))
    if k == V.OTHER and chance(r, 0.5):
        d["Maximum Weight Recommendation"] = f"{pick(r, (250, 300, 350))} Pounds"
    if chance(r, 0.3):
        d["Item model number"] = f"{d['Brand'][:3].upper()}-{int_between(r, 100, 9999)}"
    d["Manufacturer"] = d["Brand"] if chance(r, 0.7) else f"{d['Brand']} Technology Co., Ltd"
    return d


def _hardware_details(
    cat: Catalogue, it: Item, r: random.Random, p: V.Platform, weight: str, dims: str
) -> dict[str, Any]:
    d: dict[str, Any] = {}
    d["Brand"] = p.maker
    d["Model Name"] = f"{p.name} {V.HARDWARE_VARIANTS[it.sub]}".strip()
    storage = V.HARDWARE_STORAGE[it.name_a % len(V.HARDWARE_STORAGE)]
    if storage:
        d["Hard Drive"] = storage
    d["Color"] = V.COLORS[it.edition % len(V.COLORS)]
    d["Connectivity Technology"] = "HDMI, Wi-Fi, Bluetooth" if not p.legacy else "AV"
    d["Release date"] = _date(r, it.year)
    d["Item Weight"] = f"{round(float_between(r, 0.7, 10.0), 2)} pounds"
    if chance(r, 0.5):
        d["Included Components"] = f"Console, {p.pad}, HDMI cable, power cord"
    return d


def _digital_details(
    cat: Catalogue, it: Item, r: random.Random, p: V.Platform, weight: str, dims: str
) -> dict[str, Any]:
    d: dict[str, Any] = {}
    d["Release date"] = _date(r, it.year)
    d["Platform"] = p.name
    d["Media"] = "Online Game Code"
    if it.related < 0 and chance(r, 0.6):
        d["Card Value"] = pick(r, (10, 20, 25, 50, 100))
    d["Delivery"] = "Email"
    d["Manufacturer"] = _maker_name(cat, it)
    return d


def _bundle_details(
    cat: Catalogue, it: Item, r: random.Random, p: V.Platform, weight: str, dims: str
) -> dict[str, Any]:
    d: dict[str, Any] = {}
    d["Brand"] = p.maker
    d["Platform"] = p.name
    d["Included Components"] = "Console, controller, game"
    d["Release date"] = _date(r, it.year)
    return d


def _merch_details(cat: Catalogue, it: Item, r: random.Random, p: V.Platform, weight: str, dims: str) -> dict[str, Any]:
    d: dict[str, Any] = {}
    d["Manufacturer"] = _maker_name(cat, it)
    d["Item Weight"] = weight
    form = V.MERCH_FORMS[it.sub]
    if form in ("Strategy Guide", "Art Book"):
        d["Pages"] = int_between(r, 96, 480)
        d["Publisher"] = _maker_name(cat, it)
    if form in ("Collectible Figure", "Plush"):
        d["Mfg Recommended age"] = f"{pick(r, (3, 8, 13, 15))} years and up"
    if form == "T-Shirt":
        d["Size"] = pick(r, ("Small", "Medium", "Large", "X-Large"))
    return d


DETAIL_WRITERS = {
    V.GAME: _game_details,
    V.ACCESSORY: _gear_details,
    V.PART: _gear_details,
    V.OTHER: _gear_details,
    V.HARDWARE: _hardware_details,
    V.DIGITAL: _digital_details,
    V.BUNDLE: _bundle_details,
}


def make_details(
    cat: Catalogue, it: Item, r: random.Random, rating_number: int | None, average: float | None
) -> dict[str, Any]:
    if chance(r, 0.05):
        return {}
    p = V.PLATFORMS[it.platform]
    k = it.kind
    # drawn for every kind, before the kind's own fields
    weight = f"{round(float_between(r, 1.5, 40.0), 1)} {pick(r, ('ounces', 'Ounces', 'pounds'))}"
    length, height, width = (round(float_between(r, lo, hi), 1) for lo, hi in ((2, 20), (0.5, 10), (2, 15)))
    dims = f"{length} x {height} x {width} inches"
    d = DETAIL_WRITERS.get(k, _merch_details)(cat, it, r, p, weight, dims)  # merchandise: the default
    if chance(r, 0.6):
        d["Date First Available"] = _date(r, it.year)
    if chance(r, 0.5):
        d["Is Discontinued By Manufacturer"] = "No" if chance(r, 0.85) else "Yes"
    if rating_number and chance(r, 0.75):
        rank = max(1, int(2_000_000 / (1 + rating_number) ** 0.7 * float_between(r, 0.5, 1.5)))
        bsr: dict[str, int] = {"Video Games": rank}
        if chance(r, 0.8):
            leaf = {V.GAME: "Games", V.ACCESSORY: "Accessories", V.HARDWARE: "Consoles"}.get(k, "Accessories")
            bsr[f"{p.name} {leaf}"] = max(1, rank // int_between(r, 5, 60))
        d["Best Sellers Rank"] = bsr
    if average is not None and chance(r, 0.2):
        d["Customer Reviews"] = {"ratings_count": rating_number, "stars": average}
    if chance(r, 0.005):
        d["Style"] = ["Standard", "Deluxe"] if k == V.GAME else ["Black", "White"]
    return d


def make_categories(it: Item, r: random.Random) -> list[str]:
    if chance(r, 0.12):
        return []
    p = V.PLATFORMS[it.platform]
    k = it.kind
    if p.legacy:
        head = ["Video Games", "Legacy Systems", f"{p.family} Systems", p.name]
    elif it.platform == V.UNIVERSAL:
        head = ["Video Games", "PC"]
    else:
        head = ["Video Games", p.name]
    if k == V.GAME:
        return head + ["Games"]
    if k == V.ACCESSORY:
        return head + ["Accessories", V.ACCESSORIES[it.sub].leaf]
    if k == V.HARDWARE:
        return head + ["Consoles"]
    if k == V.DIGITAL:
        return ["Video Games", "Online Game Services", p.network]
    if k == V.BUNDLE:
        return head + ["Consoles", "Bundles"]
    if k == V.MERCH:
        return ["Video Games", "Video Game Merchandise"] if chance(r, 0.6) else ["Toys & Games", "Collectibles"]
    if k == V.PART:
        return head + ["Accessories", "Replacement Parts"]
    return [
        "Video Games",
        "PC",
        "Accessories",
        "Gaming Chairs" if V.OTHER_FORMS[it.sub] == "Gaming Chair" else "Gaming Accessories",
    ]


def make_main_category(it: Item, r: random.Random) -> str | None:
    x = r.random()
    if x < 0.02:
        return None
    k = it.kind
    video = {
        V.GAME: 0.95,
        V.HARDWARE: 0.9,
        V.DIGITAL: 0.92,
        V.BUNDLE: 0.9,
        V.ACCESSORY: 0.72,
        V.PART: 0.6,
        V.MERCH: 0.45,
        V.OTHER: 0.3,
    }[k]
    if x < video:
        return "Video Games"
    if k == V.MERCH:
        form = V.MERCH_FORMS[it.sub]
        return {
            "Strategy Guide": "Books",
            "Art Book": "Books",
            "T-Shirt": "Amazon Fashion",
            "Soundtrack Vinyl": "Digital Music",
        }.get(form, "Toys & Games")
    if k == V.OTHER:
        return pick(r, ("Amazon Home", "Computers", "All Electronics"))
    if V.PLATFORMS[it.platform].family in ("PC", "Mac"):
        return "Computers"
    return pick(r, V.MAIN_OTHER)


def make_price(it: Item, r: random.Random) -> float | str | None:
    x = r.random()
    if x < 0.35:
        return None
    lo, hi = {
        V.GAME: (4.0, 70.0),
        V.ACCESSORY: (6.0, 150.0),
        V.HARDWARE: (120.0, 650.0),
        V.DIGITAL: (4.0, 100.0),
        V.BUNDLE: (250.0, 800.0),
        V.MERCH: (8.0, 60.0),
        V.PART: (5.0, 40.0),
        V.OTHER: (15.0, 350.0),
    }[it.kind]
    value = round(int(float_between(r, lo, hi)) + pick(r, (0.99, 0.99, 0.95, 0.49, 0.0, 0.97)), 2)
    if x < 0.965:
        return value
    return pick(r, (f"${value}", f"from {value}", "—", f"{value} - {round(value * 1.3, 2)}", f"${value:,.2f}"))


def make_images(r: random.Random) -> list[dict[str, Any]]:
    n = 0 if chance(r, 0.08) else min(1 + int(r.expovariate(0.6)), 8)
    out = []
    for j in range(n):
        key = b64encode(r.getrandbits(60).to_bytes(8, "little"), b"+-")[:10].decode("ascii")
        out.append(
            {
                "thumb": f"https://m.media-amazon.com/images/I/{key}L._SS40_.jpg",
                "large": f"https://m.media-amazon.com/images/I/{key}L.jpg",
                "variant": "MAIN" if j == 0 else f"PT{j:02d}",
                "hi_res": None if chance(r, 0.3) else f"https://m.media-amazon.com/images/I/{key[::-1]}L._SL1500_.jpg",
            }
        )
    return out


def make_videos(r: random.Random, title: str, store: str | None) -> list[dict[str, str]]:
    if chance(r, 0.9):
        return []
    out = []
    for _ in range(1 + int(chance(r, 0.3))):
        out.append(
            {
                "title": pick(
                    r, (f"{title[:40]} Trailer", "Unboxing and first look", "Honest review", "How to set up")
                ),
                "url": f"https://www.amazon.com/vdp/{r.getrandbits(128):032x}",
                "user_id": "" if chance(r, 0.6) else (store or "") + f"{r.getrandbits(32):08X}",
            }
        )
    return out


def make_store(cat: Catalogue, it: Item, r: random.Random) -> str | None:
    x = r.random()
    if x < 0.08:
        return None
    if x < 0.13:
        return pick(r, V.SELLERS)
    return _maker_name(cat, it) + pick(r, V.STORE_SUFFIX)


def make_ratings(it: Item, r: random.Random, max_popularity: float) -> tuple[float | None, int | None]:
    if chance(r, 0.01):
        return None, None
    if it.interacted and max_popularity > 0:
        n = int(20_000 * it.popularity / max_popularity * r.lognormvariate(0.0, 0.7)) + int_between(r, 5, 60)
    else:
        n = max(1, int(r.lognormvariate(2.3, 1.4)))
    spread = 0.3 + 2.0 / (1 + n) ** 0.5
    avg = min(5.0, max(1.0, round(r.gauss(it.quality, spread), 1)))
    return avg, n


def make_record(cat: Catalogue, it: Item, r: random.Random, max_popularity: float) -> dict[str, Any]:
    """One meta row, fields in the order of the real files."""
    store = make_store(cat, it, r)
    title = make_title(cat, it, r, store)
    description, _ = make_description(cat, it, r, title)
    average, count = make_ratings(it, r, max_popularity)
    return {
        "main_category": make_main_category(it, r),
        "title": title,
        "average_rating": average,
        "rating_number": count,
        "features": make_features(cat, it, r),
        "description": description,
        "price": make_price(it, r),
        "images": make_images(r),
        "videos": make_videos(r, title, store),
        "store": store,
        "categories": make_categories(it, r),
        "details": make_details(cat, it, r, count, average),
        "parent_asin": it.asin,
        "bought_together": None,
    }
