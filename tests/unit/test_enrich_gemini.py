"""The Gemini provider: the real google-genai SDK against a fake Gemini server on 127.0.0.1."""

from __future__ import annotations

import ast
import re
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # tests.fakes lives beside the tests

from python_jobs.enrich.cache import AnswerCache  # noqa: E402
from python_jobs.enrich.extract import MetadataInput  # noqa: E402
from python_jobs.enrich.providers.gemini import GeminiProvider  # noqa: E402
from python_jobs.enrich.providers.gemini_errors import FatalProviderError, server_retry_delay  # noqa: E402
from python_jobs.enrich.runner import run_task  # noqa: E402
from python_jobs.enrich.tasks import get_task  # noqa: E402
from tests.fakes.enrich import gemini_provider  # noqa: E402
from tests.fakes.gemini_server import FakeGemini  # noqa: E402

KEY = "sk-test-NOT-A-REAL-KEY-4f9a2c"


@pytest.fixture
def fake():
    with FakeGemini(slow_s=1.0) as server:
        yield server


def provider(fake: FakeGemini, **kw) -> GeminiProvider:
    # one item per request unless a test asks for more: these tests count requests of the one-item path
    # (several items per request: test_enrich_batch.py)
    return gemini_provider(fake, KEY, **{"max_attempts": 4, "title_batch_size": 1, "description_batch_size": 1, **kw})


def descriptions(n: int, prefix: str = "ITEM") -> list[tuple[str, str]]:
    return [(f"A{i:03d}", f"{prefix}-{i} &amp; a <b>plain</b> description of product number {i}.") for i in range(n)]


def _chatty_answer(prompt: str, body: dict) -> str:
    """An answer only the parser can turn into the cleaned text: a preamble, the tag block with stray markup and
    broken spacing inside, a postscript. The item number ties each answer to its input."""
    (number,) = re.findall(r"ITEM-(\d+) ", prompt)[-1:] or ["999"]
    return (
        "Sure! Here is the cleaned description.\n<clean_description>\n  Item   number <b>"
        f"{number}</b>,\n cleaned  </clean_description>\nLet me know if you need anything else."
    )


def test_success_real_sdk_answers_are_parsed_cached_and_keyed(fake, tmp_path):
    fake.responder = _chatty_answer
    cache = AnswerCache(tmp_path / "c.sqlite")
    long_item = ("A999", "spam " * 1000)  # 5,000 characters: truncated to 2,000 before the call
    table, stats = run_task(
        get_task("descriptions"), descriptions(5) + [long_item], provider(fake), cache, progress=False
    )
    assert stats.called == 6 and stats.ok == 6 and stats.requests == 6 and stats.errors == {}
    rows = {r["parent_asin"]: r for r in table.to_pylist()}
    assert rows["A001"]["clean_description"] == "Item number 1 , cleaned"
    assert rows["A004"]["clean_description"] == "Item number 4 , cleaned"
    assert {r["status"] for r in rows.values()} == {"ok"} and {r["provider"] for r in rows.values()} == {"gemini"}
    assert {r["model"] for r in rows.values()} == {"gemini-2.5-flash-lite"}
    assert fake.api_keys == {KEY}  # sent as a header, by the SDK
    assert all(len(p) < 2000 + 2000 for p in fake.prompts)  # prompt template + at most 2,000 input chars
    assert max(p.count("spam") for p in fake.prompts) == 400
    assert cache.counts() == {("clean_description", "ok"): 6}
    # an immediate re-run makes no call
    fake.reset_counts()
    table2, stats2 = run_task(
        get_task("descriptions"), descriptions(5) + [long_item], provider(fake), cache, progress=False
    )
    assert fake.calls["generate"] == 0 and stats2.cached == 6 and stats2.called == 0
    assert table2.column("clean_description").to_pylist() == table.column("clean_description").to_pylist()
    assert all(table2.column("cache_hit").to_pylist())


def test_429_then_success_is_retried(fake):
    fake.add_fault("ITEM-2", 429, 429)
    table, stats = run_task(get_task("descriptions"), descriptions(4), provider(fake), None, progress=False)
    row = table.to_pylist()[2]
    assert row["status"] == "ok" and row["attempts"] == 3
    assert stats.errors == {"429": 2} and stats.requests == 6 and stats.retries == 2


def test_503_until_out_of_attempts_falls_back_and_is_retried_next_run(fake, tmp_path):
    cache = AnswerCache(tmp_path / "c.sqlite")
    fake.add_fault("ITEM-1", *[503] * 4)
    table, stats = run_task(get_task("descriptions"), descriptions(3), provider(fake), cache, progress=False)
    row = table.to_pylist()[1]
    assert row["status"] == "fallback" and row["provider"] == "offline" and row["model"] == "rules-v1"
    assert row["attempts"] == 4 and "503" in row["error"]
    assert row["clean_description"] == "ITEM-1 & a plain description of product number 1."  # the rules' answer
    assert stats.failed == 1 and stats.ok == 2
    version = provider(fake).cache_version(get_task("descriptions"))  # the prompt_version plus the settings' hash
    failed = cache.get_many("clean_description", version, "gemini-2.5-flash-lite", [row["input_hash"]])[
        row["input_hash"]
    ]
    assert failed.status == "failed" and failed.value is None and failed.attempts == 4
    fake.reset_counts()
    table, stats = run_task(get_task("descriptions"), descriptions(3), provider(fake), cache, progress=False)
    assert fake.calls["generate"] == 1 and stats.cached == 2 and stats.called == 1 and stats.ok == 1
    assert table.to_pylist()[1]["status"] == "ok"
    assert (
        cache.get_many("clean_description", version, "gemini-2.5-flash-lite", [row["input_hash"]])[
            row["input_hash"]
        ].attempts
        == 5
    )


def test_timeouts_are_retried(fake):
    fake.add_fault("ITEM-0", "timeout")
    started = time.perf_counter()
    table, stats = run_task(
        get_task("descriptions"), descriptions(2), provider(fake, timeout_s=0.3), None, progress=False
    )
    assert stats.errors == {"timeout": 1} and table.column("status").to_pylist() == ["ok", "ok"]
    assert time.perf_counter() - started < 1.0 + 0.5  # did not wait for the slow answer


@pytest.mark.parametrize(
    "fault, error",
    [("no_tags", "no <clean_description>"), ("too_long", "words (limit 200)"), ("empty", "empty answer")],
)
def test_unusable_answers_are_retried_then_fall_back(fake, fault, error):
    fake.add_fault("ITEM-0", fault)  # once: the retry succeeds
    fake.add_fault("ITEM-1", *[fault] * 4)  # always: falls back with the reason
    table, stats = run_task(get_task("descriptions"), descriptions(2), provider(fake), None, progress=False)
    first, second = table.to_pylist()
    assert first["status"] == "ok" and first["attempts"] == 2
    assert second["status"] == "fallback" and error in second["error"]
    assert stats.errors == {"bad_answer": 5}


def test_title_answers_over_200_characters_are_rejected(fake):
    fake.add_fault("TITLE-0", "too_long")
    table, stats = run_task(
        get_task("titles"), [("A", "TITLE-0 Some Game"), ("B", "TITLE-1 Other")], provider(fake), None, progress=False
    )
    assert table.column("clean_title").to_pylist() == ["TITLE-0 Some Game", "TITLE-1 Other"]
    assert stats.errors == {"bad_answer": 1}


def test_metadata_structured_output_malformed_json_and_normalisation(fake):
    fake.add_fault("Title: GAME-1", "malformed_json")
    fake.add_fault("Title: GAME-2", "extra_keys")
    items = [
        (
            f"G{i}",
            MetadataInput(title=f"GAME-{i} Space Battle", description="An online action game for PS4.", store="Sony"),
        )
        for i in range(3)
    ]
    table, stats = run_task(get_task("metadata"), items, provider(fake), None, progress=False)
    body = fake.bodies[0]["generationConfig"]
    assert body["responseMimeType"] == "application/json" and body["responseSchema"]["type"] == "OBJECT"
    rows = table.to_pylist()
    assert [r["status"] for r in rows] == ["ok", "ok", "ok"] and rows[1]["attempts"] == 2
    assert rows[0]["platform"] == ["PlayStation 4"] and rows[0]["genre"] == ["Action"]
    assert rows[2]["platform"] == ["PlayStation 4"]  # "PS4, Playstation4" -> one platform
    assert rows[2]["franchise"] is None  # the string "null" -> null
    assert rows[2]["dropped_keys"] == ["rating_guess", "sub_franchise"]
    assert stats.errors == {"bad_answer": 1}


def test_titles_batched_several_per_request(fake):
    items = [(f"T{i}", f"TITLE-{i} Great   Game") for i in range(10)]
    fake.fail_next.append("drop_one")  # the first request's answer leaves one title out
    table, stats = run_task(get_task("titles"), items, provider(fake, title_batch_size=4), None, progress=False)
    assert table.column("clean_title").to_pylist() == [f"TITLE-{i} Great Game" for i in range(10)]
    assert set(table.column("status").to_pylist()) == {"ok"}
    assert stats.requests == 3 + 1  # 4 + 4 + 2 titles, and one retry for the title left out
    assert sum('<title id="' in p for p in fake.prompts) == 3  # the retry of the one left out goes alone
    assert sum('<title id="' not in p for p in fake.prompts) == 1


def test_concurrency_bound_and_global_rate_limit(fake):
    fake.latency_s = 0.05
    started = time.perf_counter()
    _, stats = run_task(
        get_task("descriptions"),
        descriptions(25),
        provider(fake, concurrency=4, requests_per_minute=600),
        None,
        progress=False,
    )
    elapsed = time.perf_counter() - started
    assert stats.ok == 25 and fake.max_in_flight <= 4
    # 600/min = 10/s: a first burst of at most 10, then 10 per second, so 25 requests need about 1.5 s
    assert elapsed >= 1.3
    arrivals = fake.arrivals
    # at most 20 sent in any second (a burst of 10 + 10/s); the server sees them up to ~0.2 s late on a busy machine
    # (the test suite runs on two workers), which can move 10/s x 0.2 s = 2 more into one of its 1-s windows
    assert max(sum(1 for t in arrivals if a <= t < a + 1.0) for a in arrivals) <= 22


def test_auth_errors_stop_the_run_and_record_nothing_as_failed(fake, tmp_path):
    cache = AnswerCache(tmp_path / "c.sqlite")
    fake.fail_next.extend([401] * 50)
    with pytest.raises(FatalProviderError, match="401"):
        run_task(get_task("descriptions"), descriptions(20), provider(fake, concurrency=2), cache, progress=False)
    assert fake.calls["generate"] <= 2 and cache.counts() == {}


def test_errors_are_redacted_before_they_are_stored(fake, tmp_path):
    cache = AnswerCache(tmp_path / "c.sqlite")
    fake.add_fault("ITEM-0", "leak_400")
    table, _ = run_task(get_task("descriptions"), descriptions(1), provider(fake), cache, progress=False)
    row = table.to_pylist()[0]
    assert row["status"] == "fallback" and "***" in row["error"] and KEY not in row["error"]
    cache.close()
    assert KEY.encode() not in b"".join(p.read_bytes() for p in tmp_path.glob("c.sqlite*"))


def test_server_retry_delay_is_read_from_retry_info():
    class E(Exception):
        details = {"error": {"details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "7s"}]}}

    assert server_retry_delay(E()) == 7.0 and server_retry_delay(ValueError()) is None


def test_the_gemini_modules_import_one_way():
    """gemini.py -> gemini_batch.py -> gemini_errors.py: no module imports one that imports it (no circle)."""
    providers = Path(__file__).resolve().parents[2] / "python_jobs" / "enrich" / "providers"

    def imported(module: str) -> set[str]:
        tree = ast.parse((providers / f"{module}.py").read_text())
        names = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        names |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        return {name.rsplit(".", 1)[-1] for name in names if name.startswith("python_jobs.enrich.providers.")}

    assert imported("gemini") >= {"gemini_batch", "gemini_errors"}
    assert "gemini" not in imported("gemini_batch") and "gemini_errors" in imported("gemini_batch")
    assert not imported("gemini_errors") & {"gemini", "gemini_batch"}


# the Batch API path (JSONL files, resume, failed jobs): test_enrich_batch_api.py


def test_identical_inputs_share_one_call(fake):
    answers = iter(range(100))
    # every call gets a new answer, so items that share a call are the ones that share an answer
    fake.responder = lambda prompt, body: f"<clean_description>answer {next(answers)}</clean_description>"
    long_head = "x" * 2000
    items = [
        ("A", "the same text"),
        ("B", "another text"),
        ("C", "the same text"),
        ("D", "the same text"),
        ("E", long_head + " one tail"),  # identical once cut to the 2,000 characters the model is sent
        ("F", long_head + " another tail"),
    ]
    table, stats = run_task(get_task("descriptions"), items, provider(fake), None, progress=False)
    assert fake.calls["generate"] == 3 and stats.unique_inputs == 3
    answer = dict(zip(table.column("parent_asin").to_pylist(), table.column("clean_description").to_pylist()))
    assert answer["A"] == answer["C"] == answer["D"] and answer["E"] == answer["F"]
    assert len({answer["A"], answer["B"], answer["E"]}) == 3
