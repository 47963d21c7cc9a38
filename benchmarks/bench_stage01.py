"""Benchmark stage 1 (notebook 01): the dbt stage vs the notebook's logic in polars vs a plain DuckDB script.

    python benchmarks/bench_stage01.py [--preset full|10x] [--raw-dir /tmp/bench_raw] [--repeat 3] [--skip polars]

Generates the preset with the project's own generator if it is not there (full: 137,269 meta rows, 736,827
interactions; 10x: ten times that), then runs each implementation in its own process under /usr/bin/time. The runs
are interleaved (dbt, polars, duckdb, dbt, ...) so that whatever else the machine does weighs on all three alike.
Printed side by side: the median wall time over --repeat runs, the median CPU time (user + system; less sensitive
than the wall to other work on the machine), the peak RSS, the 1-minute load average, and the row counts.

- dbt: `dbt run --select tag:stage_01` (start-up included) into a fresh warehouse each run; one untimed run first
  (it fills dbt's partial-parse cache, as on any machine that has run dbt before, and the OS file cache).
- polars: benchmarks/stage01_polars.py, the notebook's logic with the models' rules.
- duckdb: benchmarks/stage01_duckdb.py, one plain in-memory DuckDB pass (no rejects, no tests, no warehouse).

A time is printed only for an implementation whose items and sequences equal dbt's, value by value: a script that
skips work the models do (type rules, dedup before the filters, tie-breaks) would otherwise look faster for the
wrong reason. One that differs or fails is reported as such, without a time.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import click
import duckdb

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


@dataclass
class Run:
    wall: float
    cpu: float  # user + system seconds
    rss_gb: float
    load: float


@dataclass
class Implementation:
    key: str
    name: str
    command: list[str]
    out: Path
    env: dict = field(default_factory=dict)
    fresh: list[Path] = field(default_factory=list)  # removed before each run
    runs: list[Run] = field(default_factory=list)
    error: str = ""


def timed(command: list[str], env: dict | None = None) -> Run:
    """Wall and CPU seconds, peak RSS (GB) and the 1-minute load average at the end of one command run."""
    with tempfile.NamedTemporaryFile("r") as stats:
        subprocess.run(
            ["/usr/bin/time", "-f", "%e %M %U %S", "-o", stats.name, *command],
            cwd=REPO,
            check=True,
            env={**os.environ, **(env or {})},
            stdout=subprocess.DEVNULL,
        )
        wall, rss_kb, user, system = stats.read().split()[-4:]
    return Run(float(wall), float(user) + float(system), int(rss_kb) / 1024 / 1024, os.getloadavg()[0])


ITEM_COLUMNS = (
    "parent_asin, title, description_text, features_text, categories_text, main_category, store, "
    "average_rating, rating_number, price"
)
SEQUENCE_COLUMNS = "user_id, sequence, sequence_length"


def row_counts(out: Path) -> tuple[int, int]:
    con = duckdb.connect()
    return tuple(
        con.execute(f"select count(*) from '{out / name}.parquet'").fetchone()[0] for name in ("items", "sequences")
    )


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


def dbt_model_times(target: Path, top: int = 6) -> str:
    """dbt's own per-model execution times of its last run, slowest first."""
    results = json.loads((target / "run_results.json").read_text())["results"]
    models = sorted(
        (r for r in results if r["unique_id"].startswith("model.")), key=lambda r: r["execution_time"], reverse=True
    )
    return ", ".join(f"{r['unique_id'].split('.')[-1]} {r['execution_time']:.1f} s" for r in models[:top])


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
@click.option("--repeat", type=int, default=3, show_default=True, help="Timed runs per implementation (median shown).")
@click.option(
    "--skip",
    multiple=True,
    type=click.Choice(["dbt", "polars", "duckdb"]),
    help="Implementations to skip (dbt's untimed reference run still happens).",
)
def main(preset: str, raw_dir: Path, repeat: int, skip: tuple[str, ...]) -> None:
    category = f"bench_{preset.replace('10x', 'x10')}"
    if not (raw_dir / category / f"meta_{category}.jsonl.gz").exists():
        subprocess.run(
            [str(BIN / "python"), "-m", "python_jobs", "sample", "--category", category, "--preset", preset,
             "--raw-dir", str(raw_dir)],
            cwd=REPO,
            check=True,
        )  # fmt: skip
    work = Path(tempfile.mkdtemp(prefix="bench_stage01_"))
    dbt_out = work / "dbt_out"
    dbt = Implementation(
        "dbt",
        "dbt run --select tag:stage_01 (start-up included)",
        [
            str(BIN / "dbt"),
            "run",
            "--select",
            "tag:stage_01",
            "--vars",
            json.dumps({"category": category, "raw_dir": str(raw_dir), "out_dir": str(dbt_out)}),
            "--target-path",
            str(work / "target"),
            "--log-path",
            str(work / "logs"),
        ],  # fmt: skip
        dbt_out / category,
        env={"SID_WAREHOUSE": str(work / "bench.duckdb"), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"},
        fresh=[work / "bench.duckdb", work / "bench.duckdb.wal", dbt_out],
    )
    implementations = [
        dbt,
        Implementation(
            "polars",
            "polars: the notebook's logic (stage01_polars.py)",
            [str(BIN / "python"), "benchmarks/stage01_polars.py", str(raw_dir), category, str(work / "pl")],
            work / "pl",
        ),
        Implementation(
            "duckdb",
            "plain DuckDB script (stage01_duckdb.py)",
            [str(BIN / "python"), "benchmarks/stage01_duckdb.py", str(raw_dir), category, str(work / "db")],
            work / "db",
        ),
    ]

    def run_once(impl: Implementation) -> Run:
        for path in impl.fresh:
            shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)
        return timed(impl.command, impl.env)

    run_once(dbt)  # untimed: partial-parse cache, file cache, and the reference outputs
    timed_ones = [impl for impl in implementations if impl.key not in skip]
    for _ in range(repeat):
        for impl in timed_ones:
            if impl.error:
                continue
            try:
                impl.runs.append(run_once(impl))
            except subprocess.CalledProcessError as exc:
                impl.error = f"failed on this data (exit {exc.returncode})"

    print(
        f"stage 1 on preset {preset} ({raw_dir / category}), {os.cpu_count()} cores, "
        f"median of {repeat} interleaved runs"
    )
    header = (
        f"{'implementation':50s} {'wall s':>7s} {'runs s':>17s} {'CPU s':>6s} {'peak RSS GB':>11s} {'load':>5s} {'items':>9s} "
        f"{'sequences':>10s}  outputs"
    )
    print(header)
    print("-" * len(header))
    for impl in timed_ones:
        if impl.error:
            print(f"{impl.name:50s} {impl.error}")
            continue
        items, sequences = row_counts(impl.out)
        if impl is dbt:
            agreement = "reference"
        else:
            diff = differences(dbt.out, impl.out)
            agreement = "= dbt's" if not any(diff.values()) else f"DIFFER from dbt's {diff}: no time"
        if agreement.startswith("DIFFER"):
            print(
                f"{impl.name:50s} {'-':>7s} {'':>17s} {'':>6s} {'':>11s} {'':>5s} {items:9,d} {sequences:10,d}  {agreement}"
            )
            continue
        walls = [r.wall for r in impl.runs]
        print(
            f"{impl.name:50s} {statistics.median(walls):7.2f} {'/'.join(f'{w:.1f}' for w in walls):>17s} "
            f"{statistics.median(r.cpu for r in impl.runs):6.1f} "
            f"{max(r.rss_gb for r in impl.runs):11.2f} {statistics.median(r.load for r in impl.runs):5.2f} "
            f"{items:9,d} {sequences:10,d}  {agreement}"
        )
    print(f"dbt's own model times (last run): {dbt_model_times(work / 'target')}")


if __name__ == "__main__":
    main()
