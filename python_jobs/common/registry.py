"""A local registry of trained models, keyed by what they were trained on and with which settings.

    registry = ModelRegistry(Path("data/registry/sample"))
    entry = registry.entry("rqvae", fingerprint({"data": data_hash, "settings": ...}))
    with registry.lock(entry):
        if not registry.is_complete(entry):
            ...train, writing files into `entry`...
            registry.complete(entry, summary)     # summary.json, written last
    registry.find("rqvae-0123abcd")               # by folder name or fingerprint prefix

One folder per model, `<root>/<kind>-<fingerprint[:16]>/`. Its `summary.json` is written last, so its presence
means "complete": a killed training run leaves a folder without one, and the next run resumes or retrains it.
A second run asking for the same fingerprint loads the entry instead of training again; the device is never
part of the key, so a model trained on a GPU serves CPU builds. Each stage decides what goes in the folder
(the quantizers: model, checkpoints, metrics.jsonl, codes.parquet; the recommenders: their checkpoints).
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any, Iterator

from python_jobs.common.files import write_json

SUMMARY = "summary.json"


class ModelRegistry:
    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def entry(self, kind: str, fingerprint: str) -> Path:
        return self.root / f"{kind}-{fingerprint[:16]}"

    @staticmethod
    def is_complete(entry: Path) -> bool:
        return (Path(entry) / SUMMARY).exists()

    @staticmethod
    def summary(entry: Path) -> dict[str, Any]:
        return json.loads((Path(entry) / SUMMARY).read_text())

    @staticmethod
    def complete(entry: Path, summary: dict[str, Any]) -> None:
        write_json(Path(entry) / SUMMARY, summary)

    @staticmethod
    def invalidate(entry: Path) -> None:
        """Forget that an entry is complete (a forced retrain); its other files are overwritten as it trains."""
        (Path(entry) / SUMMARY).unlink(missing_ok=True)

    @staticmethod
    @contextlib.contextmanager
    def lock(entry: Path) -> Iterator[None]:
        """One trainer per entry at a time (two dbt or CLI runs racing on the same fingerprint)."""
        entry = Path(entry)
        entry.mkdir(parents=True, exist_ok=True)
        with (entry / ".lock").open("a+") as handle:
            try:
                import fcntl

                fcntl.flock(handle, fcntl.LOCK_EX)
            except ImportError:  # non-POSIX: no lock, writes are still atomic
                pass
            yield

    def find(self, model_id: str) -> Path:
        """A complete entry by folder name (`rqvae-0123abcd...`) or by fingerprint prefix."""
        direct = self.root / model_id
        if self.is_complete(direct):
            return direct
        hits = sorted(p for p in self.root.glob(f"*-{model_id}*") if self.is_complete(p))
        if len(hits) != 1:
            known = [p.name for p in self.complete_entries()]
            raise FileNotFoundError(f"registry model {model_id!r} matches {len(hits)} complete entries in "
                                    f"{self.root}; known: {known}")
        return hits[0]

    def complete_entries(self, kind: str | None = None) -> list[Path]:
        pattern = f"{kind}-*" if kind else "*"
        return sorted(p for p in self.root.glob(pattern) if self.is_complete(p)) if self.root.exists() else []
