"""The real catalogue's weight on a listing (``listing_weight="real"``: the full and 10x benchmark presets).

The committed sample's listings are light: about 1.5 KB a line, two images, a video on one listing in ten,
eight detail keys, two or three short feature bullets. Real Amazon Reviews 2023 meta lines weigh about twice
that (the real Video_Games meta file: 137,269 lines, 87 MB gzipped): most listings show five or more images,
each with three URLs; one in four has videos; detail maps hold a dozen keys, some with long text; feature
lists run to five or more long bullets. Stage 1 reads, parses and carries every one of those bytes, so a
benchmark on light lines measures a lighter job than the real one.

``weigh`` adds that weight on top of a finished light record, from a random stream of its own: every field
it does not touch (title, description, price, ...) is the light record's, and the light presets' bytes (the
committed sample) do not depend on this module at all.
"""

from __future__ import annotations

import random
from base64 import b64encode
from typing import Any

from python_jobs.data.sample import vocab as V
from python_jobs.data.sample.catalogue import Catalogue
from python_jobs.data.sample.descriptions import BENEFITS, _paragraphs
from python_jobs.data.sample.draws import chance, float_between, int_between, pick
from python_jobs.data.sample.items import Item, maker_name

LISTING_WEIGHTS = ("light", "real")

# real detail keys of Video_Games listings that the light writers never set, with a writer of a plausible value
PRICING = "The strikethrough price is the List Price. Savings represents a discount off the List Price."


def _upc(r: random.Random, _it: Item) -> str:
    return f"{r.getrandbits(40) % 10**12:012d}"


def _dims(r: random.Random, _it: Item) -> str:
    sizes = " x ".join(str(round(float_between(r, 0.4, 18.0), 2)) for _ in range(3))
    return f"{sizes} inches; {round(float_between(r, 1.0, 64.0), 2)} Ounces"


def _platform(r: random.Random, it: Item) -> str:
    return V.PLATFORMS[it.platform].name


def _compatible(r: random.Random, it: Item) -> str:
    return ", ".join(V.PLATFORMS[it.platform].aliases)


def _special(r: random.Random, _it: Item) -> str:
    return ", ".join(r.sample(("Ergonomic", "Wireless", "Rechargeable", "Lightweight", "Portable", "Backlit"), 3))


EXTRA_DETAILS: tuple[tuple[str, Any], ...] = (
    ("Pricing", lambda r, it: PRICING),
    ("Package Dimensions", _dims),
    ("UPC", _upc),
    ("Country of Origin", lambda r, it: pick(r, ("China", "USA", "Japan", "Vietnam", "Mexico", "Taiwan"))),
    ("Batteries Required?", lambda r, it: pick(r, ("No", "No", "Yes"))),
    ("Hardware Platform", _platform),
    ("Compatible Devices", _compatible),
    ("Special Feature", _special),
    ("Operating System", lambda r, it: pick(r, ("Windows 10", "PlayStation 4", "Nintendo Switch", "Xbox One"))),
    ("Department", lambda r, it: pick(r, ("Unisex-adult", "Unisex-child", "Boys"))),
    ("Manufacturer recommended age", lambda r, it: f"{pick(r, (3, 6, 10, 13, 17))} years and up"),
    ("Item Package Quantity", lambda r, it: pick(r, (1, 1, 1, 2, 3))),
    ("Warranty Description", lambda r, it: f"{pick(r, (30, 90, 180, 365))} days limited manufacturer warranty"),
    ("Included Components", lambda r, it: f"1 x {V.KINDS[it.kind][0]}, 1 x User Manual, 1 x USB Cable"),
    ("Sub Platform", _platform),
    ("Publication date", lambda r, it: f"{pick(r, ('March', 'June', 'October'))} {int_between(r, 1, 28)}, {it.year}"),
)

VIDEO_TITLES = (
    "{t} Trailer",
    "{t} - Official Gameplay Reveal",
    "Unboxing and first look",
    "Honest review after one month",
    "How to set up and pair",
    "Is it worth it? Full review",
    "Merchant Video",
    "Comparison with the original",
)


def _image_key(r: random.Random) -> str:
    """An 11-character image id as on m.media-amazon.com (two digits, eight characters, 'L')."""
    code = b64encode(r.getrandbits(48).to_bytes(6, "little"), b"+-").decode("ascii")
    return f"{int_between(r, 31, 91)}{code}L"


def _image(r: random.Random, variant: str) -> dict[str, Any]:
    key = _image_key(r)
    return {
        "thumb": f"https://m.media-amazon.com/images/I/{key}._SX38_SY50_CR,0,0,38,50_.jpg",
        "large": f"https://m.media-amazon.com/images/I/{key}.jpg",
        "variant": variant,
        "hi_res": None if chance(r, 0.15) else f"https://m.media-amazon.com/images/I/{_image_key(r)}._SL1500_.jpg",
    }


def more_images(images: list[dict[str, Any]], r: random.Random) -> list[dict[str, Any]]:
    """Listings with images get 2-14 (mean about 6); a listing without any stays without."""
    if not images:
        return images
    want = min(14, 2 + int(r.expovariate(0.25)))
    return images + [_image(r, f"PT{j:02d}") for j in range(len(images), want)]


def more_videos(videos: list[dict[str, str]], r: random.Random, title: str) -> list[dict[str, str]]:
    """About one listing in four has videos (1-6; the light writer gives one in ten)."""
    if not videos and not chance(r, 0.17):
        return videos
    extra = []
    for _ in range(int_between(r, 1, 5)):
        extra.append(
            {
                "title": pick(r, VIDEO_TITLES).format(t=title[:60]),
                "url": f"https://www.amazon.com/vdp/{r.getrandbits(128):032x}",
                "user_id": ""
                if chance(r, 0.5)
                else "AE" + b64encode(r.getrandbits(120).to_bytes(15, "little")).decode(),
            }
        )
    return videos + extra


def more_details(details: dict[str, Any], it: Item, r: random.Random) -> dict[str, Any]:
    """Detail maps grow to 10-18 keys; an empty map (5% of listings) stays empty."""
    if not details:
        return details
    out = dict(details)
    want = int_between(r, 10, 18)
    for key, write in r.sample(EXTRA_DETAILS, len(EXTRA_DETAILS)):
        if len(out) >= want:
            break
        if key not in out:
            out[key] = write(r, it)
    return out


def more_features(cat: Catalogue, it: Item, features: list[str], r: random.Random, title: str) -> list[str]:
    """Long bullets (100-400 characters) from the item's own sentences: 4-9 in all on 3 listings in 4."""
    if not features and chance(r, 0.3):
        return features
    want = int_between(r, 4, 9)
    sentences: list[str] = []
    for _ in range(4):  # the kind's sentence pools, drawn again until there is enough text for the bullets
        for paragraph in _paragraphs(cat, it, r, title):
            for piece in paragraph.split(". "):
                sentence = piece.strip().rstrip(".") + "."
                if len(sentence) > 1 and sentence not in sentences:
                    sentences.append(sentence)
        if sum(map(len, sentences)) > 220 * want:
            break
    out = list(features)
    while len(out) < want and sentences:
        bullet = sentences.pop(0)
        while sentences and len(bullet) < int_between(r, 100, 300):
            bullet = f"{bullet} {sentences.pop(0)}"
        head = pick(r, ("", "", "", f"【{pick(r, BENEFITS).upper()[:24]}】 ", "✔ "))
        out.append(head + bullet)
    if len(out) < want:
        out.append(f"Made by {maker_name(cat, it)}. Compatible with {V.PLATFORMS[it.platform].name}.")
    return out


def weigh(cat: Catalogue, it: Item, record: dict[str, Any], r: random.Random) -> dict[str, Any]:
    """The record with the real catalogue's images, videos, details and features (fields keep their order)."""
    title = record["title"] or ""
    return {
        **record,
        "features": more_features(cat, it, record["features"], r, title),
        "images": more_images(record["images"], r),
        "videos": more_videos(record["videos"], r, title),
        "details": more_details(record["details"], it, r),
    }
