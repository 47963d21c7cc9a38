"""Beam search against exhaustive scoring for sid_sasrec: agreement, generative Hit@10 and users per second per width.

    python benchmarks/bench_beam.py --category sample --width 10 --width 20 --width 50
    python benchmarks/bench_beam.py --category sample --sid-representation prefix_ngram --train   # trains if missing
    python benchmarks/bench_beam.py --category sample --entry data/registry/sample/sid_sasrec-0b9a7edfd3d47ec7

Reads data/output/<category>/{sequences_train,sequences_val,semantic_ids}.parquet (a stage 1-3 build) and loads
sid_sasrec from the registry with the default settings (the model `dbt build` evaluates; --train trains it when
missing), or the model of a registry folder (--entry; its weights under today's code, whatever its key). The users
are the generative protocol's: every val user with at least 2 items, history = all but the last item, target = the
last. Per width: top10_recall and top1_match against the exact (exhaustive) top 10
(python_jobs.recommend.generative.beam_agreement), users per second of each (best of --repeat passes), and Hit@10 /
NDCG@10 of the beam's list and of the exhaustive list of the same length. Not a test: the speeds depend on the
machine and its load.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from python_jobs.generate.trie import CodeTrie  # noqa: E402
from python_jobs.recommend.data import Catalogue, Sequences  # noqa: E402
from python_jobs.recommend.generative import (  # noqa: E402
    beam_agreement,
    beam_generator,
    exhaustive_generator,
    generative_ranks,
    model_generate,
)
from python_jobs.recommend.metrics import summarize  # noqa: E402
from python_jobs.recommend.settings import RecommendSettings  # noqa: E402
from python_jobs.recommend.train import TrainingData, build_model, get_or_train  # noqa: E402


def generative_cases(val: pa.Table) -> pa.Table:
    rows = sorted(zip(val.column("user_id").to_pylist(), val.column("sequence").to_pylist()))
    rows = [(u, s) for u, s in rows if len(s) >= 2]
    return pa.table(
        {
            "protocol": ["generative"] * len(rows),
            "user_id": [u for u, _ in rows],
            "history": [s[:-1] for _, s in rows],
            "target": [s[-1] for _, s in rows],
        }
    )


def list_metrics(generate, catalogue: Catalogue, cases: pa.Table) -> dict[str, float]:
    ranks = [float("nan") if r is None else r for r in generative_ranks(generate, catalogue, cases)["rank"]]
    rows = summarize(ranks, n_boot=10, truncated=True)
    return {r["metric"]: r["value"] for r in rows}


@click.command()
@click.option("--category", default="sample", show_default=True)
@click.option("--width", "widths", type=int, multiple=True, default=(10, 20, 50), show_default=True)
@click.option("--sid-representation", "representations", multiple=True, default=("factorised",), show_default=True)
@click.option("--threads", type=int, default=2, show_default=True, help="torch CPU threads.")
@click.option("--repeat", type=int, default=3, show_default=True, help="Timed passes; the fastest counts.")
@click.option("--train", is_flag=True, help="Train sid_sasrec when the registry lacks it.")
@click.option("--entry", type=click.Path(exists=True, path_type=Path), help="Load this registry folder's model.pt.")
def main(
    category: str,
    widths: tuple[int, ...],
    representations: tuple[str, ...],
    threads: int,
    repeat: int,
    train: bool,
    entry: Path | None,
) -> None:
    torch.set_num_threads(threads)
    out = REPO / "data" / "output" / category
    tables = {n: pq.read_table(out / f"{n}.parquet") for n in ("sequences_train", "sequences_val", "semantic_ids")}
    catalogue = Catalogue.from_arrow(tables["semantic_ids"])
    data = TrainingData(catalogue, Sequences.from_arrow(tables["sequences_train"], catalogue))
    cases = generative_cases(tables["sequences_val"])
    index = catalogue.index()
    histories = [np.asarray([index[a] for a in h], dtype=np.int64) for h in cases.column("history").to_pylist()]
    print(f"{category}: {catalogue.n_items} items, {len(histories)} val users, {threads} threads")
    columns = ["representation", "width", "top-10 recall", "top-1 match", "beam users/s", "exhaustive users/s"]
    columns += ["beam Hit@10", "exhaustive Hit@10", "beam NDCG@10", "exhaustive NDCG@10"]
    print("| " + " | ".join(columns) + " |\n" + "|---" * len(columns) + "|")
    for representation in representations:
        settings = RecommendSettings.load({"category": category, "rec_sid_representation": representation})
        settings = settings.replace(rec_device="cpu")
        if entry is None:
            trained = get_or_train("sid_sasrec", data, settings, train=train, progress=True)
            model, model_id = trained.model, trained.model_id
        else:
            model, model_id = build_model("sid_sasrec", catalogue, settings), entry.name
            model.load_state_dict(torch.load(entry / "model.pt", map_location="cpu", weights_only=False)["model"])
        trie = CodeTrie.from_codes(catalogue.codes, settings.sid_codebook_size)
        for width in widths:
            runs = [
                beam_agreement(model, trie, histories, settings.rec_max_len, width, model_id) for _ in range(repeat)
            ]
            best = {k: max(r[k] for r in runs) for k in ("beam_users_per_second", "exhaustive_users_per_second")}
            args = (model, trie, settings.rec_max_len, width, model_id)
            beam = list_metrics(model_generate(beam_generator, *args), catalogue, cases)
            exact = list_metrics(model_generate(exhaustive_generator, *args), catalogue, cases)
            print(
                f"| {representation} | {width} | {runs[0]['top10_recall']:.3f} | {runs[0]['top1_match']:.3f} | "
                f"{best['beam_users_per_second']:.0f} | {best['exhaustive_users_per_second']:.0f} | "
                f"{beam['hit@10']:.3f} | {exact['hit@10']:.3f} | {beam['ndcg@10']:.3f} | {exact['ndcg@10']:.3f} |"
            )


if __name__ == "__main__":
    main()
