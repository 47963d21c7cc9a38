"""Stage-6 speed: fine-tuning tokens per second (from the registry entry's summary) and val users per second of
constrained beam generation with a fine-tuned LLM.

    python -m python_jobs finetune-llm --category sample            # first: the entry to time
    python benchmarks/bench_llm.py --category sample --users 32      # its generation speed
    python benchmarks/bench_llm.py --category sample --users 100 --quality --recall-items 50
        # + generative Hit@10 / NDCG@10 of the LLM and of sid_sasrec (beam; the registry's, trained if missing) on the
        #   same val users, and ID recall per level on held-out items (python_jobs.llm.evaluate's rules)

Reads data/output/<category>/{sequences_val,semantic_ids,items}.parquet and the registry entry the default llm_*
vars name (or --model). Not a test: numbers depend on the machine and its load.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click
import pyarrow.parquet as pq
import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from python_jobs.common.registry import ModelRegistry  # noqa: E402
from python_jobs.llm.finetuned import ItemTable, load_finetuned  # noqa: E402
from python_jobs.llm.generate import beam_ids, rec_prompt  # noqa: E402
from python_jobs.llm.settings import LlmSettings  # noqa: E402
from python_jobs.llm.train import registry_entry  # noqa: E402


@click.command()
@click.option("--category", default="sample", show_default=True)
@click.option("--model", "model_id", default="", help="Registry entry; default: the one the default vars train.")
@click.option("--users", default=32, show_default=True, help="Val users to generate for.")
@click.option("--batch", default=4, show_default=True, help="Users per beam-search batch.")
@click.option("--threads", default=0, show_default=True, help="torch threads (0 = torch's default).")
@click.option("--quality", is_flag=True, help="Also next-item metrics beside sid_sasrec, and ID recall.")
@click.option("--recall-items", default=50, show_default=True, help="--quality: held-out items of the ID recall.")
def main(category: str, model_id: str, users: int, batch: int, threads: int, quality: bool, recall_items: int) -> None:
    if threads:
        torch.set_num_threads(threads)
    s = LlmSettings.load({"category": category, "llm_model": model_id})
    entry = registry_entry(s, Path("data"))
    summary = ModelRegistry.summary(entry)
    items = ItemTable.from_outputs(s.paths().out_dir, s.sid_codebook_size)
    model, tokenizer = load_finetuned(entry, "cpu")
    val = pq.read_table(s.paths().out_dir / "sequences_val.parquet", columns=["user_id", "sequence"]).to_pylist()
    val = sorted((u for u in val if len(u["sequence"]) >= 2), key=lambda u: u["user_id"])[:users]
    row = {a: i for i, a in enumerate(items.asins)}
    prompts = [rec_prompt([items.sid(row[a]) for a in u["sequence"][:-1]], ", ", s.ft_max_history) for u in val]
    started = time.perf_counter()
    beam_ids(model, tokenizer, items.trie(), s.ft_system_prompt, prompts, s.rec_beam_width, batch_users=batch)
    seconds = time.perf_counter() - started
    result = {
        "model_id": entry.name,
        "threads": torch.get_num_threads(),
        "finetune_phases": [
            {k: p.get(k) for k in ("phase", "steps", "train_tokens", "seconds", "tokens_per_second")}
            for p in summary["phases"]
        ],
        "generation_users": len(val),
        "beam_width": s.rec_beam_width,
        "generation_seconds": round(seconds, 1),
        "users_per_second": round(len(val) / seconds, 3),
    }
    if quality:
        result["quality"] = _quality(s, entry, model, tokenizer, items, val, recall_items)
    print(json.dumps(result, indent=1))


def _quality(s, entry, model, tokenizer, items, val, recall_items) -> dict:
    import numpy as np
    import pyarrow as pa

    from python_jobs.llm.evaluate import heldout_rows, next_item_rows, read_heldout
    from python_jobs.recommend.data import Catalogue, Sequences
    from python_jobs.recommend.generative import GENERATORS, generative_ranks, model_generate
    from python_jobs.recommend.metrics import summarize
    from python_jobs.recommend.settings import RecommendSettings
    from python_jobs.recommend.train import TrainingData, get_or_train

    out = s.paths().out_dir
    cases = [{"user_id": u["user_id"], "history": u["sequence"][:-1], "target": u["sequence"][-1]} for u in val]
    llm = next_item_rows(
        model,
        tokenizer,
        items,
        cases,
        s.ft_system_prompt,
        s.ft_sid_separator,
        s.ft_max_history,
        s.rec_beam_width,
        entry.name,
        progress=True,
    )
    ranks = {"llm": [r["rank"] for r in llm]}
    rec = RecommendSettings.load({"category": s.category})
    catalogue = Catalogue.from_arrow(pq.read_table(out / "semantic_ids.parquet"))
    data = TrainingData(catalogue, Sequences.from_arrow(pq.read_table(out / "sequences_train.parquet"), catalogue))
    trained = get_or_train("sid_sasrec", data, rec)
    generate = model_generate(
        GENERATORS["sid_sasrec"], trained.model, items.trie(), rec.rec_max_len, rec.rec_beam_width, "sid_sasrec"
    )
    table = pa.table(
        {
            "protocol": ["generative"] * len(cases),
            "user_id": [c["user_id"] for c in cases],
            "history": [list(c["history"]) for c in cases],
            "target": [c["target"] for c in cases],
        }
    )
    ranks["sid_sasrec"] = generative_ranks(generate, catalogue, table)["rank"]
    metrics = {}
    for name, values in ranks.items():
        rows = summarize(np.asarray([np.nan if r is None else r for r in values], dtype=np.float64), 1000, 42, True)
        metrics[name] = {
            r["metric"]: [round(r["value"], 4), round(r["ci_low"], 4), round(r["ci_high"], 4)]
            for r in rows
            if r["metric"] in ("hit@10", "ndcg@10", "hit@1", "mrr")
        }
    heldout = heldout_rows(
        model,
        tokenizer,
        items,
        read_heldout(out / "finetune" / "heldout.jsonl", recall_items),
        s.rec_beam_width,
        s.llm_max_new_tokens,
        entry.name,
        progress=True,
    )
    to_sid = [r["levels_correct"] for r in heldout if r["task"] == "title_to_sid"]
    to_title = [r for r in heldout if r["task"] == "sid_to_title"]
    return {
        "users": len(cases),
        "sid_sasrec_model": trained.model_id,
        "next_item": metrics,
        "title_to_sid_accuracy_by_levels": {
            k: round(float(np.mean([c >= k for c in to_sid])), 4) for k in (1, 2, 3, 4)
        },
        "title_to_sid_items": len(to_sid),
        "sid_to_title_exact": round(float(np.mean([r["exact"] for r in to_title])), 4) if to_title else None,
        "sid_to_title_token_f1": round(float(np.mean([r["token_f1"] for r in to_title])), 4) if to_title else None,
        "example": {k: llm[0][k] for k in ("prompt", "generated_titles")} if llm else None,
    }


if __name__ == "__main__":
    main()
