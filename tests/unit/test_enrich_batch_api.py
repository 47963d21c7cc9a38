"""The Gemini Batch API from JSONL files: the real SDK (Files API upload, batches, output download) against the fake.

Jobs carry the online path's batched prompts (several items per JSONL line), are recorded in the cache before
anything waits on them, and their answers are stored per item as each output file is read; what a job did not
answer usably is retried online at once; a job that fails, expires or is refused is reported and sent again.
"""

from __future__ import annotations

import json
import re
import sqlite3
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # tests.fakes lives beside the tests

from python_jobs.enrich.cache import AnswerCache  # noqa: E402
from python_jobs.enrich.cli import enrich  # noqa: E402
from python_jobs.enrich.providers.base import Job  # noqa: E402
from python_jobs.enrich.providers.gemini import GeminiProvider  # noqa: E402
from python_jobs.enrich.providers.gemini_batch import plan_jobs  # noqa: E402
from python_jobs.enrich.providers.gemini_errors import FatalProviderError  # noqa: E402
from python_jobs.enrich.runner import build_jobs, run_task  # noqa: E402
from python_jobs.enrich.tasks import get_task  # noqa: E402
from tests.fakes.enrich import gemini_provider, items_table  # noqa: E402
from tests.fakes.gemini_server import FakeGemini  # noqa: E402

KEY = "sk-test-BATCHFILE-5e2d90a1"
MODEL = "gemini-2.5-flash-lite"


@pytest.fixture
def fake():
    with FakeGemini(batch_polls_before_done=1) as server:
        yield server


def provider(fake: FakeGemini, **kw) -> GeminiProvider:
    return gemini_provider(fake, KEY, **{"max_attempts": 3, "batch_poll_s": 0.01, **kw})


def titles(n: int) -> list[tuple[str, str]]:
    return [(f"T{i:03d}", f"GAME-{i} <b>Deluxe</b> Edition") for i in range(n)]


def descriptions(n: int) -> list[tuple[str, str]]:
    return [(f"A{i:03d}", f"ITEM-{i} &amp; a <b>plain</b> description of product number {i}.") for i in range(n)]


def expected(i: int) -> str:
    return f"ITEM-{i} & a plain description of product number {i}."


def input_lines(fake: FakeGemini) -> list[dict]:
    return [json.loads(line) for data in fake.batch_inputs for line in data.decode().splitlines()]


def run(task_name: str, items, p: GeminiProvider, cache: AnswerCache, **kw):
    return run_task(get_task(task_name), items, p, cache, progress=False, batch_api=True, **kw)


def test_jsonl_jobs_with_batched_prompts_end_to_end(fake, tmp_path):
    cache = AnswerCache(tmp_path / "c.sqlite")
    # 25 titles, 10 per request -> 3 JSONL lines; 2 lines per job -> 2 jobs (files)
    table, stats = run("titles", titles(25), provider(fake, title_batch_size=10, batch_max_requests=2), cache)
    assert set(table.column("status").to_pylist()) == {"ok"} and set(table.column("attempts").to_pylist()) == {1}
    assert table.column("clean_title").to_pylist() == [f"GAME-{i} Deluxe Edition" for i in range(25)]
    assert dict(fake.calls) == {
        "file_upload_start": 2,
        "file_upload": 2,
        "batch_create": 2,
        "batch_requests": 3,
        "batch_get": 4,  # each job: PENDING... then done on the second poll
        "file_download": 2,
    }
    assert (stats.requests, stats.batch_jobs_submitted, stats.batch_jobs_collected, stats.errors) == (3, 2, 2, {})
    assert stats.batch_bytes == sum(len(d) for d in fake.batch_inputs)
    lines = input_lines(fake)
    assert [len(re.findall(r'<title id="\d+">', ln["request"]["contents"][0]["parts"][0]["text"])) for ln in lines] == [
        10,
        10,
        5,
    ]
    assert len({ln["key"] for ln in lines}) == 3 and lines[0]["request"]["generationConfig"]["maxOutputTokens"] == 2560
    assert cache.counts() == {("clean_title", "ok"): 25}
    con = sqlite3.connect(tmp_path / "c.sqlite")
    rows = con.execute(
        "select state, input_file, requests, input_hashes from batch_jobs order by created_at"
    ).fetchall()
    assert [r[0] for r in rows] == ["collected", "collected"] and all(r[1].startswith("files/") for r in rows)
    assert [len(json.loads(r[2])) for r in rows] == [2, 1] and [len(json.loads(r[3])) for r in rows] == [20, 5]
    # a re-run: everything is cached, nothing is sent
    fake.reset_counts()
    again, stats = run("titles", titles(25), provider(fake, title_batch_size=10), cache)
    assert stats.cached == 25 and sum(fake.calls.values()) == 0


def test_jobs_split_by_request_count_and_bytes_and_batched_prompts_cut_bytes():
    task = get_task("titles")
    jobs, _ = build_jobs(task, [(a, f"Some Game Title number {i} for PS4") for i, (a, _) in enumerate(titles(1000))])
    one = plan_jobs(task, jobs, 1, 100_000, 2_000_000_000)
    ten = plan_jobs(task, jobs, 10, 100_000, 2_000_000_000)
    assert [len(p.lines) for p in one] == [1000] and [len(p.lines) for p in ten] == [100]
    assert ten[0].size < 0.25 * one[0].size  # the instructions go once per 10 titles, not once per title
    by_count = plan_jobs(task, jobs, 10, 30, 2_000_000_000)
    assert [len(p.lines) for p in by_count] == [30, 30, 30, 10]
    line = len(ten[0].lines[0])
    by_bytes = plan_jobs(task, jobs, 10, 100_000, 3 * line + 10)
    assert all(p.size <= 3 * line + 10 for p in by_bytes) and sum(len(p.lines) for p in by_bytes) == 100
    assert [h for p in by_bytes for h in p.hashes()] == [j.key for j in jobs]  # nothing lost or repeated
    huge = plan_jobs(task, jobs[:3], 1, 100, 10)  # a line over the limit still goes, alone
    assert [len(p.lines) for p in huge] == [1, 1, 1]
    meta = plan_jobs(get_task("metadata"), [Job("k", "Title: x", None)], 10, 100, 10**6)
    generation = json.loads(meta[0].lines[0])["request"]["generationConfig"]
    assert generation["responseMimeType"] == "application/json" and generation["responseSchema"]["type"] == "OBJECT"


def test_line_errors_and_unusable_items_are_retried_online(fake, tmp_path):
    cache = AnswerCache(tmp_path / "c.sqlite")
    fake.add_fault("ITEM-1 &amp;", "drop_one")  # item 1 left out of the first batched answer
    fake.add_fault("ITEM-5 &amp;", 500)  # the second line (items 4-7) answered with an error
    fake.add_fault("ITEM-9 &amp;", "skip_line")  # the third line (items 8-9) missing from the output file
    table, stats = run("descriptions", descriptions(10), provider(fake, description_batch_size=4), cache)
    assert table.column("clean_description").to_pylist() == [expected(i) for i in range(10)]
    assert set(table.column("status").to_pylist()) == {"ok"}
    assert table.column("attempts").to_pylist() == [1, 2, 1, 1, 2, 2, 2, 2, 2, 2]
    assert stats.errors == {"bad_answer": 1, "batch_line_error": 1, "batch_line_missing": 1}
    # online: item 1 alone, the failed line whole (one batched request), the missing line whole
    assert fake.calls["batch_requests"] == 3 and fake.calls["generate"] == 3 and stats.requests == 3 + 3
    online = fake.prompts[-3:]
    assert sorted(len(re.findall(r'<description id="\d+">', p)) for p in online) == [0, 2, 4]
    assert cache.counts() == {("clean_description", "ok"): 10}


def test_items_still_unusable_online_fall_back_and_go_again_next_run(fake, tmp_path):
    cache = AnswerCache(tmp_path / "c.sqlite")
    fake.add_fault("ITEM-2 &amp;", "too_long", "no_tags", "no_tags")  # the batch answer and both online tries
    table, stats = run("descriptions", descriptions(4), provider(fake, description_batch_size=4), cache)
    rows = table.to_pylist()
    assert [r["status"] for r in rows] == ["ok", "ok", "fallback", "ok"] and rows[2]["attempts"] == 3
    assert "no <clean_description>" in rows[2]["error"] and rows[2]["provider"] == "offline"
    fake.reset_counts()
    table, stats = run("descriptions", descriptions(4), provider(fake), cache)
    assert stats.cached == 3 and fake.calls["batch_create"] == 1 and fake.calls["batch_requests"] == 1
    assert set(table.column("status").to_pylist()) == {"ok"}


def test_an_interrupted_run_is_collected_not_submitted_again(fake, tmp_path):
    cache = AnswerCache(tmp_path / "c.sqlite")
    p = provider(fake, title_batch_size=4, batch_max_requests=2)
    # submit only (as a run killed while waiting): 3 jobs recorded, nothing answered yet
    table, stats = run("titles", titles(20), p, cache, wait=False)
    assert fake.calls["batch_create"] == 3 and stats.pending == 20 and stats.batch_jobs_submitted == 3
    assert set(table.column("status").to_pylist()) == {"pending"} and cache.counts() == {}
    records = cache.open_batch_jobs("clean_title", p.cache_version(get_task("titles")), MODEL)
    assert [len(r.requests) for r in records] == [2, 2, 1] and all(r.input_file for r in records)
    # the next run, even over fewer items, collects the recorded jobs: no upload, no create, nothing online
    fake.reset_counts()
    table, stats = run("titles", titles(12), p, cache)
    assert "batch_create" not in fake.calls and "file_upload" not in fake.calls and "generate" not in fake.calls
    assert fake.calls["file_download"] == 3 and stats.batch_jobs_collected == 3 and stats.batch_jobs_submitted == 0
    assert set(table.column("status").to_pylist()) == {"ok"} and table.num_rows == 12
    assert cache.counts() == {("clean_title", "ok"): 20}  # the 8 items this run did not ask for are kept too
    assert cache.open_batch_jobs("clean_title", p.cache_version(get_task("titles")), MODEL) == []
    assert cache.batch_job_states("clean_title") == {"collected": 3}


@pytest.mark.parametrize("state", ["BATCH_STATE_FAILED", "BATCH_STATE_EXPIRED"])
def test_failed_or_expired_jobs_are_reported_and_submitted_next_run(tmp_path, state):
    with FakeGemini(batch_polls_before_done=0, batch_final_state=state) as fake:
        cache = AnswerCache(tmp_path / "c.sqlite")
        table, stats = run("titles", titles(3), provider(fake), cache)
        assert set(table.column("status").to_pylist()) == {"fallback"} and stats.batch_jobs_failed == 1
        assert f"ended in JOB_STATE_{state.split('_')[-1]}" in table.column("error").to_pylist()[0]
        assert stats.errors == {state.split("_")[-1].lower(): 1} and "failed 3" in stats.summary()
        assert cache.batch_job_states() == {f"JOB_STATE_{state.split('_')[-1]}": 1}
        fake.batch_final_state = "BATCH_STATE_SUCCEEDED"
        table, stats = run("titles", titles(3), provider(fake), cache)
        assert fake.calls["batch_create"] == 2 and set(table.column("status").to_pylist()) == {"ok"}


def test_a_refused_job_waits_for_the_quota_and_keeps_its_upload(fake, tmp_path):
    cache = AnswerCache(tmp_path / "c.sqlite")
    fake.batch_create_faults.extend([200, 429])  # the second job is refused once (enqueued-token quota)
    p = provider(fake, title_batch_size=2, batch_max_requests=1)
    table, stats = run("titles", titles(6), p, cache)  # 3 jobs
    assert set(table.column("status").to_pylist()) == {"ok"} and stats.batch_jobs_submitted == 3
    assert fake.calls["batch_create"] == 4 and fake.calls["file_upload"] == 3  # refused, then accepted; one upload
    assert stats.errors == {"batch_submit_429": 1}
    # refused while nothing else runs: nothing would free the quota, so the inputs fail (next run sends them)
    fake.batch_create_faults.extend([429])
    table, stats = run("titles", titles(8)[6:], p, cache)
    assert set(table.column("status").to_pylist()) == {"fallback"} and "not submitted" in table.to_pylist()[0]["error"]
    table, stats = run("titles", titles(8)[6:], p, cache)
    assert set(table.column("status").to_pylist()) == {"ok"}


def test_a_bad_key_on_create_stops_the_run(fake, tmp_path):
    cache = AnswerCache(tmp_path / "c.sqlite")
    fake.batch_create_faults.append(401)
    with pytest.raises(FatalProviderError, match="401"):
        run("titles", titles(3), provider(fake), cache)
    assert cache.batch_job_states() == {} and cache.counts() == {}


def test_jobs_recorded_inline_by_an_older_version_are_collected(fake, tmp_path):
    from google.genai import types

    cache = AnswerCache(tmp_path / "c.sqlite")
    p = provider(fake)
    task = get_task("titles")
    jobs, _ = build_jobs(task, titles(3))
    client = p.make_client()
    requests = [types.InlinedRequest(contents=task.prompt(j.text), metadata={"key": j.key}) for j in jobs]
    created = client.batches.create(model=MODEL, src=requests)
    cache.add_batch_job(
        created.name, task.name, p.cache_version(task), MODEL, "JOB_STATE_PENDING", [j.key for j in jobs]
    )
    fake.reset_counts()
    table, stats = run("titles", titles(3), p, cache)
    assert "batch_create" not in fake.calls and stats.batch_jobs_collected == 1
    assert table.column("clean_title").to_pylist() == [f"GAME-{i} Deluxe Edition" for i in range(3)]
    assert set(table.column("status").to_pylist()) == {"ok"}


def test_cli_batch_api_all_tasks_and_the_key_stays_out(fake, tmp_path, monkeypatch):
    monkeypatch.setenv("GEMINI_API_KEY", KEY)
    monkeypatch.delenv("GEMINI_BASE_URL", raising=False)
    items = tmp_path / "items.parquet"
    n = 12
    pq.write_table(
        items_table([f"B{i:03d}" for i in range(n)], [f"ITEM-{i} &amp; an online action game." for i in range(n)]),
        items,
    )
    fake.add_fault("ITEM-3 &amp;", "leak_400", "leak_400")  # a line error quoting the key, then online likewise
    args = ["--category", "bcli", "--data-dir", str(tmp_path / "data"), "--items", str(items)]
    args += ["--provider", "gemini", "--base-url", fake.base_url, "--batch-api", "--poll-interval", "0.01"]
    args += ["--title-batch-size", "5", "--description-batch-size", "4", "--no-progress", "--max-attempts", "2"]
    result = CliRunner().invoke(enrich, args)
    assert result.exit_code == 0, result.output
    # one job per task: descriptions 3 lines, titles 3 lines, metadata 12 lines (one item each)
    assert fake.calls["batch_create"] == 3 and fake.calls["batch_requests"] == 3 + 3 + 12
    # the line holding item 3 is retried online, whole (4 items, one request), and refused again: a 400 fails
    # the request's items (as online), which the rules answer and the next run tries again
    assert fake.calls["generate"] == 1 and "(ok 8, failed 4, pending 0)" in result.output
    assert result.output.count("batch jobs: 1 submitted") == 3
    assert fake.api_keys == {KEY} and KEY not in result.output
    for data in fake.batch_inputs:
        assert KEY.encode() not in data
    cache = tmp_path / "data" / "cache" / "bcli" / "enrichment.sqlite"
    con = sqlite3.connect(cache)
    (error,) = con.execute("select error from answers where status = 'failed'").fetchone()
    assert "***" in error and KEY not in error
    con.close()
    for path in (tmp_path / "data").rglob("*"):
        if path.is_file():
            assert KEY.encode() not in path.read_bytes(), path
    # the help lists the job limits with their dbt_project.yml defaults
    help_text = CliRunner().invoke(enrich, ["--help"]).output
    assert "--batch-max-requests" in help_text and "500000000" in help_text
