"""Metadata input (what the extraction task sees) and the offline, rule-based extractor.

`MetadataInput.context()` is the text Gemini reads (and whose hash keys the cache); the offline extractor
reads the same fields with dictionaries and patterns: platforms, product type, hardware type, genres
(for games only), brand from `details`/`store`, multiplayer modes and franchises (a list of well-known
series plus "the X series/franchise/saga" phrases). It is tuned for video-game catalogues, like the
original prompt; on other categories most items come out as product_type "Other" with a brand.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from python_jobs.common.text import strip_tags
from python_jobs.enrich import vocab
from python_jobs.enrich.normalize import clean_value, is_null_like

CONTEXT_FEATURES_CHARS = 1000
CONTEXT_DESCRIPTION_CHARS = 2000
CONTEXT_DETAILS_CHARS = 300
MAX_GENRES = 4


def _strip_tags(text: str | None) -> str:
    """The `strip_tags` UDF's rule, so the merge and the metadata input agree on the text."""
    return strip_tags(text) or ""


@dataclass(frozen=True)
class MetadataInput:
    title: str = ""
    description: str = ""
    categories_text: str = ""
    features_text: str = ""
    main_category: str = ""
    store: str = ""
    details: Any = None  # dict, JSON text or None

    def details_dict(self) -> dict[str, Any]:
        value = self.details
        if isinstance(value, str):
            try:
                value = json.loads(value) if value.strip() else {}
            except json.JSONDecodeError:
                return {}
        return value if isinstance(value, dict) else {}

    def context(self) -> str:
        """The product as the model reads it (seed NB04 fields, plus store and a few details for brand)."""
        details = "; ".join(
            f"{k}: {v}" for k, v in self.details_dict().items() if isinstance(v, (str, int, float)) and str(v).strip()
        )[:CONTEXT_DETAILS_CHARS]
        lines = [
            f"Title: {_strip_tags(self.title)}",
            f"Description: {_strip_tags(self.description)[:CONTEXT_DESCRIPTION_CHARS]}",
            f"Category: {self.categories_text or self.main_category}",
            f"Features: {_strip_tags(self.features_text)[:CONTEXT_FEATURES_CHARS]}",
            f"Store: {self.store}",
        ]
        if details:
            lines.append(f"Details: {details}")
        return "\n".join(lines)


# ---- offline extraction --------------------------------------------------------------------------------------
_PLATFORMS = vocab.Matcher(vocab.PLATFORM_PATTERNS)
_HARDWARE = vocab.Matcher(vocab.HARDWARE_PATTERNS)
_GENRES = vocab.Matcher(vocab.GENRE_PATTERNS)
_MULTIPLAYER = vocab.Matcher(vocab.MULTIPLAYER_PATTERNS)
_FRANCHISE_NAMES = sorted({*vocab.FRANCHISES, *vocab.FRANCHISE_ALIASES}, key=len, reverse=True)
_FRANCHISE_RE = re.compile(r"(?<![\w'])(" + "|".join(re.escape(n.lower()) for n in _FRANCHISE_NAMES) + r")(?![\w])")
_FRANCHISE_CANON = {n.lower(): vocab.FRANCHISE_ALIASES.get(n, n) for n in _FRANCHISE_NAMES}
# "the Shadow Realm series": capitalised words (a word may be "of"/"the" inside), at least one real word
_SERIES_RE = re.compile(
    r"\b(?:[Tt]he|of|in) ((?:[A-Z][a-z][\w'\u2019:\-]*)(?: (?:[A-Z][\w'\u2019:\-]*|[0-9]+|of|the)){0,4}) "
    r"(?:series|franchise|saga|universe)\b"
)

_GIFT_CARD = re.compile(
    r"gift card|prepaid card|\bpsn card|eshop card|points card|live gold|game pass|\bmembership\b|"
    r"\bsubscription\b|\bwallet card|\bcash card",
    re.I,
)
_DLC = re.compile(
    r"\bdlc\b|season pass|expansion pack|\bexpansion\b|add-?on content|\badd-?on\b|downloadable content|"
    r"in-game currency|v-?bucks|\bcoins? pack|\bcredits? pack|\bpoints\b(?= (?:pack|bundle))",
    re.I,
)
_BOOK = re.compile(
    r"strategy guide|official guide|game guide|art ?book|\bnovel\b|hardcover|paperback|\bmanga\b|"
    r"\bcomic\b|prima games|bradygames",
    re.I,
)
_BUNDLE = re.compile(
    r"\bbundle\b|\bcombo\b|\b\d+[- ]in[- ]1\b|\bcollection\b(?! edition)|\btrilogy\b|\banthology\b|"
    r"\bdouble pack\b|\btwin pack\b|\bgames? pack\b|\+ ?\d+ games?\b",
    re.I,
)
_FOR_SOMETHING = re.compile(r"\b(?:for|compatible with|fits|works with)\b", re.I)
_GAME_CUES = re.compile(
    r"\bgames?\b|\brpg\b|\bgameplay\b|\bplayers?\b|\blevels?\b|\bmissions?\b|\bcampaign\b|\bquests?\b|\bcharacters?\b|"
    r"\bstory\b|\bbattles?\b|\bexplore\b|\bplay as\b|\bvideo ?game\b|\bboss(?:es)?\b|\bheroes\b"
)  # lower-cased text
_SOFTWARE = re.compile(r"\bsoftware\b|\bantivirus\b|\boperating system\b|\bphoto editing\b|\bcompiler\b", re.I)
# "Halo 3", "Final Fantasy VII: ...", "Shattered Dominion II": the name before an installment number
_NUMBERED_RE = re.compile(
    r"^((?:[A-Z][\w'\u2019&\-]*)(?: (?:[A-Z][\w'\u2019&\-]*|of|the|and)){0,4}) "
    r"(?:[2-9]|1[0-9]|II|III|IV|V|VI|VII|VIII|IX|X|XI|XII)(?=$|[:\s-])"
)
_PLATFORM_DETAILS = ("Platform", "Hardware Platform", "Compatible Devices", "Compatible Platforms")
_STORE_NOISE = re.compile(r"^\s*(?:visit the|visit|by|brand:)\s+|\s+(?:store|shop|official store)\s*$", re.I)


def _product_type(title: str, text: str, categories: str, hardware_in_title: str | None) -> str:
    """`text` and `categories` are lower-cased."""
    if _GIFT_CARD.search(title):
        return "Gift Card"
    if _DLC.search(title) or "downloadable content" in categories:
        return "DLC"
    if _BOOK.search(title):
        return "Book"
    if _BUNDLE.search(title):
        return "Bundle"
    if hardware_in_title:
        if hardware_in_title in ("Console", "VR Headset"):
            # "Stand for PS4 Console" is an accessory; "PS4 Console 1TB" is hardware
            before = title.lower().split("console")[0] if hardware_in_title == "Console" else title
            return "Accessory" if _FOR_SOMETHING.search(before) else "Hardware"
        return "Accessory"
    if "accessor" in categories:
        return "Accessory"
    if "consoles" in categories:
        return "Hardware"
    if _SOFTWARE.search(title):
        return "Software"
    if "game" in categories or _GAME_CUES.search(text):
        return "Game"
    if _HARDWARE.first(text):
        return "Accessory"
    return "Other"


def _brand(item: MetadataInput) -> str | None:
    details = item.details_dict()
    for key in ("Brand", "brand", "Manufacturer", "manufacturer", "Publisher", "publisher"):
        value = clean_value(details.get(key)) if not isinstance(details.get(key), dict) else None
        if value:
            return value
    store = clean_value(_STORE_NOISE.sub("", item.store or "").strip())
    return store or None


def _franchise(title: str, description: str) -> str | None:
    """A known franchise in the title, a numbered title's name, "the X series" in the description, or a known
    franchise early in the description."""
    match = _FRANCHISE_RE.search(title.lower())
    if match:
        return _FRANCHISE_CANON[match.group(1)]
    numbered = _NUMBERED_RE.match(title)
    if numbered:
        name = re.sub(r"\s+(?:of|the|and)$", "", numbered.group(1)).strip()
        if len(name) >= 3 and name.lower() not in {"the", "new", "pack"}:
            return name
    series = _SERIES_RE.search(description)
    if series:
        name = series.group(1).strip()
        name = re.sub(r"^(?:the|of) ", "", name, flags=re.I).strip()
        if len(name) >= 3 and not is_null_like(name) and name.lower() not in {"new", "this", "our", "game", "same"}:
            return _FRANCHISE_CANON.get(name.lower(), name)
    match = _FRANCHISE_RE.search(description.lower()[:400])  # a well-known series named early in the text
    return _FRANCHISE_CANON[match.group(1)] if match else None


def extract_metadata(item: MetadataInput) -> dict[str, Any]:
    """Raw metadata in the same JSON shape Gemini answers with (normalise it like any answer)."""
    title = _strip_tags(item.title)
    description = _strip_tags(item.description)
    features = _strip_tags(item.features_text)
    categories = f"{item.categories_text} {item.main_category}".lower()
    low_title = title.lower()
    low_body = f"{description}\n{features}".lower()
    text = f"{low_title}\n{low_body}"

    details = item.details_dict()
    detail_platforms = " ; ".join(str(details.get(k) or "") for k in _PLATFORM_DETAILS).lower()
    platforms = (
        _PLATFORMS.find_all(low_title)
        or _PLATFORMS.find_all((item.categories_text or "").lower())
        or _PLATFORMS.find_all(detail_platforms)
        or _PLATFORMS.find_all(low_body, limit=4)
    )
    hardware_in_title = _HARDWARE.first(low_title)
    product_type = _product_type(title, text, categories, hardware_in_title)
    is_gamey = product_type in ("Game", "DLC", "Bundle")

    hardware_type = None
    if product_type in ("Hardware", "Accessory", "Bundle"):
        hardware_type = hardware_in_title or (_HARDWARE.first(low_body) if product_type != "Bundle" else None)
    detail_genre = str(details.get("Genre") or details.get("genre") or "").lower()
    genres = (
        _GENRES.find_all(
            f"{detail_genre}\n{low_title}\n{(item.categories_text or '').lower()}\n{description.lower()}",
            limit=MAX_GENRES,
        )
        if is_gamey
        else []
    )
    multiplayer = _MULTIPLAYER.find_all(text, limit=3) if is_gamey else []
    # franchises only where a game context is clear ("Sonic toothbrush", "halo lights" are not games)
    franchise = _franchise(title, description) if (is_gamey or platforms) else None
    return {
        "product_type": product_type,
        "platform": platforms,
        "genre": genres,
        "hardware_type": hardware_type,
        "brand": _brand(item),
        "multiplayer": multiplayer or None,
        "franchise": franchise,
    }
