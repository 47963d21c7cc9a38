"""Validation and normalisation of extracted metadata (from Gemini or from the offline rules).

One spelling per value ("PS4", "PlayStation 4", "Playstation4" -> "PlayStation 4"), null-like strings
("null", "N/A", "none", ...) -> None, list fields always lists, scalar fields always scalars, unknown keys
dropped and reported in `dropped_keys` so they can be counted. The cache stores the model's raw JSON, so
improving these rules never needs a new API call.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from python_jobs.enrich import vocab

METADATA_FIELDS = ("product_type", "platform", "genre", "hardware_type", "brand", "multiplayer", "franchise")
LIST_FIELDS = ("platform", "genre")
MAX_VALUE_CHARS = 80
MAX_LIST_ITEMS = 12

_PLATFORM = vocab.alias_table(vocab.PLATFORMS)
_PRODUCT = vocab.alias_table(vocab.PRODUCT_TYPES)
_HARDWARE = vocab.alias_table(vocab.HARDWARE_TYPES)
_GENRE = vocab.alias_table(vocab.GENRES)
_MULTI = vocab.alias_table(vocab.MULTIPLAYER)
_FRANCHISE = {vocab.squash(name): name for name in vocab.FRANCHISES}
_FRANCHISE.update({vocab.squash(alias): name for alias, name in vocab.FRANCHISE_ALIASES.items()})
# key spellings accepted for each field ("Product Type", "platforms", "genres", ...)
_KEYS = {vocab.squash(v): f for f in METADATA_FIELDS for v in (f, f + "s", f.replace("_", " "))}
_KEYS.update(
    {
        "type": "product_type",
        "producttypes": "product_type",
        "multiplayermode": "multiplayer",
        "multiplayermodes": "multiplayer",
        "manufacturer": "brand",
        "series": "franchise",
        "platforms": "platform",
        "genres": "genre",
        "hardware": "hardware_type",
    }
)
_LIST_SPLIT = re.compile(r"\s*[,;]\s*")  # always separates values
_SPLIT = re.compile(r"\s*(?:[,;|/]|\band\b|&)\s*")  # separates values unless the whole is one known value
_SPACES = re.compile(r"\s+")


class MetadataValidationError(ValueError):
    """The answer is not usable metadata (not an object, nested junk, or nothing we know)."""


@dataclass(frozen=True)
class Metadata:
    product_type: str | None = None
    platform: list[str] = field(default_factory=list)
    genre: list[str] = field(default_factory=list)
    hardware_type: str | None = None
    brand: str | None = None
    multiplayer: str | None = None
    franchise: str | None = None
    dropped_keys: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def is_null_like(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip().strip(".").lower() in vocab.NULL_STRINGS
    if isinstance(value, (list, tuple, dict)):
        return len(value) == 0
    return False


def clean_value(value: Any) -> str | None:
    """A scalar as a tidy string, or None when it is null-like. Nested objects are invalid."""
    if isinstance(value, dict):
        raise MetadataValidationError(f"nested object where a value was expected: {str(value)[:80]}")
    if isinstance(value, bool):
        return None  # true/false carries no value for any of our fields
    if isinstance(value, (int, float)):
        value = str(value)
    if not isinstance(value, str) or is_null_like(value):
        return None
    text = _SPACES.sub(" ", value).strip().strip("\"'")
    if is_null_like(text):
        return None
    return text[:MAX_VALUE_CHARS].strip()


def _as_parts(value: Any) -> list[str]:
    """Flatten a value (string, list of strings, nested lists) into tidy non-null strings."""
    if isinstance(value, (list, tuple)):
        out: list[str] = []
        for item in value:
            out.extend(_as_parts(item))
        return out
    text = clean_value(value)
    return [text] if text else []


def _canonical_list(value: Any, table: dict[str, str], keep_unknown: bool = True) -> list[str]:
    """Canonical spellings, order kept, duplicates removed. Whole strings are tried before splitting
    ("Xbox Series X/S" is one platform, "PS4/PS5" is two)."""
    out: list[str] = []
    parts = [p for part in _as_parts(value) for p in _LIST_SPLIT.split(part) if p.strip()]
    for part in parts:
        hit = table.get(vocab.squash(part))
        pieces = [hit] if hit else []
        if not hit:
            for piece in _SPLIT.split(part):
                piece = piece.strip()
                if not piece or is_null_like(piece):
                    continue
                sub = table.get(vocab.squash(piece))
                if sub:
                    pieces.append(sub)
                elif keep_unknown:
                    pieces.append(piece)
        for p in pieces:
            if p and vocab.squash(p) not in {vocab.squash(x) for x in out}:
                out.append(p)
    return out[:MAX_LIST_ITEMS]


def normalize_product_type(value: Any) -> str | None:
    for part in _as_parts(value):
        for piece in [part, *_SPLIT.split(part)]:
            hit = _PRODUCT.get(vocab.squash(piece))
            if hit:
                return hit
        return "Other"  # a closed set: an unknown type is counted as Other, not invented
    return None


def normalize_platforms(value: Any) -> list[str]:
    return _canonical_list(value, _PLATFORM)


def normalize_genres(value: Any) -> list[str]:
    return _canonical_list(value, _GENRE)


def normalize_hardware_type(value: Any) -> str | None:
    values = _canonical_list(value, _HARDWARE)
    return values[0] if values else None


def normalize_multiplayer(value: Any) -> str | None:
    values = _canonical_list(value, _MULTI)
    return ", ".join(values) if values else None


def normalize_brand(value: Any) -> str | None:
    parts = _as_parts(value)
    return parts[0] if parts else None


def normalize_franchise(value: Any) -> str | None:
    parts = _as_parts(value)
    if not parts:
        return None
    return _FRANCHISE.get(vocab.squash(parts[0]), parts[0])


_NORMALIZERS = {
    "product_type": normalize_product_type,
    "platform": normalize_platforms,
    "genre": normalize_genres,
    "hardware_type": normalize_hardware_type,
    "brand": normalize_brand,
    "multiplayer": normalize_multiplayer,
    "franchise": normalize_franchise,
}


def normalize_metadata(raw: Any) -> Metadata:
    """Validate one answer and return it in canonical form. Raises MetadataValidationError."""
    if not isinstance(raw, dict):
        raise MetadataValidationError(f"expected a JSON object, got {type(raw).__name__}")
    values: dict[str, Any] = {}
    dropped: list[str] = []
    for key, value in raw.items():
        name = _KEYS.get(vocab.squash(str(key)))
        if name is None or name in values:
            dropped.append(str(key))
            continue
        values[name] = value
    if not values:
        raise MetadataValidationError(f"none of the expected fields present (keys: {sorted(map(str, raw))[:10]})")
    out = {name: _NORMALIZERS[name](values.get(name)) for name in METADATA_FIELDS}
    return Metadata(**out, dropped_keys=sorted(dropped))
