"""The answer cache: answers kept once, failures retried, attempts add up, "NA" refused."""

from __future__ import annotations

import sqlite3

import pytest

from python_jobs.enrich.cache import AnswerCache

KEY = ("clean_title", "v1", "m")


def test_ok_answer_is_never_overwritten_and_attempts_add_up(tmp_path):
    with AnswerCache(tmp_path / "c.sqlite") as cache:
        cache.put(*KEY, "h1", status="failed", attempts=5, error="503")
        assert cache.get_many(*KEY, ["h1"])["h1"].status == "failed"
        cache.put(*KEY, "h1", status="ok", value="Clean Title", attempts=2)
        cache.put(*KEY, "h1", status="failed", attempts=1, error="later failure")  # ignored: already ok
        cache.put(*KEY, "h1", status="ok", value="Other", attempts=1)  # ignored too
        row = cache.get_many(*KEY, ["h1", "missing"])
        assert list(row) == ["h1"]
        assert (row["h1"].status, row["h1"].value, row["h1"].attempts, row["h1"].error) == (
            "ok",
            "Clean Title",
            7,
            None,
        )


def test_keys_separate_task_version_and_model(tmp_path):
    with AnswerCache(tmp_path / "c.sqlite") as cache:
        cache.put("clean_title", "v1", "m", "h", status="ok", value="a")
        cache.put("clean_title", "v2", "m", "h", status="ok", value="b")
        cache.put("clean_title", "v1", "other", "h", status="ok", value="c")
        assert cache.get_many("clean_title", "v1", "m", ["h"])["h"].value == "a"
        assert cache.get_many("clean_title", "v2", "m", ["h"])["h"].value == "b"
        assert cache.counts() == {("clean_title", "ok"): 3}


@pytest.mark.parametrize("bad", ["NA", "N/A", "", "null", " na "])
def test_na_is_never_stored_as_an_answer(tmp_path, bad):
    with AnswerCache(tmp_path / "c.sqlite") as cache:
        with pytest.raises(sqlite3.IntegrityError):
            cache.put(*KEY, "h", status="ok", value=bad)


def test_structured_answers_round_trip_and_large_lookups(tmp_path):
    with AnswerCache(tmp_path / "c.sqlite") as cache:
        for i in range(1200):
            cache.put("extract_metadata", "v1", "m", f"h{i}", status="ok", value={"platform": ["PC"], "n": i})
        got = cache.get_many("extract_metadata", "v1", "m", [f"h{i}" for i in range(1200)])
        assert len(got) == 1200 and got["h777"].value == {"platform": ["PC"], "n": 777}


def test_caches_opened_at_the_same_instant_on_a_new_file_all_open(tmp_path):
    """Two dbt threads (descriptions and titles) open a new cache file together: SQLite refuses one WAL switch
    with "database is locked" without waiting; the cache must retry, not fail the model."""
    import threading

    errors: list[str] = []
    for attempt in range(20):
        path = tmp_path / f"c{attempt}.sqlite"
        barrier = threading.Barrier(6)

        def open_it(path=path, barrier=barrier) -> None:
            barrier.wait()
            try:
                AnswerCache(path).close()
            except Exception as error:  # any failure to open is what this test counts
                errors.append(repr(error))

        threads = [threading.Thread(target=open_it) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []


def test_batch_jobs_record_requests_and_an_older_cache_gains_the_columns(tmp_path):
    path = tmp_path / "old.sqlite"
    con = sqlite3.connect(path)  # the batch_jobs table as the first release created it, with one inline job
    con.execute(
        "create table batch_jobs (name text primary key, task text not null, prompt_version text not null, "
        "model text not null, state text not null, input_hashes text not null, error text, "
        "created_at text not null, updated_at text not null)"
    )
    con.execute(
        "insert into batch_jobs values ('batches/1', 't', 'v1', 'm', 'JOB_STATE_RUNNING', '[\"a\", \"b\"]', null, '1', '1')"
    )
    con.commit()
    con.close()
    with AnswerCache(path) as cache:
        (old,) = cache.open_batch_jobs("t", "v1", "m")
        assert (old.requests, old.input_file) == ({"a": ["a"], "b": ["b"]}, None)  # one request per input
        cache.add_batch_job(
            "batches/2",
            "t",
            "v1",
            "m",
            "JOB_STATE_PENDING",
            ["c", "d", "e"],
            requests={"r0": ["c", "d"], "r1": ["e"]},
            input_file="files/9",
        )
        cache.update_batch_job("batches/1", "collected")
        (new,) = cache.open_batch_jobs("t", "v1", "m")
        assert (new.name, new.requests, new.input_file, new.input_hashes) == (
            "batches/2",
            {"r0": ["c", "d"], "r1": ["e"]},
            "files/9",
            ["c", "d", "e"],
        )
        cache.update_batch_job("batches/2", "JOB_STATE_EXPIRED", "expired")
        assert cache.open_batch_jobs("t", "v1", "m") == []
        assert cache.batch_job_states("t") == {"collected": 1, "JOB_STATE_EXPIRED": 1}
