"""Enrichment throughput: our async provider vs the seed's thread pool, a re-run, and the offline rules.

Against the fake Gemini server (tests/fakes/gemini_server.py, run in its own process). Its latency has two
parts, so batching gains only what a real API would give it: a fixed part per request (--latency, default
200 ms: connection, queueing, reading the prompt) and a part per output token (--per-token-latency, default
2 ms, about 500 tokens/s, the order of a flash-class model's decoding; tokens = characters / 4). A request for
ten titles returns ten answers and pays ten answers' decoding.
  1. ours, all defaults (32 in flight, 4,000 requests/min pace, 4 descriptions per request), descriptions,
     with the SQLite cache written as answers arrive;
  2. an immediate re-run of the same items: API calls made (goal 0);
  3. ours with the pace lifted: what 32 in flight can do (the concurrency ceiling);
  4. titles at the defaults (10 per request, default pace);
  4b. descriptions one per request (description_batch_size=1), default pace: the baseline of 1;
  4c. titles one per request (title_batch_size=1), default pace: the baseline of 4;
  5. the seed's way: 10 threads, one synchronous SDK call at a time, 0.2 s sleep after each item (NB02),
     descriptions;
and 6. the offline provider on the full-scale generated sample (`python -m python_jobs sample --preset full
--raw-dir /tmp/bench_raw`), or on the Industrial texts when that is absent (said in the output).
Each task is compared with its own one-per-request run (`speedup_vs_one_per_request`); only descriptions are
compared with the seed's loop (`speedup_vs_seed`), since that is the task the seed baseline ran.

    .venv/bin/python benchmarks/bench_enrich.py                 # everything (about 9 minutes)
    .venv/bin/python benchmarks/bench_enrich.py --items 2000 --baseline-items 500 --lifted-items 2000 \
        --unbatched-items 1000 --skip-offline                    # quick
The load average (the machine may be shared) is recorded before and after every run.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from python_jobs.enrich.cache import AnswerCache  # noqa: E402
from python_jobs.enrich.extract import MetadataInput  # noqa: E402
from python_jobs.enrich.providers.gemini import GeminiProvider  # noqa: E402
from python_jobs.enrich.providers.offline import OfflineProvider  # noqa: E402
from python_jobs.enrich.runner import run_task  # noqa: E402
from python_jobs.enrich.settings import EnrichSettings  # noqa: E402
from python_jobs.enrich.tasks import AnswerError, get_task  # noqa: E402

KEY = "bench-key-not-secret"
WORDS = (
    "rugged wireless controller adventure puzzle racing arena legendary heroes online co-op season "
    "collector edition remastered handheld charging dock immersive soundtrack boss battles"
).split()


class FakeServer:
    """The fake Gemini API in a separate process, so its threads do not compete with the client's GIL."""

    def __init__(self, latency: float, per_token: float) -> None:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.fakes.gemini_server",
                "--latency",
                str(latency),
                "--per-token-latency",
                str(per_token),
            ],
            cwd=REPO,
            stdout=subprocess.PIPE,
            text=True,
        )
        line = self.proc.stdout.readline().strip()
        if not line.startswith("READY "):
            raise RuntimeError(f"fake server did not start: {line!r}")
        self.base_url = line.split()[1]

    def generate_calls(self) -> int:
        with urllib.request.urlopen(self.base_url + "/_stats") as r:
            return int(json.load(r)["calls"].get("generate", 0))

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait()


def descriptions(n: int) -> list[tuple[str, str]]:
    """n distinct descriptions of 60-100 words (distinct, so no two items share a call)."""
    out = []
    for i in range(n):
        words = [WORDS[(i * 7 + k * 3) % len(WORDS)] for k in range(60 + i % 40)]
        out.append((f"B{i:06d}", f"Item {i}: " + " ".join(words) + "."))
    return out


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def ours(server: FakeServer, items, task_name: str, cache_path: Path, **overrides) -> dict:
    config = EnrichSettings.load().config(provider="gemini", api_key=KEY, base_url=server.base_url, **overrides)
    calls0 = server.generate_calls()
    load0 = load()
    started = time.perf_counter()
    with AnswerCache(cache_path) as cache:
        table, stats = run_task(get_task(task_name), items, GeminiProvider(config), cache, progress=True)
    seconds = time.perf_counter() - started
    ok = sum(s == "ok" for s in table.column("status").to_pylist())
    return {
        "items": len(items),
        "seconds": round(seconds, 2),
        "items_per_s": round(len(items) / seconds, 1),
        "api_calls": server.generate_calls() - calls0,
        "ok": ok,
        "concurrency": config.concurrency,
        "rpm": config.requests_per_minute,
        "items_per_request": config.batch_size(get_task(task_name).name),
        "loadavg_before": load0,
        "loadavg_after": load(),
    }


def seed_baseline(server: FakeServer, items, threads: int = 10, sleep_s: float = 0.2) -> dict:
    """NB02's loop: ThreadPoolExecutor, one synchronous call per item, fixed-delay retries, a sleep after each
    item, every result appended to a checkpoint CSV under a lock."""
    from google import genai
    from google.genai import types

    client = genai.Client(api_key=KEY, http_options=types.HttpOptions(base_url=server.base_url, api_version="v1beta"))
    task = get_task("descriptions")
    lock = threading.Lock()
    checkpoint = tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False, newline="")
    writer = csv.writer(checkpoint)

    def clean(asin: str, text: str) -> None:
        result = "NA"
        for _ in range(5):
            try:
                response = client.models.generate_content(
                    model="gemini-2.5-flash-lite", contents=task.prompt(task.prepare(text))
                )
                result = task.parse(response.text)
                break
            except (AnswerError, Exception):  # noqa: BLE001 - the seed retried on anything
                time.sleep(1.0)
        with lock:
            writer.writerow([asin, result])
        time.sleep(sleep_s)

    calls0 = server.generate_calls()
    load0 = load()
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(lambda it: clean(*it), items))
    seconds = time.perf_counter() - started
    checkpoint.close()
    os.unlink(checkpoint.name)
    return {
        "items": len(items),
        "seconds": round(seconds, 2),
        "items_per_s": round(len(items) / seconds, 1),
        "api_calls": server.generate_calls() - calls0,
        "threads": threads,
        "sleep_s": sleep_s,
        "loadavg_before": load0,
        "loadavg_after": load(),
    }


def load_full_items(raw_dir: Path, category: str, limit: int | None) -> list[dict] | None:
    """Items of a generated category with notebook 01's filter (title > 20, description > 100 chars)."""
    meta = raw_dir / category / f"meta_{category}.jsonl.gz"
    if not meta.is_file():
        return None
    items, seen = [], set()
    with gzip.open(meta, "rt", encoding="utf-8", errors="replace") as f:
        for line in f:
            try:
                r = json.loads(line)
            except ValueError:
                continue
            if not isinstance(r, dict) or r.get("parent_asin") in seen:
                continue
            seen.add(r.get("parent_asin"))
            title = r.get("title") or ""
            desc = " ".join(x for x in (r.get("description") or []) if isinstance(x, str))
            if isinstance(title, str) and len(title) > 20 and len(desc) > 100:
                items.append(
                    {
                        "parent_asin": r["parent_asin"],
                        "title": title,
                        "description_text": desc,
                        "features_text": " ".join(x for x in (r.get("features") or []) if isinstance(x, str)),
                        "categories_text": " > ".join(x for x in (r.get("categories") or []) if isinstance(x, str)),
                        "main_category": r.get("main_category") or "",
                        "store": r.get("store") or "",
                        "details": r.get("details") or {},
                    }
                )
                if limit and len(items) >= limit:
                    break
    return items


def offline(items: list[dict], workers: int) -> dict:
    provider = OfflineProvider(workers=workers)
    out = {"items": len(items), "workers": workers}
    total = 0.0
    plans = [
        ("descriptions", [(r["parent_asin"], r["description_text"]) for r in items]),
        ("titles", [(r["parent_asin"], r["title"]) for r in items]),
    ]
    for name, inputs in plans:
        started = time.perf_counter()
        table, _ = run_task(get_task(name), inputs, provider, None, progress=False)
        seconds = time.perf_counter() - started
        total += seconds
        out[name] = {"seconds": round(seconds, 2), "items_per_s": round(len(inputs) / seconds, 1)}
        if name == "descriptions":
            clean_desc = dict(
                zip(table.column("parent_asin").to_pylist(), table.column("clean_description").to_pylist())
            )
        else:
            clean_titles = dict(zip(table.column("parent_asin").to_pylist(), table.column("clean_title").to_pylist()))
    meta_inputs = [
        (
            r["parent_asin"],
            MetadataInput(
                title=clean_titles[r["parent_asin"]],
                description=clean_desc[r["parent_asin"]],
                categories_text=r["categories_text"],
                features_text=r["features_text"],
                main_category=r["main_category"],
                store=r["store"],
                details=r["details"],
            ),
        )
        for r in items
    ]
    started = time.perf_counter()
    run_task(get_task("metadata"), meta_inputs, provider, None, progress=False)
    seconds = time.perf_counter() - started
    total += seconds
    out["metadata"] = {"seconds": round(seconds, 2), "items_per_s": round(len(items) / seconds, 1)}
    out["all_three"] = {"seconds": round(total, 2), "items_per_s": round(len(items) / total, 1)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=20_000, help="items for the runs at our defaults")
    parser.add_argument("--latency", type=float, default=0.2, help="fake server: fixed seconds per call")
    parser.add_argument(
        "--per-token-latency", type=float, default=0.002, help="fake server: seconds per output token (chars / 4)"
    )
    parser.add_argument(
        "--baseline-items",
        type=int,
        default=2_000,
        help="items for the seed-style baseline (its rate is steady: 25 items/s at 0.2 s latency)",
    )
    parser.add_argument("--lifted-items", type=int, default=5_000, help="items for the run with the pace lifted")
    parser.add_argument(
        "--unbatched-items",
        type=int,
        default=5_000,
        help="items for descriptions one per request (its rate is steady: the pace, 66 requests/s)",
    )
    parser.add_argument("--full-raw-dir", type=Path, default=Path("/tmp/bench_raw"))
    parser.add_argument("--category", default="sample", help="category under --full-raw-dir")
    parser.add_argument("--offline-limit", type=int, default=None, help="cap on items for the offline run")
    parser.add_argument("--skip-online", action="store_true")
    parser.add_argument("--skip-offline", action="store_true")
    parser.add_argument("--json", type=Path, default=None, help="write the figures here too")
    args = parser.parse_args()

    report: dict = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "latency_s": args.latency,
        "per_token_latency_s": args.per_token_latency,
        "loadavg_start": load(),
    }
    if not args.skip_online:
        server = FakeServer(args.latency, args.per_token_latency)
        tmp = Path(tempfile.mkdtemp(prefix="bench_enrich_"))
        try:
            items = descriptions(args.items)
            print(f"[1] ours at defaults: {args.items} descriptions ...", flush=True)
            report["ours_default"] = ours(server, items, "descriptions", tmp / "a.sqlite")
            print(report["ours_default"], flush=True)
            print("[2] immediate re-run ...", flush=True)
            report["rerun"] = ours(server, items, "descriptions", tmp / "a.sqlite")
            print(report["rerun"], flush=True)
            print(f"[3] ours, pace lifted: {args.lifted_items} descriptions ...", flush=True)
            report["ours_pace_lifted"] = ours(
                server,
                descriptions(args.lifted_items),
                "descriptions",
                tmp / "b.sqlite",
                requests_per_minute=10_000_000,
            )
            print(report["ours_pace_lifted"], flush=True)
            print(f"[4] titles at defaults: {args.items} titles ...", flush=True)
            titles = [(a, f"ITEM {i} " + t[:80]) for i, (a, t) in enumerate(items)]
            report["ours_titles_default"] = ours(server, titles, "titles", tmp / "c.sqlite")
            print(report["ours_titles_default"], flush=True)
            print(f"[4b] descriptions one per request: {args.unbatched_items} descriptions ...", flush=True)
            report["ours_descriptions_unbatched"] = ours(
                server, descriptions(args.unbatched_items), "descriptions", tmp / "d.sqlite", description_batch_size=1
            )
            print(report["ours_descriptions_unbatched"], flush=True)
            print(f"[4c] titles one per request: {args.unbatched_items} titles ...", flush=True)
            report["ours_titles_unbatched"] = ours(
                server, titles[: args.unbatched_items], "titles", tmp / "e.sqlite", title_batch_size=1
            )
            print(report["ours_titles_unbatched"], flush=True)
            print(f"[5] seed baseline: {args.baseline_items} descriptions, 10 threads ...", flush=True)
            report["seed_baseline"] = seed_baseline(server, descriptions(args.baseline_items))
            print(report["seed_baseline"], flush=True)
            base = report["seed_baseline"]["items_per_s"]
            for key in ("ours_default", "ours_pace_lifted", "ours_descriptions_unbatched"):
                report[key]["speedup_vs_seed"] = round(report[key]["items_per_s"] / base, 2)
            # each task against its own one-per-request run at the same pace and concurrency
            for key, one in (
                ("ours_default", "ours_descriptions_unbatched"),
                ("ours_titles_default", "ours_titles_unbatched"),
            ):
                report[key]["speedup_vs_one_per_request"] = round(
                    report[key]["items_per_s"] / report[one]["items_per_s"], 2
                )
        finally:
            server.stop()
    if not args.skip_offline:
        items = load_full_items(args.full_raw_dir, args.category, args.offline_limit)
        source = f"{args.full_raw_dir}/{args.category} (generated full-scale sample)"
        if items is None:
            items = load_full_items(REPO / ".." / "shared" / "data", "Industrial", args.offline_limit)
            source = "../shared/data/Industrial (the full-scale sample was not generated)"
        if items:
            print(f"[6] offline provider on {len(items)} items from {source} ...", flush=True)
            report["offline"] = {"source": source, **offline(items, workers=os.cpu_count() or 1)}
            print(report["offline"], flush=True)
    report["loadavg_end"] = load()
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
