"""Read access to one category's output tables (the parquet files `dbt build` writes), for the report."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb


@dataclass
class OutputTables:
    """The parquet outputs in `directory`, queried with DuckDB by table name (no warehouse lock needed)."""

    directory: Path
    _con: duckdb.DuckDBPyConnection = field(default_factory=duckdb.connect, init=False, repr=False)

    def path(self, name: str) -> Path:
        return self.directory / f"{name}.parquet"

    def has(self, *names: str) -> bool:
        return all(self.path(name).is_file() for name in names)

    def missing(self, *names: str) -> list[str]:
        return [name for name in names if not self.path(name).is_file()]

    def rows(self, sql: str, **params: Any) -> list[dict[str, Any]]:
        """Run `sql`, where `{name}` stands for the table `name`, and return the rows as dicts."""
        names = set(_placeholders(sql))
        relation = self._con.execute(sql.format(**{n: f"read_parquet('{self.path(n)}')" for n in names}), params)
        columns = [d[0] for d in relation.description]
        return [dict(zip(columns, row)) for row in relation.fetchall()]

    def table(self, name: str, order_by: str = "") -> list[dict[str, Any]]:
        return self.rows(f"select * from {{{name}}}" + (f" order by {order_by}" if order_by else ""))

    def one(self, name: str) -> dict[str, Any] | None:
        """The first row of a one-row table (a summary), or None when it is empty."""
        found = self.rows(f"select * from {{{name}}} limit 1")
        return found[0] if found else None


def _placeholders(sql: str) -> list[str]:
    import string

    return [field_name for _, field_name, _, _ in string.Formatter().parse(sql) if field_name]
