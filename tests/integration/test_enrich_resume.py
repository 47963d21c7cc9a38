"""Kill-and-resume, and the API key's whereabouts: the `enrich` job in a subprocess against a slow fake server.

SIGKILL mid-run loses no answer that arrived, a re-run duplicates none and calls the API only for the rest;
the key reaches the server (as a header) and nothing else: not the logs, the cache or the outputs.
"""

from __future__ import annotations

import json
import math
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pyarrow.parquet as pq
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # tests.fakes lives beside the tests

from python_jobs.enrich.config import read_api_key  # noqa: E402
from python_jobs.enrich.settings import EnrichSettings  # noqa: E402
from tests.fakes.enrich import items_table  # noqa: E402
from tests.fakes.gemini_server import FakeGemini  # noqa: E402

KEY = "sk-test-RESUME-7d1e0b52c9"
N = 200


def write_items(data_dir: Path, n: int = N) -> None:
    out = data_dir / "output" / "resume"
    out.mkdir(parents=True)
    descriptions = [f"Description of item {i}: an online action game &amp; more." for i in range(n)]
    pq.write_table(items_table([f"B{i:05d}" for i in range(n)], descriptions), out / "items.parquet")


def enrich_cmd(data_dir: Path, base_url: str, *extra: str, concurrency: int = 16) -> list[str]:
    return [
        sys.executable,
        "-m",
        "python_jobs",
        "enrich",
        "--category",
        "resume",
        "--data-dir",
        str(data_dir),
        "--out-dir",
        str(data_dir / "output"),
        "--provider",
        "gemini",
        "--base-url",
        base_url,
        "--concurrency",
        str(concurrency),
        "--no-progress",
        *extra,
    ]


def kill_when(cmd: list[str], env: dict, cwd: Path, ready: Callable[[], bool], what: str) -> str:
    """Start `cmd`, SIGKILL it once ready() holds (failing if it ends or 60 s pass first); its output."""
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while not ready():
        assert proc.poll() is None, proc.stdout.read().decode()
        assert time.monotonic() < deadline, f"the run did not get {what}"
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    return proc.stdout.read().decode()


def ok_answers(cache: Path) -> dict[str, str]:
    if not cache.exists():
        return {}
    con = sqlite3.connect(f"file:{cache}?mode=ro", uri=True, timeout=5)
    try:
        return dict(con.execute("select input_hash, answer from answers where status = 'ok'").fetchall())
    except sqlite3.OperationalError:  # the table is not created yet
        return {}
    finally:
        con.close()


def test_sigkill_loses_nothing_and_the_rerun_calls_only_for_the_rest(tmp_path):
    data = tmp_path / "data"
    write_items(data)
    cache = data / "cache" / "resume" / "enrichment.sqlite"
    env = {**os.environ, "GEMINI_API_KEY": KEY}
    env.pop("GEMINI_BASE_URL", None)
    logs = []
    with FakeGemini(latency_s=0.05) as fake:
        # one description per request here (a slow, steady run to kill); the re-run batches (4, the default)
        cmd = enrich_cmd(data, fake.base_url, "--task", "descriptions", "--description-batch-size", "1", concurrency=4)
        logs.append(kill_when(cmd, env, tmp_path, lambda: len(ok_answers(cache)) >= 40, "going"))
        before = ok_answers(cache)
        assert 40 <= len(before) < N, "killed too late to test anything"
        requests_first_run = fake.calls["generate"]

        fake.reset_counts()
        rerun = subprocess.run(
            enrich_cmd(data, fake.base_url, "--task", "descriptions"),
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert rerun.returncode == 0, rerun.stderr
        logs.append(rerun.stdout + rerun.stderr)
        assert fake.calls["generate"] == math.ceil((N - len(before)) / 4)  # only what was missing, 4 per request
        after = ok_answers(cache)
        assert len(after) == N and all(after[k] == v for k, v in before.items())  # nothing lost or changed
        con = sqlite3.connect(cache)
        assert con.execute("select count(*), count(distinct input_hash) from answers").fetchone() == (N, N)
        con.close()
        assert requests_first_run >= len(before)

        fake.reset_counts()
        again = subprocess.run(
            enrich_cmd(data, fake.base_url, "--task", "all", "--title-batch-size", "10"),
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert again.returncode == 0, again.stderr
        logs.append(again.stdout + again.stderr)
        assert fake.calls["generate"] == N // 10 + N  # titles in batches of 10, metadata one each
        assert fake.api_keys == {KEY}

    # the key went to the server and nowhere else
    for text in logs:
        assert KEY not in text
    assert "cached 200" in logs[-1]
    for path in data.rglob("*"):
        if path.is_file():
            assert KEY.encode() not in path.read_bytes(), path


def recorded_jobs(cache: Path) -> list[tuple[str, list[str]]]:
    if not cache.exists():
        return []
    con = sqlite3.connect(f"file:{cache}?mode=ro", uri=True, timeout=5)
    try:
        rows = con.execute("select name, input_hashes from batch_jobs").fetchall()
    except sqlite3.OperationalError:
        return []
    finally:
        con.close()
    return [(name, json.loads(hashes)) for name, hashes in rows]


def test_batch_api_sigkill_while_waiting_then_the_rerun_collects_without_submitting(tmp_path):
    """Batch API: kill -9 once jobs are recorded; the next run collects them and creates nothing new."""
    data = tmp_path / "data"
    write_items(data)
    cache = data / "cache" / "resume" / "enrichment.sqlite"
    env = {**os.environ, "GEMINI_API_KEY": KEY}
    env.pop("GEMINI_BASE_URL", None)
    # 200 titles, 10 per request: 20 JSONL lines, 5 per job: 4 jobs
    args = ("--task", "titles", "--batch-api", "--poll-interval", "0.05", "--batch-max-requests", "5", "-v")
    logs = []
    with FakeGemini() as fake:
        fake.hold_batches = True  # the jobs keep running: the first run waits on them
        # killed once every job is recorded and the run is polling
        cmd = enrich_cmd(data, fake.base_url, *args)
        logs.append(kill_when(cmd, env, tmp_path, lambda: fake.calls["batch_get"] >= 4, "to waiting"))
        jobs = recorded_jobs(cache)
        assert len(jobs) == fake.calls["batch_create"] == fake.calls["file_upload"] == 4
        assert sum(len(h) for _, h in jobs) == N and ok_answers(cache) == {}

        fake.hold_batches = False
        fake.reset_counts()
        rerun = subprocess.run(
            enrich_cmd(data, fake.base_url, *args), env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120
        )
        assert rerun.returncode == 0, rerun.stderr
        logs.append(rerun.stdout + rerun.stderr)
        assert "batch_create" not in fake.calls and "file_upload_start" not in fake.calls  # nothing paid twice
        assert fake.calls["file_download"] == 4 and "generate" not in fake.calls
        assert len(ok_answers(cache)) == N and "batch jobs: 0 submitted (0 bytes), 4 collected" in logs[-1]
        assert "(ok 200, failed 0, pending 0)" in logs[-1]
        assert {name for name, _ in recorded_jobs(cache)} == {name for name, _ in jobs}
        inputs = b"".join(fake.batch_inputs)
    for text in logs:
        assert KEY not in text
    assert KEY.encode() not in inputs
    for path in data.rglob("*"):
        if path.is_file():
            assert KEY.encode() not in path.read_bytes(), path


def test_api_key_from_dotenv_and_auto_provider(tmp_path, monkeypatch):
    monkeypatch.delenv("GEMINI_API_KEY", raising=False)
    monkeypatch.delenv("GOOGLE_API_KEY", raising=False)
    (tmp_path / ".env").write_text(f"GEMINI_API_KEY={KEY}\n")
    assert read_api_key(env={}, dotenv_path=tmp_path / ".env") == KEY
    monkeypatch.chdir(tmp_path)
    config = EnrichSettings.load().config(provider="auto").resolved()
    assert config.provider == "gemini" and config.api_key == KEY
    assert KEY not in repr(config)
    (tmp_path / ".env").write_text("OTHER=1\n")
    assert EnrichSettings.load().config(provider="auto").resolved().provider == "offline"
    with pytest.raises(ValueError, match="GEMINI_API_KEY"):
        EnrichSettings.load().config(provider="gemini").resolved()
