"""A listing's description and features: sentence pools per item kind, then the mess of a real catalogue
(HTML, entities, decoration, promotion, duplicated lines, broken spacing, very long and cut-off text).
"""

from __future__ import annotations

import random

from python_jobs.data.sample import vocab as V
from python_jobs.data.sample.catalogue import Catalogue
from python_jobs.data.sample.draws import chance, index_below, int_between, pick
from python_jobs.data.sample.items import MIN_DESCRIPTION, Item, game_base, item_at, lore, maker_name

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
    world, hero, villain, faction = lore(cat, it)
    base = game_base(cat, it)
    sub = g.subgenres[it.subgenre % len(g.subgenres)]
    publisher = maker_name(cat, it)
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
    brand = maker_name(cat, it)
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
        line.format(brand=maker_name(cat, it), form=V.OTHER_FORMS[it.sub].lower())
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
        world, hero, _v, _f = lore(cat, it)
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
