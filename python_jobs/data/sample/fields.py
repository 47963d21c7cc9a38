"""A listing's other fields: details, categories, main category, price, images, videos, store and ratings."""

from __future__ import annotations

import random
from base64 import b64encode
from typing import Any

from python_jobs.data.sample import vocab as V
from python_jobs.data.sample.catalogue import Catalogue
from python_jobs.data.sample.draws import chance, float_between, index_below, int_between, pick
from python_jobs.data.sample.items import Item, maker_name

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
    d["Manufacturer"] = maker_name(cat, it)
    return d


def _gear_details(cat: Catalogue, it: Item, r: random.Random, p: V.Platform, weight: str, dims: str) -> dict[str, Any]:
    d: dict[str, Any] = {}
    k = it.kind
    d["Brand"] = maker_name(cat, it)
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
    d["Manufacturer"] = maker_name(cat, it)
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
    d["Manufacturer"] = maker_name(cat, it)
    d["Item Weight"] = weight
    form = V.MERCH_FORMS[it.sub]
    if form in ("Strategy Guide", "Art Book"):
        d["Pages"] = int_between(r, 96, 480)
        d["Publisher"] = maker_name(cat, it)
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
    return maker_name(cat, it) + pick(r, V.STORE_SUFFIX)


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
