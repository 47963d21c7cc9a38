"""A softmax over items, full vs sampled (rec_ce_negatives / rec_sid_negatives, rec_ce_sampler), side by side.

    flock /work/heavy.lock python benchmarks/bench_losses.py --category sample --category Industrial \\
        --negatives 256 --negatives 1024 --pmixer /tmp/sasrec-pmixer
    python benchmarks/bench_losses.py --model sid_sasrec --sampler popularity --negatives 1024 --seeds 3   # prefix_ngram

--model sasrec_ce (default) compares the item-ID SASRec's losses (rec_ce_negatives), with a sasrec_bce row; --model
sid_sasrec the Semantic-ID model's softmax over items (rec_sid_negatives; rec_sid_representation as set:
prefix_ngram or hybrid).

Reads data/output/<category>/{sequences_train,sequences_val,semantic_ids}.parquet (a stage 1-3 build). Each loss
is trained with the default settings (early stopping included; --epochs caps it) in a throw-away registry, then
ranks the val users under the full protocol (the cases `dbt build` makes: the int_rec_eval_cases SQL). Printed as
a markdown table per category:

* held-out NDCG@10: the train users' held-out last items, the number early stopping selects on (never val);
  "vs full": relative to the full-softmax row (the goal: within 3%);
* val Hit@10 / NDCG@10 with their 95% bootstrap intervals over users (full ranking);
* seconds per epoch (training + the held-out scoring, as the registry summary records it), and "vs pmixer":
  that over pmixer/SASRec.pytorch's seconds per epoch on the same sequences and threads (--pmixer, a checkout
  outside the repo; its timing is bench_recommend.py's);
* peak memory of one training step (forward, backward, AdamW) on a batch of the longest sequences, each loss's
  step in a fresh spawned process (in this one, the heap earlier runs freed would be reused unseen): on CUDA
  torch.cuda.max_memory_allocated minus the allocation before the step; on CPU the rise of the process's peak RSS
  over the step (Linux: VmHWM, reset to the current RSS through /proc/self/clear_refs just before the step, minus
  VmRSS then). Not getrusage's ru_maxrss: in a spawned process it starts at the parent's peak RSS (Linux carries
  it over fork + exec), so it would report the parent's size.
Not a test: the numbers depend on the machine and its load.
"""

from __future__ import annotations

import gc
import multiprocessing
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import click
import numpy as np
import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from bench_recommend import bench_pmixer, load  # noqa: E402

from python_jobs.common.device import resolve_device  # noqa: E402
from python_jobs.recommend.data import holdout_split, right_align  # noqa: E402
from python_jobs.recommend.metrics import summarize  # noqa: E402
from python_jobs.recommend.scoring import model_ranks  # noqa: E402
from python_jobs.recommend.settings import RecommendSettings  # noqa: E402
from python_jobs.recommend.train import build_model, get_or_train, make_optimizer, training_negatives  # noqa: E402
from tests.sql_models import eval_cases  # noqa: E402  (the SQL model of the cases, run on arrow tables)


def rss_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def step_peak_mib(name: str, data, settings: RecommendSettings, device: str, threads: int) -> float:
    """Peak memory of one training step on the rec_batch_size longest training sequences (the widest step), in a
    fresh process (see the module docstring)."""
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as fresh:
        return fresh.submit(_step_peak_here, name, data, settings, device, threads).result()


def _step_peak_here(name: str, data, settings: RecommendSettings, device: str, threads: int) -> float:
    torch.set_num_threads(threads)
    split = holdout_split(data.train, settings.rec_holdout_share, settings.rec_seed)
    longest = sorted(split.fit, key=len)[-settings.rec_batch_size :]
    inputs, targets = (
        right_align([s[:-1] for s in longest], settings.rec_max_len),
        right_align([s[1:] for s in longest], settings.rec_max_len),
    )
    model = build_model(name, data.catalogue, settings).to(device).train()
    optimizer = make_optimizer(model, settings)
    draw = training_negatives(name, split, data.catalogue.n_items, settings)
    negs = draw(inputs, targets, torch.Generator().manual_seed(0))
    args = (inputs.to(device), targets.to(device), None if negs is None else negs.to(device))
    gc.collect()
    if device.startswith("cuda"):
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()
    else:
        base = rss_kib("VmRSS") * 1024
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS
    model.loss(*args).backward()
    optimizer.step()
    if device.startswith("cuda"):
        torch.cuda.synchronize()
        return (torch.cuda.max_memory_allocated() - base) / 2**20
    return (rss_kib("VmHWM") * 1024 - base) / 2**20


def run_loss(name: str, data, cases, settings: RecommendSettings, device: str, threads: int) -> dict:
    peak = step_peak_mib(name, data, settings, device, threads)
    trained = get_or_train(name, data, settings)
    val = {
        r["metric"]: r
        for r in summarize(np.asarray(model_ranks(trained.model, data.catalogue, cases, settings)["rank"]))
    }
    s = trained.summary
    return {
        "holdout": s["holdout_ndcg@10"],
        "epochs": f"{s['best_epoch']} / {s['epochs_run']}",
        "hit": val["hit@10"],
        "ndcg": val["ndcg@10"],
        "s_epoch": s["seconds_per_epoch"],
        "peak": peak,
        "users": val["hit@10"]["n_users"],
    }


def interval(m: dict) -> str:
    return f"{m['value']:.3f} [{m['ci_low']:.3f}, {m['ci_high']:.3f}]"


@click.command()
@click.option("--category", "categories", multiple=True, default=("sample",), show_default=True, help="Repeatable.")
@click.option("--negatives", multiple=True, type=int, default=(256, 1024), show_default=True, help="K (repeat).")
@click.option(
    "--sampler",
    "samplers",
    multiple=True,
    type=click.Choice(["uniform", "popularity"]),
    default=("uniform", "popularity"),
    show_default=True,
    help="Samplers of the sampled rows (repeat).",
)
@click.option(
    "--model",
    type=click.Choice(["sasrec_ce", "sid_sasrec"]),
    default="sasrec_ce",
    show_default=True,
    help="Whose softmax over items: the item-ID SASRec (plus a BCE row) or sid_sasrec (prefix_ngram / hybrid).",
)
@click.option("--epochs", default=30, show_default=True, help="Most epochs per model (rec_epochs; patience as set).")
@click.option(
    "--seeds",
    default=1,
    show_default=True,
    help="Train each loss with seeds rec_seed .. rec_seed + N - 1 (mean ± std).",
)
@click.option("--threads", default=2, show_default=True, help="torch threads (pmixer gets the same).")
@click.option("--pmixer", type=click.Path(file_okay=False, path_type=Path), help="pmixer/SASRec.pytorch checkout.")
@click.option("--pmixer-epochs", default=3, show_default=True, help="Epochs of pmixer's timing run.")
def main(
    categories: tuple[str, ...],
    negatives: tuple[int, ...],
    samplers: tuple[str, ...],
    model: str,
    epochs: int,
    seeds: int,
    threads: int,
    pmixer: Path | None,
    pmixer_epochs: int,
) -> None:
    """Train and evaluate the model with each loss; print one markdown table per category."""
    torch.set_num_threads(threads)
    device = resolve_device("auto")
    memory = "CUDA max_memory_allocated" if device.startswith("cuda") else "CPU peak-RSS rise, fresh process"
    for category in categories:
        started = time.perf_counter()
        train, val, _, data = load(category)
        with tempfile.TemporaryDirectory() as registry:
            base = RecommendSettings.load(
                {"category": category, "rec_registry_dir": registry, "rec_epochs": epochs, "rec_device": device}
            )
            cases = eval_cases(train, val, base.replace(rec_protocols=["full"]))
            if model == "sid_sasrec" and base.rec_sid_representation == "factorised":
                raise click.UsageError(
                    "the factorised sid_sasrec has no softmax over items: set another representation"
                )
            k_var = "rec_ce_negatives" if model == "sasrec_ce" else "rec_sid_negatives"
            runs = [("full softmax", model, base.replace(**{k_var: 0}))]
            runs += [
                (f"sampled {s} K={k}", model, base.replace(**{k_var: k, "rec_ce_sampler": s}))
                for s in samplers
                for k in negatives
            ]
            if model == "sasrec_ce":
                runs.append(("bce (1 negative)", "sasrec_bce", base))
            if seeds > 1:
                runs = [
                    (f"{label} (seed {s.rec_seed + i})", name, s.replace(rec_seed=s.rec_seed + i))
                    for label, name, s in runs
                    for i in range(seeds)
                ]
            rows = [(label, run_loss(name, data, cases, s, device, threads)) for label, name, s in runs]
        pm = bench_pmixer(category, threads, pmixer_epochs, pmixer)["seconds_per_epoch"] if pmixer else None
        full = rows[0][1]["holdout"]
        print(
            f"\n### {category}, {model}: {data.catalogue.n_items:,} items, {len(data.train.items):,} train users, "
            f"{rows[0][1]['users']} val users; {device}, {threads} threads"
            + (f"; pmixer {pm:.2f} s/epoch" if pm else "")
            + f" ({time.perf_counter() - started:.0f} s)\n"
        )
        print(
            "| loss | held-out NDCG@10 | vs full | val Hit@10 [95% CI] | val NDCG@10 [95% CI] | epochs best / run "
            f"| s/epoch | vs pmixer | step peak MiB ({memory}) |"
        )
        print("|---|---|---|---|---|---|---|---|---|")
        for label, r in rows:
            vs_pm = f"{r['s_epoch'] / pm:.2f}x" if pm else "—"
            print(
                f"| {label} | {r['holdout']:.4f} | {100 * (r['holdout'] / full - 1):+.1f}% | {interval(r['hit'])} "
                f"| {interval(r['ndcg'])} | {r['epochs']} | {r['s_epoch']:.2f} | {vs_pm} | {r['peak']:.0f} |",
                flush=True,
            )
        if seeds > 1:
            print_seed_means(rows, seeds)


def print_seed_means(rows: list[tuple[str, dict]], seeds: int) -> None:
    """Mean ± std over the seeds of each loss (rows come in runs of `seeds`, one loss each)."""
    print(f"\n| loss ({seeds} seeds) | held-out NDCG@10 | vs full | val Hit@10 | val NDCG@10 | s/epoch |")
    print("|---|---|---|---|---|---|")
    full = None
    for start in range(0, len(rows), seeds):
        label = rows[start][0].rsplit(" (seed", 1)[0]
        runs = [r for _, r in rows[start : start + seeds]]

        def stat(values: list[float], digits: int) -> str:
            return f"{np.mean(values):.{digits}f} ± {np.std(values, ddof=1):.{digits}f}"

        holdout = float(np.mean([r["holdout"] for r in runs]))
        full = full if full is not None else holdout
        print(
            f"| {label} | {stat([r['holdout'] for r in runs], 4)} | {100 * (holdout / full - 1):+.1f}% "
            f"| {stat([r['hit']['value'] for r in runs], 3)} | {stat([r['ndcg']['value'] for r in runs], 3)} "
            f"| {stat([r['s_epoch'] for r in runs], 2)} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
