"""Stage-3 embeddings on the CPU: items/s of each way to run the packaged MiniLM, on the same texts, in one run.

    python benchmarks/bench_embed.py --category sample --category Industrial --limit 512
    python benchmarks/bench_embed.py --category Industrial --limit 0 --repeats 2     # every item, best of 2

Texts: `item_context` of `data/output/<category>/items_enriched.parquet` (dbt's; build stages 1-2 first), the
first --limit in parent_asin order (0 = all). Every path embeds the same texts without the cache, model load
excluded, after a one-batch warm-up; the reference is the bare fp32 model batched as before issue 19 (by
characters). For each: items/s, wall and process CPU seconds (CPU time is the fairer figure on a shared machine),
the speed-up over the reference, and the min / 1st-percentile / mean cosine of each item's vector to the
reference's (the acceptance bar: min >= 0.99).

Paths:
  fp32, char-sorted        the bare model as it ran before (reference)
  fp32                     `embedding_cpu_precision: fp32`: batches by token count
  bf16-autocast            `embedding_cpu_precision: bf16-autocast` (the default): bf16 matrix products
  bf16 weights             `embedding_dtype: bfloat16`: the whole model in bf16 (LayerNorm, residuals too)
  int8 dynamic (torch.ao)  quantize_dynamic of every Linear, per-channel weights; only where torch still has it

Writes the table to benchmarks/results/embed_speed.md (--out). Not a test: the numbers depend on the machine.
"""

from __future__ import annotations

import copy
import dataclasses
import os
import platform
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import click
import numpy as np
import pyarrow.parquet as pq

REPO = Path(__file__).resolve().parents[1]


def load_texts(category: str, limit: int) -> list[str]:
    path = REPO / "data" / "output" / category / "items_enriched.parquet"
    if not path.is_file():
        raise click.ClickException(f"{path} not found: build stages 1-2 of {category} first (see README)")
    table = pq.read_table(path, columns=["parent_asin", "item_context"]).sort_by("parent_asin")
    texts = table.column("item_context").to_pylist()
    return texts[:limit] if limit else texts


def char_sorted_fp32(encoder, texts: list[str], batch_size: int) -> np.ndarray:
    """The embedding loop as it was before token-count batching: batches sorted by characters, plain fp32."""
    from python_jobs.semantic_ids.embed import length_sorted_batches

    out = np.zeros((len(texts), encoder.get_embedding_dimension()), dtype=np.float32)
    for batch in length_sorted_batches(texts, batch_size):
        out[batch] = encoder.encode(
            [texts[i] for i in batch], batch_size=len(batch), normalize_embeddings=True, show_progress_bar=False
        )
    return out


def int8_dynamic(encoder):
    """torch.ao dynamic int8 of every Linear (per-channel weights); None where this torch no longer has it."""
    import torch

    try:
        from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic
    except ImportError:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # deprecated since torch 2.10, still present in 2.13
        return quantize_dynamic(copy.deepcopy(encoder), {torch.nn.Linear: per_channel_dynamic_qconfig})


def paths(config, batch_size: int) -> dict[str, Callable[[list[str]], np.ndarray]]:
    from python_jobs.semantic_ids.embed import embed_texts, load_encoder

    fp32_config = dataclasses.replace(config, cpu_precision="fp32", dtype="float32")
    fast_config = dataclasses.replace(config, cpu_precision="bf16-autocast", dtype="float32")
    half_config = dataclasses.replace(config, dtype="bfloat16")
    fp32 = load_encoder(fp32_config)
    half = load_encoder(half_config)

    def through(cfg, encoder):
        return lambda texts: embed_texts(texts, cfg, None, progress=False, encoder=encoder)[0]

    out = {
        "fp32, char-sorted (before)": lambda texts: char_sorted_fp32(fp32, texts, batch_size),
        "fp32": through(fp32_config, fp32),
        "bf16-autocast (default)": through(fast_config, fp32),
        "bf16 weights": through(half_config, half),
    }
    quantized = int8_dynamic(fp32)
    if quantized is not None:
        out["int8 dynamic (torch.ao)"] = through(fp32_config, quantized)
    return out


@click.command()
@click.option("--category", "categories", multiple=True, default=("sample", "Industrial"), show_default=True)
@click.option("--limit", type=click.IntRange(0), default=512, show_default=True, help="Texts per category; 0 = all.")
@click.option("--repeats", type=click.IntRange(1), default=1, show_default=True, help="Best of N timed passes.")
@click.option("--threads", type=click.IntRange(1), default=None, help="torch threads (default: torch's).")
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), default=REPO / "benchmarks/results/embed_speed.md"
)
def main(categories, limit, repeats, threads, out) -> None:
    import torch

    from python_jobs.semantic_ids.embed import cosine_per_item
    from python_jobs.semantic_ids.settings import SemanticIdSettings

    if threads:
        torch.set_num_threads(threads)
    config = SemanticIdSettings.load({"embedding_device": "cpu"}).embed_config()
    runners = paths(config, config.batch_size)
    load_before = os.getloadavg()[0]
    rows = []
    for category in categories:
        texts = load_texts(category, limit)
        reference = None
        for name, run in runners.items():
            run(texts[: config.batch_size])  # warm-up: first-call allocations and kernel selection
            best = None
            for _ in range(repeats):
                wall0, cpu0 = time.perf_counter(), time.process_time()
                vectors = run(texts)
                timing = (time.perf_counter() - wall0, time.process_time() - cpu0)
                best = timing if best is None or timing[0] < best[0] else best
            if reference is None:
                reference, reference_wall, reference_cpu = vectors, *best
            cos = cosine_per_item(reference, vectors)
            row = {
                "category": category,
                "path": name,
                "items": len(texts),
                "items/s": len(texts) / best[0],
                "wall s": best[0],
                "cpu s": best[1],
                "x wall": reference_wall / best[0],
                "x cpu": reference_cpu / best[1],
                "min cos": float(cos.min()),
                "p1 cos": float(np.quantile(cos, 0.01)),
                "mean cos": float(cos.mean()),
            }
            rows.append(row)
            click.echo(
                f"{category:12s} {name:28s} {row['items/s']:7.1f} items/s  wall {best[0]:7.1f}s cpu {best[1]:7.1f}s"
                f"  x{row['x wall']:.2f} (cpu x{row['x cpu']:.2f})  cos min {row['min cos']:.5f} "
                f"mean {row['mean cos']:.4f}"
            )
    write_table(rows, out, limit, repeats, torch.get_num_threads(), load_before, os.getloadavg()[0])


def write_table(rows, out: Path, limit: int, repeats: int, threads: int, load_before: float, load_after: float):
    import sentence_transformers
    import torch

    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "")
    flags = open("/proc/cpuinfo").read()
    bf16 = "avx512_bf16" in flags or "amx_bf16" in flags
    lines = [
        "### Item embeddings on the CPU: packaged all-MiniLM-L6-v2, max_length 256, batch 64",
        "",
        f"`python benchmarks/bench_embed.py --limit {limit} --repeats {repeats}`; {platform.machine()} {cpu}, "
        f"native bf16: {'yes' if bf16 else 'no'}, {threads} torch threads, torch {torch.__version__}, "
        f"sentence-transformers {sentence_transformers.__version__}; load average {load_before:.1f} before, "
        f"{load_after:.1f} after (shared machine: CPU seconds are the steadier figure). Cosine: each item's vector "
        "against the reference's (first row of each category).",
        "",
        "| category | path | items | items/s | wall s | CPU s | speed-up (wall) | speed-up (CPU) | min cos | p1 cos | mean cos |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['category']} | {r['path']} | {r['items']:,} | {r['items/s']:.1f} | {r['wall s']:.1f} | "
            f"{r['cpu s']:.1f} | {r['x wall']:.2f}x | {r['x cpu']:.2f}x | {r['min cos']:.5f} | {r['p1 cos']:.5f} | "
            f"{r['mean cos']:.5f} |"
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n")
    click.echo(f"-> {out}")


if __name__ == "__main__":
    main()
