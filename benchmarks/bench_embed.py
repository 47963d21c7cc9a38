"""Stage-3 embeddings on the CPU: items/s of each way to run the packaged MiniLM, and what a faster one changes.

    python benchmarks/bench_embed.py speed --category sample --category Industrial --limit 512
    python benchmarks/bench_embed.py speed --category Industrial --limit 0 --repeats 2     # every item, best of 2
    python benchmarks/bench_embed.py compare --reference /tmp/fp32/output --candidate data/output

`speed`:
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

`compare`: two builds of stage 3 (dbt's parquet outputs, OUT_DIR/<category>/) that differ only in how the
embeddings were computed, e.g. `embedding_cpu_precision: fp32` with `out_dir: /tmp/fp32/output` against the
default: per-item cosine over every item (`item_embeddings`), and the Semantic IDs' raw unique share (before
the collision policy, `sid_model`), final 3-code unique share (`sid_uniqueness`) and per-level perplexity
(`sid_level_usage`) of each, with the differences. Writes benchmarks/results/embed_speed_ids.md.
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


@click.group()
def cli() -> None:
    pass


CATEGORIES = click.option(
    "--category", "categories", multiple=True, default=("sample", "Industrial"), show_default=True
)


@cli.command()
@CATEGORIES
@click.option("--limit", type=click.IntRange(0), default=512, show_default=True, help="Texts per category; 0 = all.")
@click.option("--repeats", type=click.IntRange(1), default=1, show_default=True, help="Best of N timed passes.")
@click.option("--threads", type=click.IntRange(1), default=None, help="torch threads (default: torch's).")
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), default=REPO / "benchmarks/results/embed_speed.md"
)
def speed(categories, limit, repeats, threads, out) -> None:
    """items/s and per-item cosine of each path on the same texts."""
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
        f"`python benchmarks/bench_embed.py speed --limit {limit} --repeats {repeats}`; {platform.machine()} {cpu}, "
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


def read(out_dir: Path, category: str, table: str):
    path = out_dir / category / f"{table}.parquet"
    if not path.is_file():
        raise click.ClickException(f"{path} not found: build stage 3 of {category} with out_dir {out_dir} first")
    return pq.read_table(path)


def id_quality(out_dir: Path, category: str) -> dict[str, float]:
    model = read(out_dir, category, "sid_model").to_pylist()[0]
    unique = read(out_dir, category, "sid_uniqueness").to_pylist()[0]
    usage = sorted(read(out_dir, category, "sid_level_usage").to_pylist(), key=lambda r: r["level"])
    out = {
        "raw unique share %": 100 * model["unique_share_before_collision_policy"],
        "unique share % (after policy)": 100 * unique["unique_share_3code"],
    }
    for row in usage:
        out[f"perplexity level {row['level']}"] = row["perplexity"]
    return out


@cli.command()
@CATEGORIES
@click.option(
    "--reference", type=click.Path(file_okay=False, path_type=Path), required=True, help="fp32 build's out_dir."
)
@click.option("--candidate", type=click.Path(file_okay=False, path_type=Path), required=True, help="Faster build's.")
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), default=REPO / "benchmarks/results/embed_speed_ids.md"
)
def compare(categories, reference, candidate, out) -> None:
    """Per-item cosine over every item and the Semantic IDs' quality of two stage-3 builds."""
    from python_jobs.semantic_ids.embed import cosine_per_item

    lines = [
        "### Semantic IDs from fp32 and from the faster embeddings: two stage-3 builds, every item",
        "",
        f"`python benchmarks/bench_embed.py compare --reference {reference} --candidate {candidate}`",
        "",
        "| category | items | embeddings (model key) | min cos | mean cos | figure | fp32 | faster | difference |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for category in categories:
        ref, cand = (read(d, category, "item_embeddings").sort_by("parent_asin") for d in (reference, candidate))
        if ref.column("parent_asin").to_pylist() != cand.column("parent_asin").to_pylist():
            raise click.ClickException(f"{category}: the two builds embed different items")
        vectors = [np.stack(t.column("embedding").to_numpy(zero_copy_only=False)) for t in (ref, cand)]
        cos = cosine_per_item(*vectors)
        keys = " vs ".join(f"`{t.column('model')[0].as_py().split('|')[3]}`" for t in (ref, cand))
        a, b = id_quality(reference, category), id_quality(candidate, category)
        for i, figure in enumerate(a):
            head = [category, f"{len(cos):,}", keys, f"{cos.min():.5f}", f"{cos.mean():.5f}"] if i == 0 else [""] * 5
            lines.append(
                "| "
                + " | ".join([*head, figure, f"{a[figure]:.2f}", f"{b[figure]:.2f}", f"{b[figure] - a[figure]:+.2f}"])
                + " |"
            )
        click.echo(f"{category}: {len(cos)} items, cosine min {cos.min():.5f} mean {cos.mean():.5f}; {a} -> {b}")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n")
    click.echo(f"-> {out}")


if __name__ == "__main__":
    cli()
