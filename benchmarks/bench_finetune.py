"""Benchmark stage 4 (notebook 08): expand the fine-tuning conversations in SQL and write JSONL + parquet.

Stage 4 needs stages 1-3 of the category in the warehouse. With --prepare, full-scale data is generated with the
project's generator (`python -m python_jobs sample --preset full`: 137k meta rows, ~66k items, ~79k users) and
stages 1-3 are built offline first (slow on CPU: embeddings of every item, quantizer training). Then, timed with
/usr/bin/time (wall time, peak RSS of the dbt process, which runs DuckDB in-process):

  run    `dbt run --select tag:stage_04`     expand, de-duplicate, write JSONL + parquet, stats and leak check
  build  `dbt build --select tag:stage_04`   the same plus the seed and every stage-4 dbt test

Embedding ~66k items with MiniLM takes long on a busy 2-core machine. --stand-in-codes builds stages 1-2 only and
replaces the quantizer's output (`int_item_codes`) by md5-derived codes (uniform over 256 codes per level, about what a
well-used codebook gives), then builds the real stage-3 SQL models (semantic_ids, sequences_*) on them: the same
table sizes for stage 4, IDs without meaning. Stage 4's cost does not depend on what the IDs mean.

    python benchmarks/bench_finetune.py --prepare --category Synthetic --warehouse data/bench_synthetic.duckdb
    python benchmarks/bench_finetune.py --category Synthetic --warehouse data/bench_synthetic.duckdb --json /tmp/ft.json
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


def timed(command: list[str], env: dict) -> tuple[float, float]:
    """Wall seconds and peak RSS (GB) of one command run to completion (its output is not shown)."""
    with tempfile.NamedTemporaryFile("r") as stats, tempfile.TemporaryFile("w+") as log:
        done = subprocess.run(
            ["/usr/bin/time", "-f", "%e %M", "-o", stats.name, *command],
            check=False,
            cwd=REPO,
            env={**os.environ, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        if done.returncode != 0:
            log.seek(0)
            raise SystemExit(f"failed: {' '.join(command)}\n{log.read()[-4000:]}")
        wall, rss_kb = stats.read().split()[-2:]
    return float(wall), int(rss_kb) / 1024 / 1024


def node_seconds(target: Path) -> dict[str, float]:
    results = json.loads((target / "run_results.json").read_text())["results"]
    return {r["unique_id"].split(".")[-1]: round(r["execution_time"], 2) for r in results}


def write_stand_in_codes(warehouse: Path, category: str) -> None:
    """`int_item_codes` with 3 md5-derived codes per item in 0..255 and an empty `int_sid_assignment` (sid_mode
    fresh): the quantizer's and the ID ledger's Python models, replaced (a benchmark shortcut, see the docstring)."""
    with duckdb.connect(str(warehouse)) as con:
        con.execute(f"""
            create or replace table {category}.int_item_codes as
            select parent_asin,
                   (h % 256)::integer as sid_0, ((h >> 8) % 256)::integer as sid_1, ((h >> 16) % 256)::integer as sid_2,
                   'stand-in-md5' as quantizer, 'stand-in' as model_id, 'stand-in' as model_fingerprint
            from (select parent_asin, md5_number(parent_asin) as h from {category}.items_enriched)
            order by parent_asin""")
        con.execute(f"""
            create or replace table {category}.int_sid_assignment (
                parent_asin varchar, sid_0 integer, sid_1 integer, sid_2 integer, sid_3 integer)""")


# the stage-3 SQL models over the stand-in codes, by path: a bare "semantic_ids" would select the whole project
# (it is also the project's name)
STAGE3_SQL = [
    "intermediate/int_user_split",
    "intermediate/int_item_popularity",
    "outputs/semantic_ids",
    "outputs/sequences_sid",
    "outputs/sequences_train",
    "outputs/sequences_val",
]


@click.command()
@click.option("--category", default="Synthetic", show_default=True)
@click.option(
    "--warehouse",
    type=click.Path(path_type=Path),
    default=Path("data/bench_synthetic.duckdb"),
    show_default=True,
    help="DuckDB file holding stages 1-3 of the category (SID_WAREHOUSE).",
)
@click.option("--prepare", is_flag=True, help="Generate the full preset and build stages 1-3 when missing.")
@click.option(
    "--quantizer",
    type=click.Choice(["rqvae", "rqkmeans"]),
    default="rqvae",
    show_default=True,
    help="Quantizer for --prepare.",
)
@click.option("--stand-in-codes", is_flag=True, help="With --prepare: md5 codes instead of embeddings + quantizer.")
@click.option("--modes", default="run,build", show_default=True, help="Which timings: run, build or both.")
@click.option("--json", "json_path", type=click.Path(path_type=Path), help="Also write the figures here.")
def main(
    category: str,
    warehouse: Path,
    prepare: bool,
    quantizer: str,
    stand_in_codes: bool,
    modes: str,
    json_path: Path | None,
) -> None:
    warehouse = warehouse.resolve()
    env = {"SID_WAREHOUSE": str(warehouse), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "WANDB_MODE": "disabled"}
    dbt_vars = json.dumps({"category": category, "enrich_provider": "offline", "quantizer": quantizer})
    if prepare:
        if not (REPO / "data" / "raw" / category / f"meta_{category}.jsonl.gz").exists():
            subprocess.run(
                [str(BIN / "python"), "-m", "python_jobs", "sample", "--category", category, "--preset", "full"],
                cwd=REPO,
                check=True,
            )
        if stand_in_codes:
            wall, rss = timed(
                [str(BIN / "dbt"), "run", "--select", "tag:stage_01", "tag:stage_02", "--vars", dbt_vars], env
            )
            print(f"stages 1-2: {wall:.0f} s, peak {rss:.2f} GB")
            write_stand_in_codes(warehouse, category)
            models = [f"path:models/03_semantic_ids/{m}.sql" for m in STAGE3_SQL]
            wall, rss = timed([str(BIN / "dbt"), "run", "--select", *models, "--vars", dbt_vars], env)
            print(f"stage 3 SQL on stand-in codes: {wall:.0f} s, peak {rss:.2f} GB")
        else:
            wall, rss = timed([str(BIN / "dbt"), "build", "--exclude", "tag:stage_04", "--vars", dbt_vars], env)
            print(f"stages 1-3: {wall:.0f} s, peak {rss:.2f} GB")
        # stage 4's seed (its task templates): `dbt run` does not load seeds
        timed([str(BIN / "dbt"), "seed", "--vars", dbt_vars], env)

    figures: dict = {"category": category}
    target = Path(tempfile.mkdtemp(prefix="bench_finetune_target_"))
    for mode in [m.strip() for m in modes.split(",") if m.strip()]:
        wall, rss = timed(
            [str(BIN / "dbt"), mode, "--select", "tag:stage_04", "--vars", dbt_vars, "--target-path", str(target)], env
        )
        figures[mode] = {"wall_s": wall, "peak_rss_gb": round(rss, 2), "node_seconds": node_seconds(target)}

    with duckdb.connect(str(warehouse), read_only=True) as con:

        def one(sql: str):
            return con.execute(sql).fetchone()

        figures["items"], figures["train_users"], figures["val_users"] = one(f"""
            select (select count(*) from {category}.semantic_ids), (select count(*) from {category}.sequences_train),
                   (select count(*) from {category}.sequences_val)""")
        figures["rendered_rows"], figures["records"] = one(
            f"select rendered, records from {category}.finetune_stats where split = '(all)'"
        )
        figures["per_task"] = [
            dict(
                zip(
                    [
                        "split",
                        "type",
                        "task",
                        "records",
                        "rendered",
                        "duplicates_removed",
                        "dropped_heldout_item_text",
                        "repeats_of_train",
                    ],
                    row,
                    strict=True,
                )
            )
            for row in con.execute(f"""
            select split, type, task, records, rendered, duplicates_removed, dropped_heldout_item_text, repeats_of_train
            from {category}.finetune_stats where type <> '(all)' order by split, type, task""").fetchall()
        ]
        figures["leak_violations"] = one(f"select sum(violations) from {category}.finetune_leak_check")[0]
    folder = REPO / "data" / "output" / category / "finetune"
    figures["files_mb"] = {p.name: round(p.stat().st_size / 1e6, 1) for p in sorted(folder.iterdir())}

    print(
        f"{category}: {figures['items']:,} items, {figures['train_users']:,} train / {figures['val_users']:,} val users"
    )
    print(f"rendered {figures['rendered_rows']:,} rows -> {figures['records']:,} records")
    for mode in ["run", "build"]:
        if mode in figures:
            f = figures[mode]
            print(
                f"dbt {mode:5s} tag:stage_04: {f['wall_s']:6.1f} s wall, peak RSS {f['peak_rss_gb']:.2f} GB, "
                f"{figures['rendered_rows'] / f['wall_s']:,.0f} rendered rows/s, "
                f"{figures['records'] / f['wall_s']:,.0f} records/s"
            )
            slow = sorted(f["node_seconds"].items(), key=lambda kv: -kv[1])[:8]
            print("   slowest nodes: " + ", ".join(f"{k} {v}s" for k, v in slow))
    print("files (MB): " + ", ".join(f"{k} {v}" for k, v in figures["files_mb"].items()))
    print(
        f"{'split':8s} {'type':4s} {'task':30s} {'records':>10s} {'rendered':>10s} {'dups':>9s} {'heldout':>8s} {'rep':>7s}"
    )
    for row in figures["per_task"]:
        print(
            f"{row['split']:8s} {row['type']:4s} {row['task']:30s} {row['records']:10,d} {row['rendered']:10,d} "
            f"{row['duplicates_removed']:9,d} {row['dropped_heldout_item_text']:8,d} {row['repeats_of_train']:7,d}"
        )
    print(f"leak-check violations: {figures['leak_violations']}")
    if json_path:
        json_path.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
