"""The answer cache: a SQLite file (stdlib, WAL) shared by the dbt models and the `enrich` job.

One row per (task, prompt_version, model, input_hash): status 'ok' with the answer as JSON, or 'failed' with
the last error; attempts add up over runs. Every answer is its own committed statement the moment it
arrives (autocommit, WAL, synchronous=NORMAL: durable against a killed process), so a SIGKILL loses nothing
that was answered and a re-run never duplicates (the key is the primary key). An 'ok' row is never
overwritten; a 'failed' row is retried by the next run. The string "NA" (or any empty answer) cannot be
stored as an answer: a CHECK constraint refuses it.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from python_jobs.common.files import enable_wal

SCHEMA = """
create table if not exists answers (
    task           text not null,
    prompt_version text not null,
    model          text not null,
    input_hash     text not null,
    status         text not null check (status in ('ok', 'failed')),
    answer         text,              -- JSON; null unless ok
    attempts       integer not null default 0,
    error          text,
    provider       text not null,
    created_at     text not null,
    updated_at     text not null,
    primary key (task, prompt_version, model, input_hash),
    check (status <> 'ok' or (answer is not null
           and upper(trim(answer, ' "')) not in ('', 'NA', 'N/A', 'NULL', 'NONE')))
) without rowid;
create table if not exists batch_jobs (
    name           text primary key,  -- the Batch API job name, e.g. batches/123
    task           text not null,
    prompt_version text not null,
    model          text not null,
    state          text not null,     -- the job's last state seen; 'collected' once its answers are stored
    input_hashes   text not null,     -- JSON list of every input it holds, in request order
    error          text,
    created_at     text not null,
    updated_at     text not null,
    input_file     text,              -- the uploaded JSONL (files/...); null for inlined requests
    requests       text               -- JSON {request key: [input hashes, in prompt order]}; null = one per hash
);
create table if not exists runs (
    run_id        integer primary key autoincrement,
    task          text not null,
    prompt_version text not null,
    provider      text not null,
    model         text not null,
    started_at    text not null,
    finished_at   text,
    items         integer,
    unique_inputs integer,
    cached        integer,
    called        integer,
    ok            integer,
    failed        integer,
    requests      integer
);
"""

_UPSERT = """
insert into answers (task, prompt_version, model, input_hash, status, answer, attempts, error, provider,
                     created_at, updated_at)
values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
on conflict (task, prompt_version, model, input_hash) do update set
    status = excluded.status,
    answer = excluded.answer,
    attempts = answers.attempts + excluded.attempts,
    error = excluded.error,
    provider = excluded.provider,
    updated_at = excluded.updated_at
where answers.status <> 'ok'
"""


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


# columns added after the first release: an older cache file gets them on open
_BATCH_JOB_COLUMNS = {"input_file": "text", "requests": "text"}


@dataclass(frozen=True)
class BatchJobRecord:
    """A submitted Batch API job, as recorded before anything waits on it."""

    name: str
    input_hashes: list[str]
    requests: dict[str, list[str]]  # request key (the JSONL line's `key`) -> the input hashes it asks about
    input_file: str | None
    state: str


@dataclass(frozen=True)
class CachedAnswer:
    input_hash: str
    status: str
    value: Any  # the decoded answer when ok, else None
    attempts: int
    error: str | None


class AnswerCache:
    """Thread-safe; one connection in autocommit mode (each put commits on its own)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._con = sqlite3.connect(str(self.path), timeout=60, isolation_level=None, check_same_thread=False)
        self._con.execute("pragma busy_timeout=60000")  # dbt threads and the enrich job may share the file
        enable_wal(self._con)
        self._con.execute("pragma synchronous=normal")  # with WAL: a crashed process loses no commit
        self._con.executescript(SCHEMA)
        have = {row[1] for row in self._con.execute("pragma table_info(batch_jobs)")}
        for column, kind in _BATCH_JOB_COLUMNS.items():
            if column not in have:
                self._con.execute(f"alter table batch_jobs add column {column} {kind}")

    def close(self) -> None:
        with self._lock:
            self._con.close()

    def __enter__(self) -> AnswerCache:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # ---- answers -----------------------------------------------------------------------------------------
    def get_many(self, task: str, prompt_version: str, model: str, hashes: Iterable[str]) -> dict[str, CachedAnswer]:
        hashes = list(dict.fromkeys(hashes))
        out: dict[str, CachedAnswer] = {}
        with self._lock:
            for i in range(0, len(hashes), 500):
                chunk = hashes[i : i + 500]
                rows = self._con.execute(
                    f"select input_hash, status, answer, attempts, error from answers where task = ? and "
                    f"prompt_version = ? and model = ? and input_hash in ({','.join('?' * len(chunk))})",
                    [task, prompt_version, model, *chunk],
                ).fetchall()
                for h, status, answer, attempts, error in rows:
                    out[h] = CachedAnswer(
                        h, status, json.loads(answer) if answer is not None else None, attempts, error
                    )
        return out

    def put(
        self,
        task: str,
        prompt_version: str,
        model: str,
        input_hash: str,
        *,
        status: str,
        value: Any = None,
        attempts: int = 1,
        error: str | None = None,
        provider: str = "gemini",
    ) -> None:
        """Store one outcome now (its own commit). An existing 'ok' row is kept as it is."""
        if status not in ("ok", "failed"):
            raise ValueError(f"status must be ok or failed, got {status!r}")
        answer = json.dumps(value, ensure_ascii=False, sort_keys=True) if status == "ok" else None
        stamp = now()
        with self._lock:
            self._con.execute(
                _UPSERT,
                (task, prompt_version, model, input_hash, status, answer, int(attempts), error, provider, stamp, stamp),
            )

    def counts(self, task: str | None = None) -> dict[tuple[str, str], int]:
        """{(task, status): rows}."""
        sql = "select task, status, count(*) from answers"
        args: list[Any] = []
        if task:
            sql += " where task = ?"
            args.append(task)
        with self._lock:
            return {(t, s): n for t, s, n in self._con.execute(sql + " group by task, status", args)}

    # ---- Batch API jobs ------------------------------------------------------------------------------------
    def add_batch_job(
        self,
        name: str,
        task: str,
        prompt_version: str,
        model: str,
        state: str,
        input_hashes: list[str],
        *,
        requests: dict[str, list[str]] | None = None,
        input_file: str | None = None,
    ) -> None:
        """Record a job the moment it exists (before any wait): a killed run's next run collects it."""
        stamp = now()
        with self._lock:
            self._con.execute(
                "insert or replace into batch_jobs (name, task, prompt_version, model, state, input_hashes, error, "
                "created_at, updated_at, input_file, requests) values (?, ?, ?, ?, ?, ?, null, ?, ?, ?, ?)",
                (
                    name,
                    task,
                    prompt_version,
                    model,
                    state,
                    json.dumps(input_hashes),
                    stamp,
                    stamp,
                    input_file,
                    json.dumps(requests) if requests is not None else None,
                ),
            )

    def update_batch_job(self, name: str, state: str, error: str | None = None) -> None:
        with self._lock:
            self._con.execute(
                "update batch_jobs set state = ?, error = ?, updated_at = ? where name = ?", (state, error, now(), name)
            )

    def open_batch_jobs(self, task: str, prompt_version: str, model: str) -> list[BatchJobRecord]:
        """Jobs submitted earlier and not yet collected (nor failed, cancelled or expired), oldest first."""
        with self._lock:
            rows = self._con.execute(
                "select name, input_hashes, requests, input_file, state from batch_jobs where task = ? "
                "and prompt_version = ? and model = ? "
                "and state not in ('collected', 'JOB_STATE_FAILED', 'JOB_STATE_CANCELLED', 'JOB_STATE_EXPIRED') "
                "order by created_at, rowid",
                (task, prompt_version, model),
            ).fetchall()
        out = []
        for name, hashes, requests, input_file, state in rows:
            hashes = json.loads(hashes)
            # a job recorded before batched prompts: one request per input, keyed by its hash
            mapping = json.loads(requests) if requests else {h: [h] for h in hashes}
            out.append(BatchJobRecord(name, hashes, mapping, input_file, state))
        return out

    def batch_job_states(self, task: str | None = None) -> dict[str, int]:
        """{state: jobs}, for reports and tests."""
        sql, args = "select state, count(*) from batch_jobs", []
        if task:
            sql, args = sql + " where task = ?", [task]
        with self._lock:
            return dict(self._con.execute(sql + " group by state", args).fetchall())

    # ---- run log -----------------------------------------------------------------------------------------
    def log_run(self, stats: dict[str, Any]) -> None:
        cols = [
            "task",
            "prompt_version",
            "provider",
            "model",
            "started_at",
            "finished_at",
            "items",
            "unique_inputs",
            "cached",
            "called",
            "ok",
            "failed",
            "requests",
        ]
        with self._lock:
            self._con.execute(
                f"insert into runs ({', '.join(cols)}) values ({', '.join('?' * len(cols))})",
                [stats.get(c) for c in cols],
            )
