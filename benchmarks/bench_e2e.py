"""A whole category from raw files, stage by stage: wall time and peak memory of each `dbt build --select tag:stage_0N`.

    python benchmarks/bench_e2e.py --category Synthetic --preset full            # the issue-19 benchmark (hours on 2 cores)
    python benchmarks/bench_e2e.py --category e2e_small --preset small           # the same on the committed sample's size
    python benchmarks/bench_e2e.py --category Industrial --raw-dir ../shared/data --var enrich_provider=offline

Generates the raw files first when RAW_DIR/CATEGORY/ has none (`python -m python_jobs sample --preset P`, timed as
its own row). Each stage is one `dbt build` (models and their tests) in a fresh process, started through a small
wrapper that reports its children's peak RSS, so every row's memory is that stage's process alone. Models already
in the registry are loaded, not trained: pass --var rec_registry_dir=/tmp/fresh (and sid_registry_dir) for a cold
run. Writes benchmarks/results/e2e_<category>.{md,csv,png} (table + a bar chart of minutes per stage). Not a test:
the numbers depend on the machine and its load.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import time
from pathlib import Path

import click

REPO = Path(__file__).resolve().parents[1]
STAGES = ("stage_01", "stage_02", "stage_03", "stage_04", "stage_05")
# runs COMMAND, then prints the peak RSS (KiB) of the process tree it waited for: ru_maxrss of RUSAGE_CHILDREN is
# the largest terminated child, and this wrapper's own small peak is what a fork carries over into the child
PEAK_WRAPPER = (
    "import resource, subprocess, sys; code = subprocess.run(sys.argv[1:]).returncode; "
    "print(f'PEAK_KIB={resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}', file=sys.stderr); sys.exit(code)"
)


def timed(command: list[str], log: Path) -> tuple[float, float]:
    """Run COMMAND (output to LOG); (wall seconds, peak RSS MiB). A failure stops the benchmark with the log's tail."""
    started = time.perf_counter()
    with log.open("w") as out:
        done = subprocess.run(
            [sys.executable, "-c", PEAK_WRAPPER, *command], cwd=REPO, stdout=out, stderr=subprocess.PIPE, text=True
        )
    seconds = time.perf_counter() - started
    peak = [line for line in done.stderr.splitlines() if line.startswith("PEAK_KIB=")]
    if done.returncode or not peak:
        tail = log.read_text()[-3000:] + done.stderr[-2000:]
        raise click.ClickException(f"failed ({done.returncode}): {' '.join(command)}\n{tail}")
    return seconds, int(peak[-1].removeprefix("PEAK_KIB=")) / 1024


def write(rows: list[dict], out: Path, title: str) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.with_suffix(".csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, ["step", "seconds", "peak_mib"])
        writer.writeheader()
        writer.writerows(rows)
    total = sum(r["seconds"] for r in rows)
    lines = [f"### {title}", "", "| step | wall | peak RSS |", "|---|---|---|"]
    lines += [f"| {r['step']} | {r['seconds'] / 60:.1f} min | {r['peak_mib']:,.0f} MiB |" for r in rows]
    lines.append(f"| **total** | **{total / 60:.1f} min** | {max(r['peak_mib'] for r in rows):,.0f} MiB |")
    out.with_suffix(".md").write_text("\n".join(lines) + "\n")

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 0.5 + 0.45 * len(rows)))
    ax.barh([r["step"] for r in rows][::-1], [r["seconds"] / 60 for r in rows][::-1], color="#4c72b0")
    ax.set_xlabel("minutes (wall)")
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(out.with_suffix(".png"), dpi=120)
    plt.close(fig)


@click.command()
@click.option("--category", default="Synthetic", show_default=True, help="Category to build (its warehouse schema).")
@click.option(
    "--preset",
    type=click.Choice(["small", "full", "10x"]),
    default="full",
    show_default=True,
    help="Generator preset used when RAW_DIR/CATEGORY/ has no raw files yet.",
)
@click.option("--raw-dir", default="data/raw", show_default=True, help="Where the raw files are (or are generated).")
@click.option("--var", "dbt_var", multiple=True, help="Extra dbt var KEY=VALUE (a YAML value) for every stage.")
@click.option(
    "--stage", "stages", multiple=True, type=click.Choice(STAGES), default=STAGES, show_default=True, help="Stages."
)
@click.option("--out", type=click.Path(path_type=Path), default=None, help="Default benchmarks/results/e2e_<category>.")
def main(category: str, preset: str, raw_dir: str, dbt_var: tuple[str, ...], stages: tuple[str, ...], out) -> None:
    import yaml

    out = out or REPO / "benchmarks" / "results" / f"e2e_{category}"
    logs = out.parent / f"{out.name}_logs"
    logs.mkdir(parents=True, exist_ok=True)
    dbt_vars = {"category": category, "raw_dir": raw_dir}
    dbt_vars.update({k: yaml.safe_load(v) for k, v in (item.split("=", 1) for item in dbt_var)})
    rows = []
    raw = REPO / raw_dir / category  # an absolute raw_dir replaces REPO (pathlib)
    if not any(raw.glob("*.gz")):
        command = [sys.executable, "-m", "python_jobs", "sample", "--category", category, "--raw-dir", raw_dir]
        seconds, peak = timed([*command, "--preset", preset], logs / "generate.log")
        rows.append({"step": f"generate raw files ({preset})", "seconds": seconds, "peak_mib": peak})
        click.echo(f"generate: {seconds:.0f} s, {peak:,.0f} MiB")
    for stage in stages:
        command = ["dbt", "build", "--select", f"tag:{stage}", "--vars", json.dumps(dbt_vars)]
        seconds, peak = timed(command, logs / f"{stage}.log")
        rows.append({"step": stage, "seconds": seconds, "peak_mib": peak})
        click.echo(f"{stage}: {seconds:.0f} s, {peak:,.0f} MiB")
        write(rows, out, f"{category}: stages from raw files, one dbt build per stage")
    click.echo(out.with_suffix(".md").read_text())


if __name__ == "__main__":
    main()
