"""The Gemini provider: the real google-genai SDK, async, bounded, paced and retried.

- `config.concurrency` workers share one async client (`client.aio.models.generate_content`).
- A global pacer (aiolimiter, 1-second window) keeps requests under `requests_per_minute`; a 429 also
  pauses every worker (for the server's RetryInfo delay when it sends one) so we back off together.
- Retries (up to `max_attempts` per item) with exponential backoff and jitter on 408/429/5xx, timeouts and
  connection errors, and on answers that fail parsing or validation (missing tags, too long, bad JSON).
  401/403/404 stop the run (a bad key or model name fails every item the same way); other 4xx fail the item.
  The SDK's own retry is left off so every attempt passes through the pacer and is counted.
- Titles and descriptions are sent several per request (`title_batch_size`, `description_batch_size`),
  answered per item id; an item whose part of the answer is missing or unusable is retried alone (the
  cache stays keyed per item, so batching changes no cache hit).
- `run_batch_api` uses the Gemini Batch API instead (half price, asynchronous; see gemini_batch.py): JSONL
  input files with the same batched prompts, jobs recorded in the cache, so an interrupted run collects them
  later instead of paying twice.
The API key goes to the SDK only (sent as a header); error texts are redacted before they are stored.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from python_jobs.enrich.config import EnrichConfig
from python_jobs.enrich.providers.base import Job, OnDone, Outcome, ProviderStats
from python_jobs.enrich.providers.gemini_batch import BatchApiRun
from python_jobs.enrich.providers.gemini_errors import FatalProviderError, classify, describe, server_retry_delay
from python_jobs.enrich.tasks import AnswerError, Task, response_schema

log = logging.getLogger(__name__)
T = TypeVar("T")


def run_coroutine(coro: Awaitable[T]) -> T:
    """asyncio.run, also from code that already runs inside an event loop (then in a helper thread)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)  # type: ignore[arg-type]
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()  # type: ignore[arg-type]


def backoff_delay(attempt: int, initial: float, cap: float, rng: random.Random) -> float:
    """Exponential backoff with 'equal jitter': half the step fixed, half random (spreads retries out)."""
    step = min(cap, initial * (2 ** (attempt - 1)))
    return step / 2 + rng.uniform(0, step / 2)


class GeminiProvider:
    name = "gemini"
    cacheable = True

    def __init__(self, config: EnrichConfig, seed: int = 0) -> None:
        if not config.api_key:
            raise ValueError("the gemini provider needs an API key (GEMINI_API_KEY)")
        self.config = config
        self.model = config.model
        self._rng = random.Random(seed)
        self._pause_until = 0.0
        self._fatal: BaseException | None = None

    def cache_version(self, task: Task) -> str:
        return task.cache_version(self.config.temperature)

    # ---- SDK objects -----------------------------------------------------------------------------------------
    def make_client(self) -> Any:
        """A google-genai client. Keep a reference for as long as it is used (its __del__ closes it)."""
        from google import genai
        from google.genai import types

        http = types.HttpOptions(
            base_url=self.config.base_url,
            api_version=self.config.api_version,
            timeout=int(self.config.timeout_s * 1000),
        )
        return genai.Client(api_key=self.config.api_key, http_options=http)

    def generation_config(self, task: Task, n_items: int = 1) -> Any:
        from google.genai import types

        kwargs: dict[str, Any] = {
            "temperature": self.config.temperature,
            "max_output_tokens": task.max_output_tokens * max(1, n_items),
        }
        if task.json_output:
            kwargs.update(
                response_mime_type="application/json", response_schema=types.Schema.model_validate(response_schema())
            )
        return types.GenerateContentConfig(**kwargs)

    # ---- online mode -----------------------------------------------------------------------------------------
    def run(self, task: Task, jobs: Sequence[Job], on_done: OnDone) -> ProviderStats:
        stats = ProviderStats()
        if jobs:
            run_coroutine(self._run(task, self._groups(task, list(jobs)), on_done, stats))
        return stats

    def retry_online(
        self, task: Task, groups: Sequence[tuple[list[Job], str]], on_done: OnDone, stats: ProviderStats
    ) -> None:
        """Go on with groups that already had one attempt (in a Batch API job): [(jobs, that attempt's error)]."""
        if groups:
            run_coroutine(self._run(task, list(groups), on_done, stats, attempt=1))

    def _groups(self, task: Task, jobs: list[Job]) -> list[tuple[list[Job], str]]:
        size = self.config.batch_size(task.name) if task.batchable else 1
        return [(jobs[i : i + size], "no attempt made") for i in range(0, len(jobs), size)]

    async def _run(
        self,
        task: Task,
        groups: list[tuple[list[Job], str]],
        on_done: OnDone,
        stats: ProviderStats,
        attempt: int = 0,
    ) -> None:
        from aiolimiter import AsyncLimiter

        rpm = self.config.requests_per_minute
        period = max(1.0, 60.0 / rpm)  # a 1 s window: bursts of at most rpm/60, not a minute's worth
        limiter = AsyncLimiter(max_rate=rpm * period / 60.0, time_period=period)
        client = self.make_client()
        shared = iter(groups)
        self._fatal = None

        async def worker() -> None:
            for group, error in shared:  # a shared iterator: each group goes to exactly one worker
                if self._fatal is not None:
                    return
                await self._answer_group(client, limiter, task, group, stats, on_done, attempt, error)

        try:
            n_workers = max(1, min(self.config.concurrency, len(groups)))
            await asyncio.gather(*(worker() for _ in range(n_workers)))
        finally:
            await client.aio.aclose()
        if self._fatal is not None:
            raise FatalProviderError(describe(self._fatal, self.config)) from None

    async def _pace(self, limiter: Any) -> None:
        loop = asyncio.get_running_loop()
        while (wait := self._pause_until - loop.time()) > 0:
            await asyncio.sleep(wait)
        await limiter.acquire()

    async def _answer_group(
        self,
        client: Any,
        limiter: Any,
        task: Task,
        group: list[Job],
        stats: ProviderStats,
        on_done: OnDone,
        attempt: int = 0,
        last_error: str = "no attempt made",
    ) -> None:
        """Answer a group (one job, or several in one request) until done or out of attempts.

        Each outcome goes to on_done the moment it is known (the runner stores it): the good answers of a
        batch are kept even if the run dies while one of its items is being retried.

        A request that fails (429, 5xx, timeout) is retried as a whole. When an answer arrives but an item's
        part of it is missing or unusable, that item is retried alone and the others are kept: a new batch
        could trip over the same input again. `attempt` is the number of requests the jobs have been in so
        far (a job split off a batch carries on counting towards max_attempts).
        """
        pending = list(group)
        while pending and attempt < self.config.max_attempts and self._fatal is None:
            attempt += 1
            if attempt > 1:
                stats.retries += 1
            alone: list[tuple[Job, str]] = []  # jobs to retry one per request, with their error
            try:
                await self._pace(limiter)
                stats.requests += 1
                batched = len(pending) > 1
                prompt = task.batch_prompt([j.text for j in pending]) if batched else task.prompt(pending[0].text)
                response = await client.aio.models.generate_content(
                    model=self.model, contents=prompt, config=self.generation_config(task, len(pending))
                )
                text = response.text
                if not text:
                    reason = getattr((response.candidates or [None])[0], "finish_reason", None)
                    raise AnswerError(f"empty answer (finish_reason={reason})")
                if batched:
                    results = task.parse_batch(text, len(pending))
                    for pos, job in enumerate(pending):
                        value = results[pos]
                        if isinstance(value, AnswerError):
                            stats.count_error("bad_answer")
                            alone.append((job, describe(value, self.config)))
                        else:
                            on_done(Outcome(job.key, True, value, attempts=attempt))
                else:
                    on_done(Outcome(pending[0].key, True, task.parse(text), attempts=attempt))
                pending = []
            except Exception as exc:  # noqa: BLE001 - classified below; unknown kinds are re-raised
                action, kind = classify(exc)
                if action == "raise":
                    raise
                stats.count_error(kind)
                last_error = describe(exc, self.config)
                if action == "fatal":
                    self._fatal = exc
                    break
                if action == "fail":
                    break
                if kind == "bad_answer" and len(pending) > 1:
                    # the batched answer as a whole is unusable (empty, blocked): find out which input it was
                    alone, pending = [(j, last_error) for j in pending], []
                if attempt < self.config.max_attempts:
                    delay = backoff_delay(attempt, self.config.backoff_initial_s, self.config.backoff_max_s, self._rng)
                    if kind == "429":
                        server = server_retry_delay(exc)
                        delay = max(delay, min(server, self.config.backoff_max_s)) if server else delay
                        loop = asyncio.get_running_loop()
                        self._pause_until = max(self._pause_until, loop.time() + delay)
                    await asyncio.sleep(delay)
            for job, error in alone:  # in this worker, one after another: the concurrency bound holds
                await self._answer_group(client, limiter, task, [job], stats, on_done, attempt, error)
        if self._fatal is not None:
            return  # what is pending is not recorded as failed: the run stops and it is simply not answered yet
        for job in pending:
            on_done(Outcome(job.key, False, None, attempts=attempt, error=last_error))

    # ---- Batch API mode --------------------------------------------------------------------------------------
    def run_batch_api(
        self, task: Task, jobs: Sequence[Job], on_done: OnDone, cache: Any, wait: bool = True, progress: bool = False
    ) -> ProviderStats:
        """Answer the jobs through Gemini Batch API jobs (JSONL files; see gemini_batch.py)."""
        return BatchApiRun(self, task, cache, on_done, progress=progress).run(list(jobs), wait=wait)
