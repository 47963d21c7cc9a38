"""Replay the SQL of one dbt run from its debug log, one statement at a time, and print each statement's CPU.

    python benchmarks/replay_dbt_log.py LOGS/dbt.log WAREHOUSE_DIR/<catalog>.duckdb [--threads 2]

What dbt's own per-model times cannot say: how a model's time splits between its query, its hooks (the parquet
export) and its commit (the checkpoint that compresses what it wrote), and how much of a run's CPU is DuckDB at all
(the rest is dbt itself). Each node gets its own cursor, so the transactions interleave as they did in dbt, but the
statements run one after another (no two models at once). Use a log of a single run (a fresh --log-path: dbt
appends to dbt.log) and a warehouse file named like the run's catalog (bench.duckdb for bench_stage01.py's runs);
the file is replaced.
"""

from __future__ import annotations

import re
import resource
import time
from pathlib import Path

import click
import duckdb

from udfs.registry import register_all

HEADER = re.compile(r"^\S*\d\d:\d\d:\d\d\.\d+ \[debug\] \[[^\]]*\]: On ([^:]+): (.*)$")
LOG_LINE = re.compile(r"^\S*\d\d:\d\d:\d\d\.\d+ \[")


def statements(log: Path) -> list[tuple[str, str]]:
    """(node, SQL) in the order dbt ran them; BEGIN / COMMIT kept, Close / ROLLBACK dropped."""
    found, node, lines = [], None, []
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines() + ["00:00:00.0 ["]:
        match = HEADER.match(line)
        if node is not None and (match or LOG_LINE.match(line)):
            sql = "\n".join(lines).strip()
            if sql and sql not in ("Close", "ROLLBACK"):
                found.append((node, sql))
            node = None
        if match:
            node, rest = match.groups()
            lines = [] if rest.startswith("/*") else [rest]  # a query's comment header, or BEGIN / COMMIT
        elif node is not None:
            lines.append(line)
    return found


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@click.command()
@click.argument("log", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("warehouse", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--threads", type=int, default=2, show_default=True, help="DuckDB threads (the profile's machine).")
@click.option("--min-cpu", type=float, default=0.05, show_default=True, help="Print statements above this CPU.")
def main(log: Path, warehouse: Path, threads: int, min_cpu: float) -> None:
    for path in (warehouse, warehouse.with_name(warehouse.name + ".wal")):
        path.unlink(missing_ok=True)
    con = duckdb.connect(str(warehouse), config={"threads": threads})
    register_all(con)
    cursors, per_node = {}, {}
    for node, sql in statements(log):
        cursor = cursors.setdefault(node, con.cursor())
        started, wall = cpu_seconds(), time.time()
        try:
            cursor.execute({"BEGIN": "begin transaction", "COMMIT": "commit"}.get(sql, sql))
        except duckdb.Error as exc:  # e.g. dbt's metadata queries on its own connections
            if "no transaction is active" not in str(exc):
                print(f"failed: {node}: {str(exc)[:150]}")
            continue
        spent = cpu_seconds() - started
        per_node[node] = per_node.get(node, 0.0) + spent
        if spent >= min_cpu:
            print(
                f"{spent:6.2f} s CPU {time.time() - wall:6.2f} s wall  {node.split('.')[-1]:32s} {' '.join(sql.split())[:90]}"
            )
    print("per node, CPU s:")
    for node, spent in sorted(per_node.items(), key=lambda item: -item[1]):
        if spent >= 0.02:
            print(f"{spent:6.2f}  {node}")
    print(f"{sum(per_node.values()):6.2f}  all statements")


if __name__ == "__main__":
    main()
