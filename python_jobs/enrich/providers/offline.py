"""The offline provider: the tasks done by rules (python_jobs.enrich.rules / extract), deterministic.

Used when no API key is set, and as the fallback for items whose Gemini call failed for good. Large inputs
are spread over processes (the rules are pure Python and CPU-bound).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from python_jobs.enrich.providers.base import Job, OnDone, Outcome, ProviderStats
from python_jobs.enrich.tasks import Task

log = logging.getLogger(__name__)

OFFLINE_MODEL = "rules-v1"  # bump when a rule change should be visible in the outputs
PARALLEL_MIN_JOBS = 4000  # below this, process start-up costs more than it saves
CHUNK = 500


def _run_chunk(task: Task, payloads: list[Any]) -> list[Any]:
    return [task.offline(p) for p in payloads]


class OfflineProvider:
    name = "offline"
    cacheable = False

    def __init__(self, workers: int | None = None) -> None:
        self.model = OFFLINE_MODEL
        self.workers = workers if workers is not None else (os.cpu_count() or 1)

    def cache_version(self, task: Task) -> str:
        return task.cache_version(temperature=0.0)  # not cached (cacheable is False); the rules are deterministic

    def answer(self, task: Task, payload: Any) -> Any:
        return task.offline(payload)

    def run(self, task: Task, jobs: Sequence[Job], on_done: OnDone) -> ProviderStats:
        stats = ProviderStats()
        if self.workers > 1 and len(jobs) >= PARALLEL_MIN_JOBS:
            try:
                for job, value in zip(jobs, self._parallel(task, jobs)):
                    on_done(Outcome(job.key, True, value, attempts=1))
                return stats
            except BrokenProcessPool as exc:  # e.g. a __main__ that spawn cannot import: do it here instead
                log.warning("offline workers failed (%s); continuing in this process", exc)
        for job in jobs:
            on_done(Outcome(job.key, True, task.offline(job.payload), attempts=1))
        return stats

    def _parallel(self, task: Task, jobs: Sequence[Job]) -> list[Any]:
        chunks = [jobs[i : i + CHUNK] for i in range(0, len(jobs), CHUNK)]
        # fork is cheapest, but forking a threaded process (dbt runs models in threads) can deadlock: spawn then
        others = [t for t in threading.enumerate() if t is not threading.main_thread() and t.name != "tqdm_monitor"]
        method = "spawn" if others or threading.current_thread() is not threading.main_thread() else "fork"
        with ProcessPoolExecutor(max_workers=self.workers, mp_context=multiprocessing.get_context(method)) as pool:
            futures = [pool.submit(_run_chunk, task, [j.payload for j in chunk]) for chunk in chunks]
            return [value for future in futures for value in future.result()]
