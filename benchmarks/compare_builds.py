"""Compare every output table of two warehouses (e.g. a build before and after a refactor), content only.

    python benchmarks/compare_builds.py OLD.duckdb NEW.duckdb --category sample --rename rejects=prep_rejects ...

A table matches when both hold the same multiset of rows (order-free: rows are hashed and the hashes summed per
table). `--ignore-columns table:col,col` leaves columns out of the comparison (e.g. the collision index).
Prints one line per table: same / DIFFERENT (row counts) / missing.
"""

from __future__ import annotations

import sys

import click
import duckdb


def table_digest(con: duckdb.DuckDBPyConnection, table: str, ignore: set[str]) -> tuple[int, int]:
    columns = [r[0] for r in con.execute(f"describe {table}").fetchall() if r[0] not in ignore]
    cols = ", ".join(f'"{c}"' for c in sorted(columns))
    return con.execute(f"select count(*), coalesce(sum(hash(({cols}))::hugeint), 0) from {table}").fetchall()[0]


@click.command()
@click.argument("old", type=click.Path(exists=True, dir_okay=False))
@click.argument("new", type=click.Path(exists=True, dir_okay=False))
@click.option("--category", default="sample", show_default=True, help="Schema to compare.")
@click.option("--rename", multiple=True, help="OLD_NAME=NEW_NAME for a table renamed between the two builds.")
@click.option(
    "--ignore-columns", multiple=True, help="NEW_TABLE:col1,col2 columns to leave out of a table's comparison."
)
@click.option("--skip", multiple=True, help="Tables (new names) not to compare.")
def main(
    old: str, new: str, category: str, rename: tuple[str, ...], ignore_columns: tuple[str, ...], skip: tuple[str, ...]
) -> None:
    """Compare the tables of schema CATEGORY in OLD and NEW."""
    renames = dict(r.split("=", 1) for r in rename)
    ignores = {t: set(c.split(",")) for t, c in (i.split(":", 1) for i in ignore_columns)}
    con = duckdb.connect()
    con.execute(f"attach '{old}' as old (read_only)")
    con.execute(f"attach '{new}' as new (read_only)")
    names = lambda db: {
        r[0]
        for r in con.execute(  # noqa: E731
            f"select table_name from duckdb_tables() where database_name = '{db}' and schema_name = '{category}'"
        ).fetchall()
    }
    old_tables, new_tables = names("old"), names("new")
    different = 0
    for old_name in sorted(old_tables):
        new_name = renames.get(old_name, old_name)
        if new_name in skip:
            continue
        if new_name not in new_tables:
            print(f"{old_name:40s} missing in new (as {new_name})")
            different += 1
            continue
        ignore = ignores.get(new_name, set())
        a = table_digest(con, f'old."{category}"."{old_name}"', ignore)
        b = table_digest(con, f'new."{category}"."{new_name}"', ignore)
        status = "same" if a == b else f"DIFFERENT ({a[0]} vs {b[0]} rows)"
        different += a != b
        print(f"{old_name:40s} -> {new_name:40s} {status}" + (f"  (ignoring {sorted(ignore)})" if ignore else ""))
    for extra in sorted(new_tables - {renames.get(t, t) for t in old_tables}):
        print(f"{'':40s}    {extra:40s} new table")
    sys.exit(1 if different else 0)


if __name__ == "__main__":
    main()
