"""Registers the UDFs on a DuckDB connection (used by the dbt plugin and by tests)."""

from __future__ import annotations

import duckdb
from duckdb import list_type
from duckdb.sqltypes import BIGINT, VARCHAR

from udfs import functions


def register_all(conn: duckdb.DuckDBPyConnection) -> None:
    conn.create_function("check_run_vars", functions.check_run_vars, [VARCHAR], VARCHAR, side_effects=True)
    conn.create_function("ensure_dir", functions.ensure_dir, [VARCHAR], VARCHAR, side_effects=True)
    conn.create_function("require_file", functions.require_file, [VARCHAR, VARCHAR], VARCHAR, side_effects=True)
    conn.create_function(
        "validate_category",
        functions.validate_category_schema,
        [VARCHAR, list_type(VARCHAR)],
        VARCHAR,
        side_effects=True,
    )
    conn.create_function("count_raw_lines", functions.count_raw_lines, [VARCHAR], BIGINT, side_effects=True)
    conn.create_function("strip_tags", functions.strip_tags, [VARCHAR], VARCHAR, null_handling="special")
