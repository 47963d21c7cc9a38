"""Where a category's files live, and the one rule for category names."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_CATEGORY = re.compile(r"[A-Za-z0-9_]+")


def validate_category(category: str) -> str:
    """Letters, digits and underscore only, so a category can never name a path outside data/."""
    if not isinstance(category, str) or not _CATEGORY.fullmatch(category):
        raise ValueError(f"invalid category {category!r}: use letters, digits and underscore only (e.g. Video_Games)")
    return category


@dataclass(frozen=True)
class CategoryPaths:
    category: str
    data_dir: Path = Path("data")

    def __post_init__(self) -> None:
        validate_category(self.category)

    @property
    def raw_dir(self) -> Path:
        return self.data_dir / "raw" / self.category

    @property
    def out_dir(self) -> Path:
        return self.data_dir / "output" / self.category

    @property
    def cache_dir(self) -> Path:
        return self.data_dir / "cache" / self.category

    @property
    def registry_dir(self) -> Path:
        return self.data_dir / "registry" / self.category

    @property
    def meta_file(self) -> Path:
        return self.raw_dir / f"meta_{self.category}.jsonl.gz"

    @property
    def interactions_file(self) -> Path:
        return self.raw_dir / f"{self.category}.train.csv.gz"

    @property
    def reviews_file(self) -> Path:
        return self.raw_dir / f"{self.category}.jsonl.gz"
