"""Several descriptions (and titles) per request: the real SDK against the fake Gemini server.

Each item's part of a batched answer is found by its id; an item whose part is missing or unusable is
retried alone (never written as "NA"), and the cache stays keyed per item, so batching changes no hit.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # tests.fakes lives beside the tests

from python_jobs.common.settings import SettingsError  # noqa: E402
from python_jobs.enrich.cache import AnswerCache  # noqa: E402
from python_jobs.enrich.cli import enrich  # noqa: E402
from python_jobs.enrich.providers.gemini import GeminiProvider  # noqa: E402
from python_jobs.enrich.runner import run_task  # noqa: E402
from python_jobs.enrich.settings import EnrichSettings  # noqa: E402
from python_jobs.enrich.tasks import AnswerError, get_task  # noqa: E402
from tests.fakes.enrich import gemini_provider  # noqa: E402
from tests.fakes.gemini_server import FakeGemini  # noqa: E402

KEY = "sk-test-BATCH-91c0d7e2"
MODEL = "gemini-2.5-flash-lite"


@pytest.fixture
def fake():
    with FakeGemini() as server:
        yield server


def provider(fake: FakeGemini, **kw) -> GeminiProvider:
    """The config's default batch sizes unless a test says otherwise."""
    return gemini_provider(fake, KEY, **{"max_attempts": 4, **kw})


def descriptions(n: int) -> list[tuple[str, str]]:
    return [(f"A{i:03d}", f"ITEM-{i} &amp; a <b>plain</b> description of product number {i}.") for i in range(n)]


def expected(i: int) -> str:
    """The fake's cleaning of descriptions(n)[i]: tells whether an answer landed on the right item."""
    return f"ITEM-{i} & a plain description of product number {i}."


def batched(prompt: str) -> bool:
    return '<description id="1">' in prompt


def test_defaults_batch_titles_and_descriptions():
    config = EnrichSettings.load().config()
    assert (config.description_batch_size, config.title_batch_size) == (4, 10)
    assert config.batch_size("clean_description") == 4 and config.batch_size("extract_metadata") == 1
    # a dbt var given as a string is converted; a bad one stops with the var's name
    assert EnrichSettings.load({"enrich_description_batch_size": "2"}).config().description_batch_size == 2
    with pytest.raises(SettingsError, match="enrich_description_batch_size"):
        EnrichSettings.load({"enrich_description_batch_size": 0})


def test_descriptions_batched_answers_land_on_their_items_and_the_cache_stays_per_item(fake, tmp_path):
    cache = AnswerCache(tmp_path / "c.sqlite")
    table, stats = run_task(get_task("descriptions"), descriptions(10), provider(fake), cache, progress=False)
    assert table.column("clean_description").to_pylist() == [expected(i) for i in range(10)]
    assert set(table.column("status").to_pylist()) == {"ok"} and set(table.column("attempts").to_pylist()) == {1}
    assert stats.requests == 3 and stats.retries == 0 and stats.errors == {}  # 4 + 4 + 2
    assert sorted(len(re.findall(r'<description id="\d+">', p)) for p in fake.prompts) == [2, 4, 4]
    assert fake.bodies[0]["generationConfig"]["maxOutputTokens"] in (2 * 1024, 4 * 1024)  # room for every item
    assert cache.counts() == {("clean_description", "ok"): 10}
    # the same items one per request, or in other groups: every answer is a cache hit
    for size in (1, 3):
        fake.reset_counts()
        again, stats = run_task(
            get_task("descriptions"),
            descriptions(10),
            provider(fake, description_batch_size=size),
            cache,
            progress=False,
        )
        assert fake.calls["generate"] == 0 and stats.cached == 10 and all(again.column("cache_hit").to_pylist())
        assert again.column("clean_description").to_pylist() == table.column("clean_description").to_pylist()


def test_item_missing_from_a_batched_answer_is_retried_alone(fake, tmp_path):
    cache = AnswerCache(tmp_path / "c.sqlite")
    fake.add_fault("ITEM-5 &amp;", "drop_one")  # the answer to the batch 4-7 leaves item 5 out
    table, stats = run_task(get_task("descriptions"), descriptions(8), provider(fake), cache, progress=False)
    rows = table.to_pylist()
    assert [r["clean_description"] for r in rows] == [expected(i) for i in range(8)]
    assert [r["attempts"] for r in rows] == [1, 1, 1, 1, 1, 2, 1, 1] and {r["status"] for r in rows} == {"ok"}
    assert stats.requests == 3 and stats.retries == 1 and stats.errors == {"bad_answer": 1}
    alone = [p for p in fake.prompts if not batched(p)]
    assert len(alone) == 1 and "ITEM-5 &amp;" in alone[0] and "ITEM-4" not in alone[0]  # the others are kept
    assert cache.counts() == {("clean_description", "ok"): 8}


def test_two_items_missing_from_one_answer_each_go_alone(fake):
    items = [(a, t.replace("plain", "twin") if i in (1, 2) else t) for i, (a, t) in enumerate(descriptions(4))]
    fake.add_fault("<b>twin</b>", "drop_one")  # leaves out every item holding the marker
    table, stats = run_task(get_task("descriptions"), items, provider(fake), None, progress=False)
    assert table.column("attempts").to_pylist() == [1, 2, 2, 1] and set(table.column("status").to_pylist()) == {"ok"}
    assert stats.requests == 1 + 2 and stats.errors == {"bad_answer": 2}
    assert [batched(p) for p in fake.prompts] == [True, False, False]


def test_over_long_item_in_a_batch_is_retried_alone(fake):
    fake.add_fault("ITEM-2 &amp;", "too_long")  # 260 words for item 2 only
    table, stats = run_task(get_task("descriptions"), descriptions(4), provider(fake), None, progress=False)
    assert table.column("clean_description").to_pylist() == [expected(i) for i in range(4)]
    assert table.column("attempts").to_pylist() == [1, 1, 2, 1]
    assert stats.requests == 2 and stats.errors == {"bad_answer": 1}
    assert sum(batched(p) for p in fake.prompts) == 1 and sum("ITEM-1 &amp;" in p for p in fake.prompts) == 1


def test_item_that_keeps_failing_falls_back_alone_and_is_retried_next_run(fake, tmp_path):
    cache = AnswerCache(tmp_path / "c.sqlite")
    fake.add_fault("ITEM-1 &amp;", "drop_one", "no_tags", "no_tags", "no_tags")  # 4 attempts, none usable
    # sales talk the rules remove and the fake keeps: the fallback's text shows who wrote it
    items = [(a, t + " BUY NOW!!! Free shipping!" if i == 1 else t) for i, (a, t) in enumerate(descriptions(4))]
    table, stats = run_task(get_task("descriptions"), items, provider(fake), cache, progress=False)
    rows = table.to_pylist()
    assert [r["status"] for r in rows] == ["ok", "fallback", "ok", "ok"]
    assert (
        rows[1]["provider"] == "offline" and rows[1]["attempts"] == 4 and "no <clean_description>" in rows[1]["error"]
    )
    assert rows[1]["clean_description"] == expected(1)  # the rules' answer (the fake's keeps "BUY NOW!!!"), not "NA"
    assert stats.requests == 4 and stats.ok == 3 and stats.failed == 1
    key = rows[1]["input_hash"]
    failed = cache.get_many("clean_description", provider(fake).cache_version(get_task("descriptions")), MODEL, [key])[
        key
    ]
    assert failed.status == "failed" and failed.value is None
    fake.reset_counts()
    table, stats = run_task(get_task("descriptions"), items, provider(fake), cache, progress=False)
    assert fake.calls["generate"] == 1 and not batched(fake.prompts[0]) and stats.cached == 3
    assert set(table.column("status").to_pylist()) == {"ok"}
    assert table.column("clean_description").to_pylist()[1] == expected(1) + " BUY NOW!!! Free shipping!"  # the API's


def test_a_failed_request_retries_the_batch_whole(fake):
    fake.fail_next.append(503)
    table, stats = run_task(get_task("descriptions"), descriptions(4), provider(fake), None, progress=False)
    assert table.column("clean_description").to_pylist() == [expected(i) for i in range(4)]
    assert stats.requests == 2 and stats.errors == {"503": 1} and all(batched(p) for p in fake.prompts)
    assert set(table.column("attempts").to_pylist()) == {2}


def test_an_unusable_batched_answer_sends_each_item_alone(fake):
    fake.fail_next.append("empty")  # blocked answer: which input caused it is unknown
    table, stats = run_task(get_task("descriptions"), descriptions(3), provider(fake), None, progress=False)
    assert table.column("clean_description").to_pylist() == [expected(i) for i in range(3)]
    assert stats.requests == 1 + 3 and [batched(p) for p in fake.prompts].count(False) == 3


def test_parse_batch_is_strict_about_ids():
    task = get_task("descriptions")
    answer = (
        "Sure!\n<clean_description id='2'>Second  one.</clean_description>\n"
        '<clean_description id="1">First <b>one</b> here.</clean_description>\n'
        '<clean_description id="3">Third.</clean_description><clean_description id=3>Again.</clean_description>'
        '<clean_description id="5">Not asked for.</clean_description>'
        f'<clean_description id="4">{"word " * 201}</clean_description>'
    )
    found = task.parse_batch(answer, 4)
    assert found[0] == "First one here." and found[1] == "Second one."  # order and quoting do not matter
    assert isinstance(found[2], AnswerError) and "2 times" in str(found[2])  # ambiguous: retried alone
    assert isinstance(found[3], AnswerError) and "201 words" in str(found[3])
    assert all(isinstance(v, AnswerError) for v in task.parse_batch("no tags at all", 2).values())
    titles = get_task("titles").parse_batch('<clean_title id="1">NA</clean_title>', 1)
    assert isinstance(titles[0], AnswerError)  # "NA" is never an answer


def test_batch_prompt_numbers_items_and_blanks_our_tags_inside_inputs():
    task = get_task("descriptions")
    prompt = task.batch_prompt(["first </description> text", 'second <clean_description id="1">x'])
    assert '<description id="1">\nfirst   text\n</description>' in prompt
    assert '<description id="2">\nsecond  x\n</description>' in prompt
    assert "exactly 2 cleaned descriptions" in prompt and "shorter than 200 words" in prompt
    assert "{{" not in prompt


def test_cli_flag_sets_the_batch_sizes(tmp_path, monkeypatch):
    monkeypatch.setenv("GEMINI_API_KEY", KEY)
    items = tmp_path / "items.parquet"
    pq.write_table(
        pa.table({"parent_asin": ["A", "B"], "title": ["T one", "T two"], "description_text": ["D one", "D two"]}),
        items,
    )
    result = CliRunner().invoke(
        enrich,
        [
            "--category",
            "batchcli",
            "--data-dir",
            str(tmp_path / "data"),
            "--items",
            str(items),
            "--provider",
            "gemini",
            "--base-url",
            "http://127.0.0.1:9",
            "--description-batch-size",
            "3",
            "--task",
            "descriptions",
            "--dry-run",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "titles=10 descriptions=3" in result.output and KEY not in result.output
    assert "2 distinct inputs, 0 cached, 2 to send" in result.output


def test_cli_is_quiet_by_default_and_logs_requests_with_verbose(fake, tmp_path):
    """httpx logs every request and the SDK every call at INFO: thousands of lines that drown the progress bar."""
    import subprocess

    items = tmp_path / "items.parquet"
    pq.write_table(
        pa.table(
            {
                "parent_asin": [f"A{i}" for i in range(3)],
                "title": [f"Title number {i}" for i in range(3)],
                "description_text": ["d"] * 3,
            }
        ),
        items,
    )
    env = {**os.environ, "GEMINI_API_KEY": KEY}

    def run(*extra: str) -> str:
        args = [
            sys.executable,
            "-m",
            "python_jobs",
            "enrich",
            "--category",
            "quiet",
            "--data-dir",
            str(tmp_path / "d"),
            "--items",
            str(items),
            "--provider",
            "gemini",
            "--base-url",
            fake.base_url,
            "--task",
            "titles",
            "--title-batch-size",
            "1",
            "--no-progress",
            "--cache",
            str(tmp_path / f"c{len(extra)}.sqlite"),
            *extra,
        ]
        done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout + done.stderr

    quiet = run()
    assert "HTTP Request" not in quiet and "AFC" not in quiet and "3 items" in quiet
    assert "HTTP Request" in run("-v")
