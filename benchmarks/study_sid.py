"""The Semantic-ID study (issue 20): every sid_sasrec representation x ID scheme against sasrec_ce, full ranking.

    python benchmarks/study_sid.py --category sample --lock /work/heavy.lock
    python benchmarks/study_sid.py --category Industrial --var raw_dir=../shared/data --var enrich_provider=offline \
        --seeds 1 --variant quantizer=rqkmeans
    python benchmarks/study_sid.py --category sample --part seeds      # only the first part

Three parts, each a series of `dbt build --select tag:stage_05` runs (so dbt writes every table and runs every
test; models already in the registry are loaded, not retrained); stages 1-3 of the category must be built:
  seeds    each representation on the build's IDs with sasrec_ce, --seeds seeds (mean ± std, seed-42 interval)
  schemes  each representation on each --variant (rec_sid_variants), one seed
  cold     each representation (on the build's IDs and each --variant) and the reference rows with
           rec_cold_item_share = --cold-share: cold vs warm Hit@10
After each run the study reads data/output/<category>/{rec_metrics,rec_metrics_breakdown,recommenders,
recommendation_ranks}.parquet and adds its rows; the table is written to --out as CSV and markdown (chosen on
train-user held-out NDCG@10, never val: the column `holdout NDCG@10`). --lock runs each build under flock.
"""

from __future__ import annotations

import csv
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import click
import pyarrow.parquet as pq

REPO = Path(__file__).resolve().parents[1]
REPRESENTATIONS = ("factorised", "prefix_ngram", "hybrid")
VARIANTS = ("quantizer=rqkmeans", "sid_collision_policy=none", "sid_codebook_size=128", "sid_codebook_size=512")
COLUMNS = (
    "category",
    "part",
    "cold_share",
    "representation",
    "scheme",
    "model",
    "seeds",
    "hit@10",
    "hit@10 std",
    "hit@10 95% CI (first seed)",
    "ndcg@10",
    "ndcg@10 std",
    "ndcg@10 95% CI (first seed)",
    "mrr",
    "holdout NDCG@10",
    "holdout std",
    "best epochs",
    "stopped by",
    "train s",
    "cold hit@10 (n)",
    "warm hit@10",
)


def build(category: str, extra: dict, lock: str | None) -> float:
    """One stage-5 build with these vars; returns its wall seconds."""
    command = ["dbt", "build", "--select", "tag:stage_05", "--vars", json.dumps({"category": category, **extra})]
    if lock:
        command = ["flock", lock, *command]
    started = time.perf_counter()
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
    if result.returncode:
        sys.stdout.write(result.stdout[-4000:])
        raise click.ClickException(f"dbt build failed: {' '.join(command)}")
    return time.perf_counter() - started


def read(category: str, name: str) -> list[dict]:
    return pq.read_table(REPO / "data" / "output" / category / f"{name}.parquet").to_pylist()


def fmt(x: float | None, digits: int = 3) -> str:
    return "" if x is None else f"{x:.{digits}f}"


def model_row(model: str, full: list[dict], breakdown: list[dict], runs: list[dict]) -> dict:
    """One model's study row: means over its seeds, the first seed's intervals and cold/warm Hit@10, its training."""
    mine = sorted((r for r in full if r["model"] == model), key=lambda r: r["seed"])
    seeds = sorted({r["seed"] for r in mine})
    first = {r["metric"]: r for r in mine if r["seed"] == seeds[0]}
    values = {m: [r["value"] for r in mine if r["metric"] == m] for m in ("hit@10", "ndcg@10", "mrr")}
    spread = {m: statistics.stdev(v) if len(v) > 1 else None for m, v in values.items()}
    bins = {
        r["bin"]: r
        for r in breakdown
        if (r["model"], r["seed"], r["protocol"], r["breakdown"], r["metric"])
        == (model, seeds[0], "full", "cold_start", "hit@10")
    }
    cold, warm = bins.get("cold"), bins.get("warm")
    neural = bool(runs)
    return {
        "representation": "-",
        "scheme": model.partition("@")[2] or ("build" if model == "sid_sasrec" else "-"),
        "model": model.partition("@")[0],
        "seeds": len(seeds),
        "hit@10": fmt(statistics.mean(values["hit@10"])),
        "hit@10 std": fmt(spread["hit@10"]),
        "hit@10 95% CI (first seed)": f"[{first['hit@10']['ci_low']:.3f}, {first['hit@10']['ci_high']:.3f}]",
        "ndcg@10": fmt(statistics.mean(values["ndcg@10"])),
        "ndcg@10 std": fmt(spread["ndcg@10"]),
        "ndcg@10 95% CI (first seed)": f"[{first['ndcg@10']['ci_low']:.3f}, {first['ndcg@10']['ci_high']:.3f}]",
        "mrr": fmt(statistics.mean(values["mrr"])),
        "holdout NDCG@10": fmt(statistics.mean(r["holdout_ndcg_at_10"] for r in runs), 4) if neural else "",
        "holdout std": fmt(statistics.stdev(r["holdout_ndcg_at_10"] for r in runs), 4) if len(runs) > 1 else "",
        "best epochs": "/".join(f"{r['best_epoch']}of{r['epochs_run']}" for r in runs),
        "stopped by": "/".join(sorted({r["stopped_by"] for r in runs})),
        "train s": fmt(statistics.mean(r["train_seconds"] for r in runs), 0) if neural else "",
        "cold hit@10 (n)": "" if not cold or not cold["n_users"] else f"{cold['value']:.3f} ({cold['n_users']})",
        "warm hit@10": "" if not warm or warm["value"] is None else fmt(warm["value"]),
    }


def study_rows(category: str, part: str, cold_share: float, representation: str) -> list[dict]:
    """One row per model of the last build (full ranking)."""
    metrics, breakdown = read(category, "rec_metrics"), read(category, "rec_metrics_breakdown")
    trained = {r["model_id"]: r for r in read(category, "recommenders")}
    ids = {(r["model"], r["seed"]): r["model_id"] for r in read(category, "recommendation_ranks")}
    full = [r for r in metrics if r["protocol"] == "full"]
    rows = []
    for model in dict.fromkeys(r["model"] for r in full):
        runs = [trained[i] for (m, _), i in sorted(ids.items()) if m == model and i in trained]
        row = model_row(model, full, breakdown, runs)
        if model.startswith("sid_sasrec"):
            row["representation"] = representation
        rows.append({"category": category, "part": part, "cold_share": cold_share, **row})
    return rows


def write(rows: list[dict], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.with_suffix(".csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(str(r[c]) for c in COLUMNS) + " |" for r in rows]
    out.with_suffix(".md").write_text("\n".join(lines) + "\n")


@click.command()
@click.option("--category", default="sample", show_default=True)
@click.option("--var", "dbt_var", multiple=True, help="Extra dbt var KEY=VALUE (YAML value) for every build.")
@click.option("--seeds", default=3, show_default=True, help="Seeds of the 'seeds' part.")
@click.option("--representation", "representations", multiple=True, default=REPRESENTATIONS, show_default=True)
@click.option("--variant", "variants", multiple=True, default=VARIANTS, show_default=True, help="rec_sid_variants.")
@click.option("--cold-share", default=0.1, show_default=True, help="rec_cold_item_share of the 'cold' part.")
@click.option(
    "--part",
    "parts",
    multiple=True,
    type=click.Choice(["seeds", "schemes", "cold"]),
    default=("seeds", "schemes", "cold"),
)
@click.option("--lock", default=None, help="Run each build under `flock LOCK` (e.g. /work/heavy.lock).")
@click.option(
    "--out", type=click.Path(path_type=Path), default=None, help="Default benchmarks/results/sid_study_<category>."
)
def main(category, dbt_var, seeds, representations, variants, cold_share, parts, lock, out) -> None:
    import yaml

    base = {k: yaml.safe_load(v) for k, v in (item.split("=", 1) for item in dbt_var)}
    base["rec_protocols"] = ["full"]
    out = out or REPO / "benchmarks" / "results" / f"sid_study_{category}"
    plan = []
    for rep in representations:
        if "seeds" in parts:
            plan.append(("seeds", 0.0, rep, {"rec_models": ["sasrec_ce", "sid_sasrec"], "rec_seeds": seeds}))
        if "schemes" in parts and variants:
            plan.append(("schemes", 0.0, rep, {"rec_models": ["sid_sasrec"], "rec_sid_variants": list(variants)}))
        if "cold" in parts:
            models = ["popularity", "transition", "sasrec_ce", "sid_sasrec"]
            cold = {"rec_models": models, "rec_cold_item_share": cold_share, "rec_sid_variants": list(variants)}
            plan.append(("cold", cold_share, rep, cold))
    rows: list[dict] = []
    for part, share, rep, extra in plan:
        seconds = build(category, {**base, **extra, "rec_sid_representation": rep}, lock)
        new = study_rows(category, part, share, rep)
        if rep != representations[0]:  # the reference rows do not depend on the representation: once is enough
            new = [r for r in new if r["model"] == "sid_sasrec"]
        rows += new
        write(rows, out)
        click.echo(f"{part} {rep} cold={share}: {seconds:.0f} s, {len(new)} rows -> {out}.md")


if __name__ == "__main__":
    main()
