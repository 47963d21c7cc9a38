"""Benchmark stage 1 (notebook 01): the dbt stage vs a polars and a plain DuckDB implementation.

Generates full-scale data (137,269 meta rows, 736,827 interactions) with the project's own generator if it is
not there, then runs each implementation in its own process under /usr/bin/time (wall time, peak RSS).

A time is printed only for an implementation whose items and sequences equal dbt's, value by value (checked on a
first, untimed run): a script that skips work the models do (type rules, dedup before the filters, tie-breaks)
would otherwise look faster for the wrong reason. One that differs or fails is reported as such, without a time.

    python benchmarks/bench_stage01.py [--preset full|10x] [--raw-dir /tmp/bench_raw] [--repeat 3]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import click
import duckdb

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def timed(command: list[str], env: dict | None = None) -> tuple[float, float]:
    """Wall seconds and peak RSS (GB) of one command run to completion."""
    with tempfile.NamedTemporaryFile("r") as stats:
        subprocess.run(
            ["/usr/bin/time", "-f", "%e %M", "-o", stats.name, *command],
            cwd=REPO,
            check=True,
            env={**os.environ, **(env or {})},
            stdout=subprocess.DEVNULL,
        )
        wall, rss_kb = stats.read().split()
    return float(wall), int(rss_kb) / 1024 / 1024


ITEM_COLUMNS = (
    "parent_asin, title, description_text, features_text, categories_text, main_category, store, "
    "average_rating, rating_number, price"
)
SEQUENCE_COLUMNS = "user_id, sequence, sequence_length"


def differences(reference: Path, candidate: Path) -> dict[str, int]:
    """Rows of items / sequences in one output and not in the other (both directions), over the shared columns."""
    con = duckdb.connect()
    found = {}
    for name, columns in (("items", ITEM_COLUMNS), ("sequences", SEQUENCE_COLUMNS)):
        a, b = f"'{reference / name}.parquet'", f"'{candidate / name}.parquet'"
        found[name] = con.execute(
            f"select count(*) from ((select {columns} from {a} except all select {columns} from {b}) "
            f"union all (select {columns} from {b} except all select {columns} from {a}))"
        ).fetchone()[0]
    return found


@click.command()
@click.option(
    "--preset",
    type=click.Choice(["full", "10x"]),
    default="full",
    show_default=True,
    help="Generator preset to benchmark on.",
)
@click.option(
    "--raw-dir",
    type=click.Path(path_type=Path),
    default=Path("/tmp/bench_raw"),
    show_default=True,
    help="Where the generated raw files live (generated when missing).",
)
@click.option("--repeat", type=int, default=3, show_default=True, help="Runs per implementation (best is reported).")
@click.option(
    "--skip",
    multiple=True,
    type=click.Choice(["dbt", "dbt-build", "polars", "duckdb"]),
    help="Implementations to skip.",
)
def main(preset: str, raw_dir: Path, repeat: int, skip: tuple[str, ...]) -> None:
    category = f"bench_{preset.replace('10x', 'x10')}"
    if not (raw_dir / category / f"meta_{category}.jsonl.gz").exists():
        subprocess.run(
            [
                str(BIN / "python"),
                "-m",
                "python_jobs",
                "sample",
                "--category",
                category,
                "--preset",
                preset,
                "--raw-dir",
                str(raw_dir),
            ],
            cwd=REPO,
            check=True,
        )
    work = Path(tempfile.mkdtemp(prefix="bench_stage01_"))
    dbt_args = [
        "--select",
        "tag:stage_01",
        "--indirect-selection",
        "cautious",
        "--vars",
        json.dumps({"category": category, "raw_dir": str(raw_dir), "out_dir": str(work / "dbt_out")}),
        "--target-path",
        str(work / "target"),
        "--log-path",
        str(work / "logs"),
    ]
    dbt_env = {"SID_WAREHOUSE": str(work / "bench.duckdb"), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    reference = work / "dbt_out" / category
    runs = {
        "dbt": ("dbt run, stage-1 models (start-up included)", [str(BIN / "dbt"), "run", *dbt_args], dbt_env, None),
        "dbt-build": (
            "dbt build, stage-1 models + their tests",
            [str(BIN / "dbt"), "build", *dbt_args],
            dbt_env,
            None,
        ),
        "polars": (
            "polars script",
            [str(BIN / "python"), "benchmarks/stage01_polars.py", str(raw_dir), category, str(work / "pl")],
            None,
            work / "pl",
        ),
        "duckdb": (
            "plain DuckDB script",
            [str(BIN / "python"), "benchmarks/stage01_duckdb.py", str(raw_dir), category, str(work / "db")],
            None,
            work / "db",
        ),
    }
    # dbt's outputs are the reference every other implementation must reproduce
    timed(runs["dbt"][1], runs["dbt"][2])
    print(f"preset={preset} raw={raw_dir / category} cores={os.cpu_count()} load={os.getloadavg()[0]:.2f}")
    print(f"{'implementation':48s} {'best wall s':>12s} {'peak RSS GB':>12s}")
    for key, (name, command, env, out) in runs.items():
        if key in skip:
            continue
        if out is not None:
            try:
                timed(command, env)
            except subprocess.CalledProcessError as exc:
                print(f"{name:48s} failed on this data (exit {exc.returncode}): no time", flush=True)
                continue
            diff = differences(reference, out)
            if any(diff.values()):
                print(f"{name:48s} differs from dbt ({diff} rows): no time", flush=True)
                continue
        results = [timed(command, env) for _ in range(repeat)]
        print(f"{name:48s} {min(r[0] for r in results):12.2f} {max(r[1] for r in results):12.2f}", flush=True)


if __name__ == "__main__":
    main()
