"""Where a category's files live, and the one rule for category names."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
    """Where a category's files live: `<root>/<category>/` for the raw files, the outputs, the caches and the model
    registry. The raw and output roots are the dbt vars `raw_dir` and `out_dir`, which the SQL side reads too
    (sources in models/01_prepare/staging/_prepare__sources.yml, macros/paths.sql); `from_vars` gives the paths of
    a run with given vars, and tests/unit/test_paths.py checks that dbt compiles the same paths. Without the roots,
    everything lives under `data_dir` (data/raw, data/output: the vars' defaults)."""

    category: str
    data_dir: Path = Path("data")  # cache/ and registry/ (and raw/, output/ unless their roots are given)
    raw_root: Path | None = None  # the var raw_dir
    out_root: Path | None = None  # the var out_dir

    def __post_init__(self) -> None:
        validate_category(self.category)

    @classmethod
    def from_vars(cls, dbt_vars: Mapping[str, Any], data_dir: Path | str = Path("data")) -> CategoryPaths:
        """The paths of a dbt run with these vars (`category`, `raw_dir`, `out_dir`; e.g. a settings model's dump)."""
        return cls(dbt_vars["category"], Path(data_dir), Path(dbt_vars["raw_dir"]), Path(dbt_vars["out_dir"]))

    @property
    def raw_dir(self) -> Path:
        return (self.raw_root or self.data_dir / "raw") / self.category

    @property
    def out_dir(self) -> Path:
        return (self.out_root or self.data_dir / "output") / self.category

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
