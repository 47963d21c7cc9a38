"""End-to-end: `dbt build` of stages 1-2 with provider gemini against the fake Gemini server.

A tiny raw category is written in the Amazon 2023 layout (video-game-like, with messy text), the build
calls the real SDK through the dbt Python models, one item's description fails for good (fallback), and
the API key appears nowhere: not in the warehouse, target/, logs, outputs or the cache.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.dbt_helpers import DbtProject  # noqa: E402
from tests.fakes.gemini_server import FakeGemini  # noqa: E402

pytestmark = pytest.mark.e2e
KEY = "sk-test-E2E-0b6f3d91aa"
PLATFORMS = ["PS4", "Xbox One", "Nintendo Switch", "PC"]
N_ITEMS, N_USERS = 40, 30


def write_raw_category(raw_dir: Path, category: str = "tiny") -> None:
    folder = raw_dir / category
    folder.mkdir(parents=True)
    with gzip.open(folder / f"meta_{category}.jsonl.gz", "wt", encoding="utf-8") as f:
        for i in range(N_ITEMS):
            platform = PLATFORMS[i % 4]
            kind = "Wireless Controller" if i % 5 == 0 else "Adventure Game"
            f.write(
                json.dumps(
                    {
                        "main_category": "Video Games",
                        "title": f"ITEM-{i} Star Quest {kind} for {platform} NEW!!!",
                        "average_rating": 4.5,
                        "rating_number": 10 + i,
                        "features": ["Online multiplayer", "4K"],
                        "description": [
                            f"ITEM-{i} &amp; an <b>open-world</b> action adventure for {platform}. "
                            f"Explore, fight and build with friends online. BUY NOW!!!"
                        ],
                        "price": 19.99,
                        "images": [],
                        "videos": [],
                        "store": "Star Studios",
                        "categories": ["Video Games", platform, "Games"],
                        "details": {"Brand": "Star Studios"},
                        "parent_asin": f"P{i:04d}",
                        "bought_together": None,
                    }
                )
                + "\n"
            )
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["user_id", "parent_asin", "rating", "timestamp", "history"])
    for u in range(N_USERS):
        items = [f"P{(u * 7 + k * 3) % N_ITEMS:04d}" for k in range(5)]
        for k, item in enumerate(items):
            writer.writerow([f"U{u:03d}", item, 5.0, 1_600_000_000_000 + u * 1000 + k, " ".join(items[:k])])
    with gzip.open(folder / f"{category}.train.csv.gz", "wt", encoding="utf-8") as f:
        f.write(buf.getvalue())


def test_dbt_build_with_gemini_against_the_fake_server(tmp_path):
    raw = tmp_path / "raw"
    write_raw_category(raw)
    cache = tmp_path / "cache" / "enrichment.sqlite"
    project = DbtProject(
        tmp_path / "build",
        vars={
            "category": "tiny",
            "raw_dir": str(raw),
            "enrich_provider": "gemini",
            "enrich_cache_path": str(cache),
            "enrich_backoff_initial_s": 0.01,
            "enrich_max_attempts": 3,
            "enrich_title_batch_size": 5,
            "enrich_min_coverage": {"product_type": 1.0, "platform": 0.9, "brand": 0.9},
        },
    )
    with FakeGemini() as fake:
        # this description fails for good: left out of its batched answer, then 503 twice when sent alone
        fake.add_fault("ITEM-3 &amp;", "drop_one", 503, 503)
        # cautious: tests of later stages that also reference our models stay out
        project.build(
            "--select",
            "tag:stage_01",
            "tag:stage_02",
            "--indirect-selection",
            "cautious",
            vars={"enrich_base_url": fake.base_url},
            env={"GEMINI_API_KEY": KEY},
        )
        assert fake.api_keys == {KEY}
        first_calls = fake.calls["generate"]
        # descriptions by 4 (the default) + 2 retries alone, titles by 5, metadata one each
        assert first_calls == (N_ITEMS // 4 + 2) + N_ITEMS // 5 + N_ITEMS

        rows = project.query(
            "select parent_asin, title, description_text, description_provider, description_status, "
            "title_provider, metadata_provider, platform, item_context from tiny.items_enriched "
            "order by parent_asin"
        )
        assert len(rows) == N_ITEMS
        by_asin = {r[0]: r for r in rows}
        assert by_asin["P0003"][3:5] == ("offline", "fallback")  # rules answered; the cache keeps the failure
        assert all(r[3] == "gemini" for a, r in by_asin.items() if a != "P0003")
        assert {r[5] for r in rows} == {"gemini"} and {r[6] for r in rows} == {"gemini"}
        assert by_asin["P0001"][1] == "ITEM-1 Star Quest Adventure Game for Xbox One NEW!!!"  # the fake's answer
        assert by_asin["P0000"][7] == ["PlayStation 4"]  # normalised from the fake's "PS4"
        assert (
            by_asin["P0002"][8].startswith("Product: ITEM-2 Star Quest")
            and "\nPlatform: Nintendo Switch\n" in by_asin["P0002"][8]  # the fake says "Switch"
        )
        calls = dict(
            (r[0], r[1:])
            for r in project.query("select task, distinct_inputs, cached, answered, failed from tiny.enrich_calls")
        )
        assert calls["clean_description"] == (N_ITEMS, 0, N_ITEMS - 1, 1)
        assert calls["extract_metadata"] == (N_ITEMS, 0, N_ITEMS, 0)
        assert project.query("select count(*) from tiny.sequences_enriched")[0][0] > 0

        # a second build calls the API only for the failed description
        fake.reset_counts()
        project.build(
            "--select", "int_clean_descriptions", vars={"enrich_base_url": fake.base_url}, env={"GEMINI_API_KEY": KEY}
        )
        assert fake.calls["generate"] == 1
        assert (
            project.query("select count(*) from tiny.int_clean_descriptions where status = 'ok' and cache_hit")[0][0]
            == N_ITEMS - 1
        )

        # the fatal path: a 401 that quotes the key back stops the build (a fresh cache, so titles are sent)
        fake.fail_next.extend(["leak_401"] * 20)
        failed = project.invoke(
            "build",
            "--select",
            "int_clean_titles",
            vars={"enrich_base_url": fake.base_url, "enrich_cache_path": str(cache.parent / "after_401.sqlite")},
            env={"GEMINI_API_KEY": KEY},
        )
        assert not failed.success and "401" in failed.output
        assert fake.calls["fault:leak_401"] >= 1  # the server did echo the key: redaction had work to do
        assert KEY not in failed.output

    out = project.out_dir / "tiny"
    assert pq.read_table(out / "items_enriched.parquet").num_rows == N_ITEMS
    for name in [
        "sequences_enriched",
        "enrich_text_quality",
        "enrich_char_reduction",
        "enrich_metadata_coverage",
        "enrich_value_distribution",
        "enrich_calls",
    ]:
        assert (out / f"{name}.parquet").is_file(), name
    leaked = [
        p
        for root in (project.root, cache.parent)
        for p in root.rglob("*")
        if p.is_file() and KEY.encode() in p.read_bytes()
    ]
    assert leaked == []
