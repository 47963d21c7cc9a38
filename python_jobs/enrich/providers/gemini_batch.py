"""The Gemini Batch API path (`python -m python_jobs enrich --batch-api`): half price, answers within hours.

How a run goes, per task:

1. Inputs already inside a recorded, uncollected job (a killed or `--no-wait` run's) are not sent again.
2. The rest become requests with the online path's batched prompts (`title_batch_size` titles or
   `description_batch_size` descriptions per request; metadata one per request), one JSONL line each:
   `{"key": "r000012", "request": {GenerateContentRequest}}`. Lines are cut into jobs of at most
   `batch_max_requests` lines and `batch_max_bytes` bytes (Google allows 2 GB per input file).
3. Per job: upload the file (Files API, resumable), create the batch job from it, and record in the cache the job
   name, the uploaded file and which input hashes each request key holds, before anything waits on the job.
   A refused job (429: the tier's enqueued-token quota) stays queued, with its file uploaded, and is submitted
   again as running jobs finish; refused while nothing is running, its inputs are marked failed (next run).
4. Poll every job (`batch_poll_s`; a tqdm bar counts finished jobs). A job that succeeds: its output file is
   downloaded and read line by line; each item's answer is parsed and validated per item id and stored at once
   (the runner's on_done writes the cache), then the job is marked 'collected'. A failed, cancelled or expired
   job: recorded with its state, counted, its inputs marked failed (the next run submits them again).
5. What a job did not answer usably (a line's error, a line missing from the output, an item missing from or
   unusable in its batched answer) is retried online at once, through the online path's pacing and retries,
   counting the batch attempt: a failed request whole, an item of a batched answer alone. These are a few
   percent at most, and waiting hours for a second batch round to save half their price is a poor trade.

A killed run loses nothing: answers are stored as each output file is read, and the next run finds the jobs in
the cache and collects them (an answer stored twice is kept once). The only window that can cost twice is between
`batches.create` returning and the record being written (one local SQLite insert).

Inline requests (the previous way) are not sent any more: a file works for every size, inline is capped at 20 MB
and would be a second format to build, test and resume. Jobs recorded inline by an older version are still
collected (their answers come in `dest.inlined_responses`).
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from python_jobs.enrich.cache import BatchJobRecord
from python_jobs.enrich.providers.base import Job, OnDone, Outcome, ProviderStats
from python_jobs.enrich.providers.gemini_errors import FatalProviderError, classify, describe
from python_jobs.enrich.tasks import AnswerError, Task, response_schema

log = logging.getLogger(__name__)

SUCCEEDED = frozenset({"JOB_STATE_SUCCEEDED", "JOB_STATE_PARTIALLY_SUCCEEDED"})
TERMINAL = SUCCEEDED | {"JOB_STATE_FAILED", "JOB_STATE_CANCELLED", "JOB_STATE_EXPIRED"}


def job_state(job: Any) -> str:
    state = getattr(job, "state", None)
    return str(getattr(state, "value", state))


@dataclass
class PlannedJob:
    """One Batch API job to submit: its JSONL lines and, once uploaded, the file's name."""

    lines: list[bytes] = field(default_factory=list)
    requests: dict[str, list[Job]] = field(default_factory=dict)  # key -> the items it asks about, in order
    input_file: str | None = None

    @property
    def size(self) -> int:
        return sum(len(line) for line in self.lines)

    def hashes(self) -> list[str]:
        return [j.key for jobs in self.requests.values() for j in jobs]


def request_body(task: Task, texts: list[str], temperature: float) -> dict[str, Any]:
    """A GenerateContentRequest (REST JSON) for one or several inputs: the online path's prompt and settings."""
    prompt = task.batch_prompt(texts) if len(texts) > 1 else task.prompt(texts[0])
    generation: dict[str, Any] = {
        "temperature": temperature,
        "maxOutputTokens": task.max_output_tokens * len(texts),
    }
    if task.json_output:
        generation.update(responseMimeType="application/json", responseSchema=response_schema())
    return {"contents": [{"role": "user", "parts": [{"text": prompt}]}], "generationConfig": generation}


def plan_jobs(
    task: Task, jobs: list[Job], items_per_request: int, max_requests: int, max_bytes: int, temperature: float = 0.0
) -> list[PlannedJob]:
    """The jobs' JSONL lines: `items_per_request` inputs per line, a new job at max_requests lines or max_bytes."""
    size = items_per_request if task.batchable else 1
    planned: list[PlannedJob] = []
    current = PlannedJob()
    current_bytes = 0
    for n, start in enumerate(range(0, len(jobs), size)):
        group = jobs[start : start + size]
        key = f"r{n:06d}"
        body = request_body(task, [j.text for j in group], temperature)
        line = (json.dumps({"key": key, "request": body}, ensure_ascii=False) + "\n").encode()
        if current.lines and (len(current.lines) >= max_requests or current_bytes + len(line) > max_bytes):
            planned.append(current)
            current, current_bytes = PlannedJob(), 0
        current.lines.append(line)
        current.requests[key] = group
        current_bytes += len(line)
    if current.lines:
        planned.append(current)
    return planned


def response_text(response: dict[str, Any]) -> str:
    """The answer text of a GenerateContentResponse (REST JSON); AnswerError when there is none."""
    candidates = response.get("candidates") or []
    if not candidates:
        reason = (response.get("promptFeedback") or {}).get("blockReason")
        raise AnswerError(f"empty answer (no candidates, block_reason={reason})")
    parts = (candidates[0].get("content") or {}).get("parts") or []
    text = "".join(p.get("text") or "" for p in parts if not p.get("thought"))
    if not text:
        raise AnswerError(f"empty answer (finish_reason={candidates[0].get('finishReason')})")
    return text


class BatchApiRun:
    """One task's Batch API run: submit, record, poll, collect, retry. See the module doc."""

    def __init__(self, provider: Any, task: Task, cache: Any, on_done: OnDone, *, progress: bool = False) -> None:
        self.provider = provider
        self.config = provider.config
        self.task = task
        self.cache = cache
        self.on_done = on_done
        self.progress = progress
        self.stats = ProviderStats()
        self.by_key: dict[str, Job] = {}
        self.client: Any = None
        self.cache_version = provider.cache_version(task)  # the answers' cache key, also the recorded jobs'

    # ---- the run ---------------------------------------------------------------------------------------------
    def run(self, jobs: list[Job], wait: bool = True) -> ProviderStats:
        task, cfg = self.task, self.config
        self.by_key = {j.key: j for j in jobs}
        open_jobs = self.cache.open_batch_jobs(task.name, self.cache_version, cfg.model)
        in_flight = {h for record in open_jobs for h in record.input_hashes}
        to_submit = [j for j in jobs if j.key not in in_flight]
        if open_jobs:
            log.info("%s: %d recorded batch jobs to collect", task.name, len(open_jobs))
        queue = deque(
            plan_jobs(
                task,
                to_submit,
                cfg.batch_size(task.name),
                cfg.batch_max_requests,
                cfg.batch_max_bytes,
                cfg.temperature,
            )
        )
        pending = {record.name: record for record in open_jobs}
        self.client = self.provider.make_client()
        bar = self._bar(len(pending) + len(queue))
        try:
            while True:
                refused = self._submit(queue, pending) if queue else None
                if refused and (not pending or not wait):  # nothing running whose end would free the quota
                    self._give_up(queue, refused)
                self._poll(pending, bar)
                if not wait or (not pending and not queue):
                    break
                time.sleep(cfg.batch_poll_s)
        finally:
            if bar is not None:
                bar.close()
            self.client.close()
        self.stats.batch_pending = sum(len(r.input_hashes) for r in pending.values()) + sum(
            len(p.hashes()) for p in queue
        )
        return self.stats

    def _bar(self, total: int) -> Any:
        if not self.progress or not total:
            return None
        from tqdm.auto import tqdm

        return tqdm(total=total, desc=f"{self.task.name} batch jobs", unit="job", leave=False)

    # ---- submitting ------------------------------------------------------------------------------------------
    def _submit(self, queue: deque[PlannedJob], pending: dict[str, BatchJobRecord]) -> str | None:
        """Upload and create queued jobs, recording each; stop at the first refusal and return its error."""
        task, cfg = self.task, self.config
        while queue:
            planned = queue[0]
            try:
                if planned.input_file is None:
                    planned.input_file = self._upload(planned)
                created = self.client.batches.create(
                    model=cfg.model,
                    src=planned.input_file,
                    config={"display_name": f"semantic-ids-{task.name}-{int(time.time())}"},
                )
            except Exception as exc:  # noqa: BLE001 - a 429 (quota), 5xx or connection error: try again later
                error = self._api_error(exc, "batch_submit")
                log.warning("%s: batch job not accepted (%s); %d jobs wait", task.name, error, len(queue))
                return error
            # recorded before anything waits on it: a killed run's next run collects it instead of paying again
            requests = {key: [j.key for j in group] for key, group in planned.requests.items()}
            record = BatchJobRecord(created.name, planned.hashes(), requests, planned.input_file, job_state(created))
            self.cache.add_batch_job(
                record.name,
                task.name,
                self.cache_version,
                cfg.model,
                record.state,
                record.input_hashes,
                requests=requests,
                input_file=planned.input_file,
            )
            queue.popleft()
            pending[record.name] = record
            self.stats.batch_jobs_submitted += 1
            self.stats.requests += len(planned.lines)
            self.stats.batch_bytes += planned.size
            log.info(
                "%s: batch job %s from %s: %d requests, %d items, %d bytes",
                task.name,
                record.name,
                planned.input_file,
                len(planned.lines),
                len(record.input_hashes),
                planned.size,
            )
        return None

    def _api_error(self, exc: Exception, what: str) -> str:
        """Count an API call's error and describe it (redacted); a bad key or model stops the run."""
        action, kind = classify(exc)
        if action == "fatal":
            raise FatalProviderError(describe(exc, self.config)) from None
        if action == "raise" and not isinstance(exc, (ValueError, KeyError)):  # the SDK's upload errors
            raise exc
        self.stats.count_error(f"{what}_{kind}")
        return describe(exc, self.config) or kind

    def _upload(self, planned: PlannedJob) -> str:
        from google.genai import types

        with tempfile.TemporaryDirectory(prefix="enrich-batch-") as tmp:
            path = os.path.join(tmp, "requests.jsonl")
            with open(path, "wb") as fh:
                fh.writelines(planned.lines)
            uploaded = self.client.files.upload(
                file=path,
                config=types.UploadFileConfig(display_name=f"semantic-ids-{self.task.name}", mime_type="jsonl"),
            )
        return str(uploaded.name)

    def _give_up(self, queue: deque[PlannedJob], error: str) -> None:
        """Jobs that cannot be submitted in this run: their inputs fail (the next run tries again)."""
        while queue:
            planned = queue.popleft()
            for key in planned.hashes():
                self._deliver(Outcome(key, False, None, attempts=0, error=f"batch job not submitted: {error}"[:500]))

    # ---- polling and collecting ------------------------------------------------------------------------------
    def _poll(self, pending: dict[str, BatchJobRecord], bar: Any) -> None:
        cfg = self.config
        for name in list(pending):
            try:
                job = self.client.batches.get(name=name)
                state = job_state(job)
                if state not in TERMINAL:
                    continue
                retry = self._collect(job, pending[name]) if state in SUCCEEDED else []
            except Exception as exc:  # noqa: BLE001 - a 5xx or a dropped connection: this job is polled again
                log.warning("%s: batch job %s: %s", self.task.name, name, self._api_error(exc, "batch_poll"))
                continue
            record = pending.pop(name)
            if state in SUCCEEDED:
                self.cache.update_batch_job(name, "collected")
                self.stats.batch_jobs_collected += 1
                self.provider.retry_online(self.task, retry, self._deliver, self.stats)
            else:  # its inputs are no longer in flight: marked failed, the next run submits them again
                detail = getattr(job, "error", None)
                error = cfg.redact(f"batch job {name} ended in {state}" + (f": {detail}" if detail else ""))
                self.cache.update_batch_job(name, state, error)
                self.stats.batch_jobs_failed += 1
                self.stats.count_error(state.removeprefix("JOB_STATE_").lower())
                log.warning("%s", error)
                for key in record.input_hashes:
                    self._deliver(Outcome(key, False, None, attempts=1, error=error[:500]))
            if bar is not None:
                bar.update(1)

    def _collect(self, job: Any, record: BatchJobRecord) -> list[tuple[list[Job], str]]:
        """Store every usable answer of a finished job; return what to retry: [(jobs, the error)]."""
        task, redact = self.task, self.config.redact
        retry: list[tuple[list[Job], str]] = []

        def again(hashes: list[str], error: str, whole: bool, kind: str = "bad_answer") -> None:
            error = (redact(error) or "")[:500]
            self.stats.count_error(kind)
            # inputs of the job that this run did not ask about (e.g. --limit) are left to the run that does
            mine = [self.by_key[h] for h in hashes if h in self.by_key]
            if mine:
                retry.extend([(mine, error)] if whole else [([j], error) for j in mine])

        seen: set[str] = set()
        for key, text, error in self._output_lines(job, record):
            hashes = record.requests.get(key)
            if hashes is None or key in seen:
                self.stats.count_error("batch_unknown_key")
                continue
            seen.add(key)
            if error is not None:
                again(hashes, f"batch request error: {error}", whole=True, kind="batch_line_error")
                continue
            try:
                answer = response_text(text)
            except AnswerError as exc:  # blocked or empty: which item caused it is unknown
                again(hashes, str(exc), whole=len(hashes) == 1)
                continue
            if len(hashes) == 1:
                try:
                    self._deliver(Outcome(hashes[0], True, task.parse(answer), attempts=1))
                except AnswerError as exc:
                    again(hashes, str(exc), whole=True)
                continue
            for pos, value in task.parse_batch(answer, len(hashes)).items():
                if isinstance(value, AnswerError):
                    again([hashes[pos]], str(value), whole=False)
                else:
                    self._deliver(Outcome(hashes[pos], True, value, attempts=1))
        for key, hashes in record.requests.items():
            if key not in seen:
                again(hashes, "missing from the batch output", whole=True, kind="batch_line_missing")
        return retry

    def _output_lines(self, job: Any, record: BatchJobRecord) -> Iterator[tuple[str, Any, str | None]]:
        """(request key, the response as REST JSON, or None with an error text) for each answer of a job."""
        dest = getattr(job, "dest", None)
        file_name = getattr(dest, "file_name", None)
        if file_name:
            with tempfile.TemporaryDirectory(prefix="enrich-batch-") as tmp:
                path = os.path.join(tmp, "output.jsonl")
                self.client.files.download(file=file_name, destination=path)
                with open(path, encoding="utf-8") as fh:
                    for line in fh:
                        if not line.strip():
                            continue
                        try:
                            entry = json.loads(line)
                        except json.JSONDecodeError:
                            self.stats.count_error("batch_bad_line")
                            continue
                        error = entry.get("error") or entry.get("status")
                        if error is not None or "response" not in entry:
                            yield str(entry.get("key")), None, _error_text(error)
                        else:
                            yield str(entry.get("key")), entry["response"], None
            return
        # a job recorded by an older version, with inlined requests keyed by the input hash
        hashes = record.input_hashes
        for pos, item in enumerate(getattr(dest, "inlined_responses", None) or []):
            key = (item.metadata or {}).get("key") or (hashes[pos] if pos < len(hashes) else "")
            if item.error is not None:
                yield key, None, _error_text(item.error.model_dump(exclude_none=True))
            elif item.response is None:
                yield key, None, "no response"
            else:
                yield key, item.response.model_dump(mode="json", by_alias=True, exclude_none=True), None

    def _deliver(self, outcome: Outcome) -> None:
        """Outcomes of inputs this run asked about go to the runner; others (a recorded job's inputs that this
        run does not cover, e.g. with --limit) are stored in the cache directly, answers only."""
        if outcome.key in self.by_key:
            self.on_done(outcome)
        elif outcome.ok:
            self.cache.put(
                self.task.name,
                self.cache_version,
                self.config.model,
                outcome.key,
                status="ok",
                value=outcome.value,
                attempts=outcome.attempts,
                provider=self.provider.name,
            )


def _error_text(error: Any) -> str:
    if isinstance(error, dict):
        code = error.get("code")
        message = error.get("message") or json.dumps(error)
        return f"{code}: {message}" if code else str(message)
    return str(error)
