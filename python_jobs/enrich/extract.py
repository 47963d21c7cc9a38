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

from python_jobs.enrich import vocab
from python_jobs.enrich.normalize import clean_value, is_null_like

CONTEXT_FEATURES_CHARS = 1000
CONTEXT_DESCRIPTION_CHARS = 2000
CONTEXT_DETAILS_CHARS = 300
MAX_GENRES = 4

_TAG = re.compile(r"</?[A-Za-z_][^<>]*>")
_SPACES = re.compile(r"\s+")


def _strip_tags(text: str | None) -> str:
    """Same as the `strip_tags` UDF: the merge and the metadata input agree on the text."""
    return _SPACES.sub(" ", _TAG.sub(" ", text or "")).strip()


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
        details = "; ".join(f"{k}: {v}" for k, v in self.details_dict().items()
                            if isinstance(v, (str, int, float)) and str(v).strip())[:CONTEXT_DETAILS_CHARS]
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
_PLATFORM_RES = vocab.compile_patterns(vocab.PLATFORM_PATTERNS)
_HARDWARE_RES = vocab.compile_patterns(vocab.HARDWARE_PATTERNS)
_GENRE_RES = vocab.compile_patterns(vocab.GENRE_PATTERNS)
_MULTI_RES = vocab.compile_patterns(vocab.MULTIPLAYER_PATTERNS)
_FRANCHISE_NAMES = sorted({*vocab.FRANCHISES, *vocab.FRANCHISE_ALIASES}, key=len, reverse=True)
_FRANCHISE_RE = re.compile(r"(?<![\w'])(" + "|".join(re.escape(n.lower()) for n in _FRANCHISE_NAMES) + r")(?![\w])")
_FRANCHISE_CANON = {n.lower(): vocab.FRANCHISE_ALIASES.get(n, n) for n in _FRANCHISE_NAMES}
_SERIES_RE = re.compile(r"\b(?:the|of|in) ((?:[A-Z][\w'\u2019:\-]*|of|the)(?: (?:[A-Z0-9][\w'\u2019:\-]*|of|the)){0,4}) "
                        r"(?:series|franchise|saga|universe)\b")

_GIFT_CARD = re.compile(r"gift card|prepaid card|\bpsn card|eshop card|points card|live gold|game pass|\bmembership\b|"
                        r"\bsubscription\b|\bwallet card|\bcash card", re.I)
_DLC = re.compile(r"\bdlc\b|season pass|expansion pack|\bexpansion\b|add-?on content|\badd-?on\b|downloadable content|"
                  r"in-game currency|v-?bucks|\bcoins? pack|\bcredits? pack|\bpoints\b(?= (?:pack|bundle))", re.I)
_BOOK = re.compile(r"strategy guide|official guide|game guide|art ?book|\bnovel\b|hardcover|paperback|\bmanga\b|"
                   r"\bcomic\b|prima games|bradygames", re.I)
_BUNDLE = re.compile(r"\bbundle\b|\bcombo\b|\b\d+[- ]in[- ]1\b|\bcollection\b(?! edition)|\btrilogy\b|\banthology\b|"
                     r"\bdouble pack\b|\btwin pack\b|\b\d+[- ]games?\b|\bgames? pack\b", re.I)
_FOR_SOMETHING = re.compile(r"\b(?:for|compatible with|fits|works with)\b", re.I)
_GAME_CUES = re.compile(r"\bgameplay\b|\bplayers?\b|\blevels?\b|\bmissions?\b|\bcampaign\b|\bquests?\b|\bcharacters?\b|"
                        r"\bstory\b|\bbattles?\b|\bexplore\b|\bplay as\b|\bvideo ?game\b|\bboss(?:es)?\b|\bheroes\b", re.I)
_SOFTWARE = re.compile(r"\bsoftware\b|\bantivirus\b|\boperating system\b|\bphoto editing\b|\bcompiler\b", re.I)
_STORE_NOISE = re.compile(r"^\s*(?:visit the|visit|by|brand:)\s+|\s+(?:store|shop|official store)\s*$", re.I)


def _find_all(patterns: list[tuple[str, re.Pattern[str]]], text: str, limit: int | None = None) -> list[str]:
    found: list[str] = []
    for name, pattern in patterns:
        if name not in found and pattern.search(text):
            found.append(name)
            if limit and len(found) >= limit:
                break
    return found


def _first(patterns: list[tuple[str, re.Pattern[str]]], text: str) -> str | None:
    for name, pattern in patterns:
        if pattern.search(text):
            return name
    return None


def _product_type(title: str, text: str, categories: str, hardware_in_title: str | None) -> str:
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
    if _first(_HARDWARE_RES, text):
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
    match = _FRANCHISE_RE.search(title.lower())
    if match:
        return _FRANCHISE_CANON[match.group(1)]
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
    text = f"{title}\n{description}\n{features}"

    platforms = _find_all(_PLATFORM_RES, title) or _find_all(_PLATFORM_RES, item.categories_text or "") \
        or _find_all(_PLATFORM_RES, f"{description}\n{features}", limit=4)
    hardware_in_title = _first(_HARDWARE_RES, title)
    product_type = _product_type(title, text, categories, hardware_in_title)
    is_gamey = product_type in ("Game", "DLC", "Bundle")

    hardware_type = None
    if product_type in ("Hardware", "Accessory", "Bundle"):
        hardware_type = hardware_in_title or (_first(_HARDWARE_RES, text) if product_type != "Bundle" else None)
    genres = _find_all(_GENRE_RES, f"{title}\n{item.categories_text}\n{description}", limit=MAX_GENRES) if is_gamey else []
    multiplayer = _find_all(_MULTI_RES, text, limit=3) if is_gamey else []
    return {
        "product_type": product_type,
        "platform": platforms,
        "genre": genres,
        "hardware_type": hardware_type,
        "brand": _brand(item),
        "multiplayer": multiplayer or None,
        "franchise": _franchise(title, description) if product_type != "Other" else None,
    }
