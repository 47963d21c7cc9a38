"""Stage-5 speed: seconds per training epoch and evaluated users per second, per model and thread count.

    python benchmarks/bench_recommend.py --category Industrial --threads 1 --threads 2
    python benchmarks/bench_recommend.py --category Industrial --pmixer /tmp/sasrec-pmixer   # + pmixer's SASRec
    python benchmarks/bench_recommend.py --category sample --model sid_sasrec --sid-representation hybrid  # repeatable

Reads data/output/<category>/{sequences_train,sequences_val,semantic_ids}.parquet (a stage 1-3 build). Each model is
trained for --epochs epochs in a throw-away registry (same sizes as the defaults), then all val users are scored
under both protocols. With --pmixer (a checkout of github.com/pmixer/SASRec.pytorch OUTSIDE this repo), the same
train sequences are written in its `user item` format and its main.py runs with the same sizes; its seconds per
epoch are read from the wall time of --epochs epochs minus a 0-epoch run (start-up and its evaluation).
Not a test: numbers depend on the machine and its load.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import click
import pyarrow.parquet as pq
import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from python_jobs.recommend.scoring import model_ranks  # noqa: E402
from python_jobs.recommend.settings import RecommendSettings  # noqa: E402
from python_jobs.recommend.train import TrainingData, get_or_train  # noqa: E402


def load(category: str):
    from python_jobs.recommend.data import Catalogue, Sequences

    out = REPO / "data" / "output" / category
    train, val, ids = (
        pq.read_table(out / f"{n}.parquet") for n in ("sequences_train", "sequences_val", "semantic_ids")
    )
    catalogue = Catalogue.from_arrow(ids)
    return train, val, ids, TrainingData(catalogue, Sequences.from_arrow(train, catalogue))


def built_cases(category: str):
    """The evaluation cases of the last `dbt build` (int_rec_eval_cases in the warehouse)."""
    import duckdb

    with duckdb.connect(str(REPO / "data" / "warehouse.duckdb"), read_only=True) as con:
        return con.sql(f'select * from "{category}".int_rec_eval_cases').to_arrow_table()


def bench_ours(
    category: str, threads: int, epochs: int, models: list[str], representations: tuple[str, ...] = ("factorised",)
) -> list[dict]:
    torch.set_num_threads(threads)
    train, val, _, data = load(category)
    rows = []
    with tempfile.TemporaryDirectory() as registry:
        settings = RecommendSettings.load(
            {"category": category, "rec_registry_dir": registry, "rec_epochs": epochs, "rec_patience": epochs}
        )
        cases = built_cases(category)
        runs = [(m, r) for m in models for r in (representations if m == "sid_sasrec" else ("",))]
        for name, representation in runs:
            trained = get_or_train(name, data, settings.replace(rec_sid_representation=representation or "factorised"))
            started = time.perf_counter()
            ranks = model_ranks(trained.model, data.catalogue, cases, settings)
            seconds = time.perf_counter() - started
            rows.append(
                {
                    "impl": "ours",
                    "model": name,
                    "representation": representation,
                    "threads": threads,
                    "device": trained.summary["device"],
                    "seconds_per_epoch": round(trained.summary["seconds_per_epoch"], 3),
                    "eval_users": len(ranks["rank"]),
                    "eval_seconds": round(seconds, 3),
                    "eval_users_per_s": round(len(ranks["rank"]) / seconds, 1),
                }
            )
    return rows


def bench_pmixer(category: str, threads: int, epochs: int, checkout: Path) -> dict:
    _, _, _, data = load(category)
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = checkout / "python" / "data"
        name = f"bench_{category}"
        lines = [f"{u + 1} {i}" for u, seq in enumerate(data.train.items) for i in seq.tolist()]
        (data_dir / f"{name}.txt").write_text("\n".join(lines) + "\n")

        def run(n: int) -> float:
            started = time.perf_counter()
            subprocess.run(
                [
                    sys.executable,
                    "main.py",
                    f"--dataset={name}",
                    f"--train_dir={Path(tmp).name}{n}",
                    "--maxlen=50",
                    "--hidden_units=64",
                    "--num_blocks=2",
                    "--num_heads=1",
                    "--dropout_rate=0.2",
                    "--batch_size=128",
                    "--lr=0.001",
                    f"--num_epochs={n}",
                    "--device=cpu",
                ],
                cwd=checkout / "python",
                check=True,
                capture_output=True,
                env={"OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads), "PATH": "/usr/bin"},
            )
            return time.perf_counter() - started

        base, full = run(0), run(epochs)
        (data_dir / f"{name}.txt").unlink()
    return {
        "impl": "pmixer",
        "model": "sasrec_bce",
        "threads": threads,
        "seconds_per_epoch": round((full - base) / epochs, 3),
    }


@click.command()
@click.option("--category", default="Industrial", show_default=True, help="A category built by dbt (stages 1-3).")
@click.option("--threads", multiple=True, type=int, default=(1, 2), show_default=True, help="torch threads (repeat).")
@click.option("--epochs", default=3, show_default=True, help="Epochs per timing.")
@click.option(
    "--model",
    "models",
    multiple=True,
    default=("sasrec_bce", "sasrec_ce", "sid_sasrec"),
    show_default=True,
    help="Models to time (repeat).",
)
@click.option(
    "--sid-representation",
    "representations",
    multiple=True,
    type=click.Choice(["factorised", "prefix_ngram", "hybrid"]),
    default=("factorised",),
    show_default=True,
    help="sid_sasrec representations to time (repeat).",
)
@click.option(
    "--pmixer",
    type=click.Path(file_okay=False, path_type=Path),
    help="Checkout of pmixer/SASRec.pytorch outside the repo, to time side by side.",
)
def main(
    category: str,
    threads: tuple[int, ...],
    epochs: int,
    models: tuple[str, ...],
    representations: tuple[str, ...],
    pmixer: Path | None,
) -> None:
    """Time training epochs and evaluation of the stage-5 models."""
    for n in threads:
        for row in bench_ours(category, n, epochs, list(models), representations):
            print(json.dumps(row), flush=True)
        if pmixer:
            print(json.dumps(bench_pmixer(category, n, epochs, pmixer)), flush=True)


if __name__ == "__main__":
    main()
