"""The offline provider: rule-based cleaning and extraction, on made-up messy text and on real Industrial text."""

from __future__ import annotations

import gzip
import html
import json
import re
from pathlib import Path

import pytest

from python_jobs.enrich import rules
from python_jobs.enrich.extract import MetadataInput, extract_metadata
from python_jobs.enrich.normalize import normalize_metadata
from python_jobs.enrich.providers.offline import OfflineProvider
from python_jobs.enrich.runner import run_task
from python_jobs.enrich.settings import EnrichSettings
from python_jobs.enrich.tasks import get_task

INDUSTRIAL = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "Industrial" / "meta_Industrial.jsonl.gz"

LIMITS = EnrichSettings.load()  # the length limits of the dbt_project.yml vars


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("SUPER MARIO ODYSSEY - NINTENDO SWITCH!!! \u2605\u2605\u2605 NEW!", "Super Mario Odyssey - Nintendo Switch"),
        ("wireless controller w/ charging cable for ps4 (PS4)", "Wireless Controller with Charging Cable for PS4"),
        ("Halo 3 Collector's Ed. (Xbox 360) - Xbox 360", "Halo 3 Collector's Edition - Xbox 360"),
        ("&lt;b&gt;Gaming Headset&lt;/b&gt; &amp;amp; Mic [Sold by GameWorld Store]", "Gaming Headset & Mic"),
        (
            "Stanley TRA708T Sharpshooter 1/2-Inch Leg Length Staples, Steel (1000 Count)",
            "Stanley TRA708T Sharpshooter 1/2-Inch Leg Length Staples, Steel (1000 Count)",
        ),  # clean titles stay
        (
            "HM Digital DM-1 Monitor, 0-9990 ppm Range, +/- 2% Accuracy",
            "HM Digital DM-1 Monitor, 0-9990 ppm Range, +/- 2% Accuracy",
        ),
    ],
)
def test_title_rules(raw, expected):
    assert rules.clean_title(raw, LIMITS.enrich_title_max_chars) == expected


def test_title_length_limit_cuts_at_a_word():
    title = rules.clean_title("Ultimate " * 60, LIMITS.enrich_title_max_chars)
    assert 0 < len(title) <= 200 and not title.endswith(" ")
    assert (
        rules.clean_title("Mega Bundle (" + "Extra Long Words " * 20 + ")", LIMITS.enrich_title_max_chars).count("(")
        == 0
    )


def test_description_rules():
    raw = (
        "GREAT GAME FOR KIDS. THE BEST PLATFORMER ON THE PS4! Buy now and save!!! <br>\u2022 Fun levels"
        "<br>\u2022 4 player co-op<br>\u2022 4 player co-op<br>Features: Lots of fun and more to come..."
    )
    out = rules.clean_description(raw, LIMITS.enrich_description_max_words)
    assert out == "Great game for kids. The best platformer on the PS4! Fun levels. 4 player co-op."
    assert rules.clean_description("", LIMITS.enrich_description_max_words) == ""


def test_description_word_limit_and_input_truncation():
    long = " ".join(f"Sentence number {i} has exactly seven words." for i in range(400))
    out = rules.clean_description(long, LIMITS.enrich_description_max_words)
    assert rules.word_count(out) <= 200 and out.endswith(".")
    assert "end" not in rules.clean_description(
        "x" * 5000 + " end.", LIMITS.enrich_description_max_words
    )  # input cut to 2,000 chars first


def test_extraction_on_game_text():
    meta = normalize_metadata(
        extract_metadata(
            MetadataInput(
                title="Super Mario Odyssey - Nintendo Switch",
                description="Explore huge 3D kingdoms in this open-world platforming adventure. Play solo or with a friend "
                "in local co-op.",
                categories_text="Video Games > Nintendo Switch > Games",
                store="Nintendo",
            )
        )
    )
    assert meta.product_type == "Game" and meta.platform == ["Nintendo Switch"]
    assert {"Open World", "Platformer", "Adventure"} <= set(meta.genre)
    assert meta.multiplayer == "Local Co-op, Single-player" and meta.franchise == "Super Mario"
    assert meta.brand == "Nintendo" and meta.hardware_type is None


def test_extraction_on_accessories_and_hardware():
    pad = normalize_metadata(
        extract_metadata(
            MetadataInput(
                title="PowerA Wired Controller for Xbox Series X|S - Black",
                description="Mappable buttons.",
                store="Visit the PowerA Store",
            )
        )
    )
    assert (pad.product_type, pad.hardware_type, pad.platform, pad.brand, pad.genre) == (
        "Accessory",
        "Controller",
        ["Xbox Series X|S"],
        "PowerA",
        [],
    )
    console = normalize_metadata(
        extract_metadata(
            MetadataInput(
                title="PlayStation 4 Pro 1TB Console",
                description="The most powerful PS4.",
                details='{"Manufacturer": "Sony"}',
            )
        )
    )
    assert (console.product_type, console.hardware_type, console.brand) == ("Hardware", "Console", "Sony")
    stand = normalize_metadata(extract_metadata(MetadataInput(title="Vertical Stand for PS5 Console")))
    assert stand.product_type == "Accessory"
    series = normalize_metadata(
        extract_metadata(
            MetadataInput(
                title="Shadow Realm III", description="The third game in the Shadow Realm series, an action RPG."
            )
        )
    )
    assert series.franchise == "Shadow Realm" and "Action RPG" in series.genre


@pytest.fixture(scope="module")
def industrial() -> list[dict]:
    if not INDUSTRIAL.is_file():
        pytest.skip("real sample ../shared/data/Industrial is absent")
    with gzip.open(INDUSTRIAL, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def test_offline_provider_on_real_industrial_text(industrial):
    rows = [r for r in industrial if r.get("title") and r.get("description")][:1500]
    items = [(r["parent_asin"], " ".join(r["description"])) for r in rows]
    # this sample's descriptions hold no HTML entities at all, so every fifth one is added again as scraped HTML
    # often arrives (escaped, a non-breaking space, in a paragraph): the rules must turn it back into the text
    escaped = [
        (f"{asin}-html", "<p>" + html.escape(text).replace(" ", "&nbsp;", 1) + "</p>") for asin, text in items[::5]
    ]
    items += escaped
    table, stats = run_task(get_task("descriptions"), items, OfflineProvider(workers=1), None, progress=False)
    assert table.num_rows == len(items) and stats.failed == 0
    cleaned = table.column("clean_description").to_pylist()
    entity = re.compile(r"&(?:amp|lt|gt|nbsp|quot|#\d+);")
    raw_entities = sum(bool(entity.search(t)) for _, t in items)
    assert raw_entities == len(escaped) > 250  # the input had entities to remove
    assert sum(bool(entity.search(t)) for t in cleaned) == 0
    by_asin = dict(zip(table.column("parent_asin").to_pylist(), cleaned))
    assert all(by_asin[f"{asin}-html"] == by_asin[asin] for asin, _ in items[:1500:5])  # decoded, not deleted
    assert not any(re.search(r"<\s*/?\s*(?:br|p|li|div|b)\b[^>]*>", t) for t in cleaned)
    assert all(rules.word_count(t) <= 200 for t in cleaned)
    assert all(not re.search(r"\s{2,}", t) for t in cleaned)
    # real descriptions are mostly clean already: most sentences survive, and the text gets shorter overall
    before, after = sum(len(t) for _, t in items), sum(len(t) for t in cleaned)
    assert 0.3 * before < after < before
    assert all(table.column("provider").to_pylist()[i] == "offline" for i in range(table.num_rows))

    titles, _ = run_task(
        get_task("titles"),
        [(r["parent_asin"], r["title"]) for r in rows],
        OfflineProvider(workers=1),
        None,
        progress=False,
    )
    clean_titles = titles.column("clean_title").to_pylist()
    assert all(0 < len(t) <= 200 for t in clean_titles)
    assert sum(t == r["title"] for t, r in zip(clean_titles, rows)) > len(rows) / 2  # good titles are left alone

    metas = [
        normalize_metadata(
            extract_metadata(
                MetadataInput(
                    title=r["title"],
                    description=" ".join(r["description"]),
                    store=r.get("store") or "",
                    details=r.get("details"),
                )
            )
        )
        for r in rows
    ]
    assert sum(m.brand is not None for m in metas) / len(metas) > 0.95  # brands come from details.Brand
    assert all(m.product_type is not None for m in metas)
