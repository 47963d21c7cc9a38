"""Stage-6 speed: fine-tuning tokens per second (from the registry entry's summary) and val users per second of
constrained beam generation with a fine-tuned LLM.

    python -m python_jobs finetune-llm --category sample            # first: the entry to time
    python benchmarks/bench_llm.py --category sample --users 32      # its generation speed

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
def main(category: str, model_id: str, users: int, batch: int, threads: int) -> None:
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
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
