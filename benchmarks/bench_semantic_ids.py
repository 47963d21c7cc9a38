"""Semantic-ID quality and speed: embeddings items/s, RQ-VAE vs RQ-KMeans on real and full-scale data.

    .venv/bin/python benchmarks/bench_semantic_ids.py --dataset industrial --json /tmp/sid_bench_industrial.json
    .venv/bin/python benchmarks/bench_semantic_ids.py --dataset full --items data/output/full/items_enriched.parquet \\
        --epochs 60 --json /tmp/sid_bench_full.json

Datasets:
  industrial  ../shared/data/Industrial (3,686 real Amazon items; text = title + description + store)
  full        a full-scale generated category: --items PARQUET (parent_asin, item_context, e.g. the dbt
              items_enriched export), or --raw-dir/--category to build notebook-01-style text with DuckDB
              from `python -m python_jobs sample --preset full --raw-dir /tmp/bench_raw --category full`
  PATH        any parquet with parent_asin + item_context

Reported per dataset: embedding items/s (a fixed slice embedded without the cache, model load excluded), and
for each quantizer: unique share of the 3-code IDs before and after the collision policy, per-level usage and
perplexity, items per code, held-out reconstruction (1 - R^2, cosine), training seconds and seconds per epoch.
Embeddings are cached (data/cache/<dataset>/embeddings by default), so a second run only trains.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import duckdb
import numpy as np

REPO = Path(__file__).resolve().parents[1]
INDUSTRIAL_META = REPO / ".." / "shared" / "data" / "Industrial" / "meta_Industrial.jsonl.gz"


def industrial_items():
    return duckdb.sql(f"""
        select parent_asin,
               'Product: ' || title || E'\\nDescription: ' || coalesce(array_to_string(description, ' '), '')
               || E'\\nStore: ' || coalesce(store, '') as item_context
        from read_json_auto('{INDUSTRIAL_META.resolve().as_posix()}')
        where coalesce(trim(title), '') <> ''
        order by parent_asin""").to_arrow_table()


def raw_items(raw_dir: Path, category: str):
    """Notebook-01 filter (title > 20 chars, joined description > 100 chars) and a notebook-05-like text."""
    meta = (raw_dir / category / f"meta_{category}.jsonl.gz").as_posix()
    return duckdb.sql(f"""
        with m as (
            select parent_asin, any_value(title) as title, any_value(array_to_string(description, ' ')) as descr,
                   any_value(main_category) as main_category, any_value(array_to_string(categories, ' > ')) as cats,
                   any_value(store) as store
            from read_json('{meta}', format='newline_delimited', ignore_errors=true,
                           columns={{parent_asin: 'VARCHAR', title: 'VARCHAR', description: 'VARCHAR[]',
                                     main_category: 'VARCHAR', categories: 'VARCHAR[]', store: 'VARCHAR'}})
            where parent_asin is not null
            group by parent_asin
        )
        select parent_asin,
               'Product: ' || title || E'\\nDescription: ' || descr
               || E'\\nCategory: ' || coalesce(nullif(cats, ''), main_category, '') || E'\\nBrand: ' || coalesce(store, 'Unknown')
               as item_context
        from m
        where length(title) > 20 and length(descr) > 100
        order by parent_asin""").to_arrow_table()


def load_items(args):
    if args.dataset == "industrial":
        return "Industrial", industrial_items()
    if args.dataset == "full" and not args.items:
        return args.category, raw_items(args.raw_dir, args.category)
    path = Path(args.items or args.dataset)
    return (args.category if args.dataset == "full" else path.stem), duckdb.sql(
        f"select parent_asin, item_context from read_parquet('{path.as_posix()}') order by parent_asin"
    ).to_arrow_table()


def embedding_speed(items, config, n: int) -> dict:
    """items/s on a fixed slice, no cache, model load excluded (longest-first batching as in production)."""
    from python_jobs.semantic_ids.embed import embed_texts, load_encoder

    texts = items.column("item_context").to_pylist()[:n]
    t0 = time.perf_counter()
    encoder = load_encoder(config)
    load_s = time.perf_counter() - t0
    tok = encoder.tokenizer(texts[:500], truncation=True, max_length=encoder.max_seq_length)["input_ids"]
    _, stats = embed_texts(texts, config, None, progress=False, encoder=encoder)
    return {
        "items": len(texts),
        "seconds": round(stats.seconds, 2),
        "items_per_s": round(stats.items_per_second, 1),
        "model_load_s": round(load_s, 2),
        "mean_tokens": round(float(np.mean([len(t) for t in tok])), 1),
        "mean_chars": round(float(np.mean([len(t) for t in texts])), 1),
    }


def quantizer_report(result, data) -> dict:
    s = result.summary
    final, raw, best = s["final"], s["raw_final"], s["best_metrics"]
    codes = np.stack([result.codes.column(f"sid_{i}").to_numpy() for i in range(3)], 1)
    per_code = []
    for level in range(3):
        counts = np.bincount(codes[:, level], minlength=256)
        used = counts[counts > 0]
        per_code.append({"min": int(used.min()), "mean": round(float(used.mean()), 2), "max": int(used.max())})
    return {
        "model_id": result.run_dir.name,
        "trained_now": result.trained,
        "unique_share_3code_raw": round(raw["unique_share"], 4),
        "max_group_raw": raw["max_group_size"],
        "unique_share_3code_final": round(final["unique_share"], 4),
        "max_group_final": final["max_group_size"],
        "items_moved_by_collision_policy": s["items_moved_by_collision_policy"],
        "usage_final": [round(u, 4) for u in final["usage"]],
        "perplexity_final": [round(p, 1) for p in final["perplexity"]],
        "usage_raw": [round(u, 4) for u in raw["usage"]],
        "perplexity_raw": [round(p, 1) for p in raw["perplexity"]],
        "items_per_code": per_code,
        "val_rel_recon": round(best["val_rel_recon"], 4),
        "val_cosine": round(best["val_cosine"], 4),
        "selected_step": s["best_step"],
        "train_seconds": round(s["train_seconds"], 1),
        "seconds_per_epoch": round(s["seconds_per_epoch"], 3),
        "steps_per_epoch": s["steps_per_epoch"],
        "device": s["device"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", default="industrial", help="industrial | full | PATH to an items parquet")
    parser.add_argument("--items", help="items parquet (parent_asin, item_context) for --dataset full")
    parser.add_argument("--raw-dir", type=Path, default=Path("/tmp/bench_raw"))
    parser.add_argument("--category", default="full")
    parser.add_argument("--quantizers", default="rqvae,rqkmeans")
    parser.add_argument("--epochs", type=int, help="RQ-VAE epochs (default: the library's step count)")
    parser.add_argument("--steps", type=int, help="RQ-VAE steps (overrides --epochs)")
    parser.add_argument("--batch-size", type=int, help="RQ-VAE batch size (default: library default)")
    parser.add_argument("--setting", action="append", default=[], help="extra stage-3 var KEY=VALUE (repeatable)")
    parser.add_argument("--speed-items", type=int, default=1000, help="texts for the embedding-speed measurement")
    parser.add_argument("--cache-dir", type=Path, help="embedding cache (default data/cache/<dataset>/embeddings)")
    parser.add_argument("--registry", type=Path, help="model registry (default /tmp/sid_bench_registry/<dataset>)")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--json", type=Path, help="write the report here as well")
    args = parser.parse_args()

    import torch

    from python_jobs.semantic_ids.embed import embed_items
    from python_jobs.semantic_ids.embeddings import EmbeddingSet
    from python_jobs.semantic_ids.registry import QuantizerRegistry
    from python_jobs.semantic_ids.settings import SemanticIdSettings
    from python_jobs.semantic_ids.train import split_indices

    name, items = load_items(args)
    config = SemanticIdSettings.load({"embedding_device": args.device}).embed_config()
    report: dict = {
        "dataset": name,
        "items": items.num_rows,
        "machine": {
            "cpus": os.cpu_count(),
            "torch_threads": torch.get_num_threads(),
            "cuda": torch.cuda.is_available(),
            "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
            "python": platform.python_version(),
            "load_avg_start": os.getloadavg(),
        },
    }
    report["embedding_speed"] = embedding_speed(items, config, args.speed_items)
    print(json.dumps(report, indent=2), flush=True)

    cache = args.cache_dir or REPO / "data" / "cache" / name / "embeddings"
    t0 = time.perf_counter()
    emb = embed_items(items, config, cache, progress=True)
    report["embedding_all"] = {
        "seconds": round(time.perf_counter() - t0, 1),
        "cached": emb.stats.n_cached,
        "embedded": emb.stats.n_embedded,
        "items_per_s_new": round(emb.stats.items_per_second, 1),
    }
    data = EmbeddingSet.from_arrow(emb.table)
    registry = QuantizerRegistry(args.registry or Path("/tmp/sid_bench_registry") / name)
    report["quantizers"] = {}
    for kind in args.quantizers.split(","):
        settings = {"quantizer": kind, **dict(kv.split("=", 1) for kv in args.setting)}  # KEY = a stage-3 var
        if kind == "rqvae":
            if args.batch_size:
                settings["sid_batch_size"] = args.batch_size
            if args.steps:
                settings["sid_steps"] = args.steps
            elif args.epochs:
                s = SemanticIdSettings.load(settings)
                n_train = len(split_indices(data.n, s.sid_val_fraction, s.sid_seed)[0])
                settings["sid_steps"] = args.epochs * -(-n_train // s.sid_batch_size)
        spec = SemanticIdSettings.load(settings).quantizer_spec(data.dim)
        result = registry.get_or_train(data, spec, device=args.device, progress=True)
        report["quantizers"][kind] = {"settings": settings, **quantizer_report(result, data)}
        print(json.dumps({kind: report["quantizers"][kind]}, indent=2), flush=True)
    report["machine"]["load_avg_end"] = os.getloadavg()
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
