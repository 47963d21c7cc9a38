"""Where a category's files live, and the one rule for category names."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

_CATEGORY = re.compile(r"[A-Za-z0-9_]+")
# Catalogs and schemas DuckDB names itself. DuckDB compares names case-insensitively, and a schema named like a
# catalog makes `<name>.<table>` an "Ambiguous reference to catalog or schema".
DUCKDB_NAMES = ("information_schema", "main", "memory", "pg_catalog", "system", "temp")


def validate_category(category: str) -> str:
    """Letters, digits and underscore only, so a category can never name a path outside data/."""
    if not isinstance(category, str) or not _CATEGORY.fullmatch(category):
        raise ValueError(f"invalid category {category!r}: use letters, digits and underscore only (e.g. Video_Games)")
    return category


def validate_category_schema(category: str, catalogs: Iterable[str]) -> str:
    """A category is also the schema of its tables in the warehouse: refuse one that DuckDB would confuse with a
    catalog of this connection (`catalogs`: the warehouse file's own name, office.duckdb -> office, and any attached)
    or with DuckDB's own names, before any model runs into the ambiguity."""
    validate_category(category)
    name = category.lower()
    if name in DUCKDB_NAMES:
        raise ValueError(
            f"category {category!r} cannot name a warehouse schema: DuckDB uses {name!r} itself "
            f"({', '.join(DUCKDB_NAMES)}, in any case); rename the category"
        )
    if name in {c.lower() for c in catalogs}:
        raise ValueError(
            f"category {category!r} collides with the warehouse's catalog {name!r} (DuckDB names a catalog after "
            f"its file, in any case): every {category}.<table> would be ambiguous; point SID_WAREHOUSE at a file "
            f"with another name (e.g. warehouse.duckdb)"
        )
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
