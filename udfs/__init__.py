"""DuckDB UDFs, registered into every dbt connection by the dbt-duckdb plugin named in profiles.yml.

Any model, hook or unit test can call them like built-ins. Kept small: each UDF wraps a pure function
from ``udfs.functions`` so the logic is unit-testable without DuckDB.
"""

from __future__ import annotations

from dbt.adapters.duckdb.plugins import BasePlugin

from udfs.registry import register_all


class Plugin(BasePlugin):
    def configure_connection(self, conn):
        register_all(conn)
