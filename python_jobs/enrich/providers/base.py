"""What every provider implements, and the small types that pass between provider and runner."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from python_jobs.enrich.tasks import Task


@dataclass(frozen=True)
class Job:
    """One distinct input of a task (items with identical input text share a job)."""

    key: str  # sha256 of `text`: the cache key
    text: str  # the prepared model input (already truncated)
    payload: Any  # the item's original payload (the offline rules read it)


@dataclass(frozen=True)
class Outcome:
    key: str
    ok: bool
    value: Any = None
    attempts: int = 1
    error: str | None = None


@dataclass
class ProviderStats:
    requests: int = 0  # model requests: generateContent calls or Batch API lines (several items count once)
    retries: int = 0
    errors: dict[str, int] = field(default_factory=dict)  # error kind -> count (429, 503, timeout, parse, ...)
    batch_jobs_submitted: int = 0
    batch_jobs_collected: int = 0
    batch_jobs_failed: int = 0  # ended failed, cancelled or expired (their inputs go again next run)
    batch_bytes: int = 0  # JSONL input uploaded
    batch_pending: int = 0  # Batch API inputs still waiting in a submitted job

    def count_error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1


OnDone = Callable[[Outcome], None]


class Provider(Protocol):
    name: str  # "offline" | "gemini"
    model: str  # recorded with every output row
    cacheable: bool  # answers worth storing (offline answers are cheaper to recompute than to look up)

    def run(self, task: Task, jobs: Sequence[Job], on_done: OnDone) -> ProviderStats:
        """Answer every job, calling on_done once per job as soon as its final outcome is known."""
        ...

    def cache_version(self, task: Task) -> str:
        """The version this provider's answers to `task` are cached under (see Task.cache_version)."""
        ...
