"""Experiment tracking: Weights & Biases when it is configured, otherwise a no-op.

W&B is used when `WANDB_MODE` is `offline` or `online`, or when `WANDB_API_KEY` is set (and `WANDB_MODE` is
not `disabled`). `wandb` is imported only then, so a plain run never pays its import time. Its run, data
and cache folders are pointed under `<data_dir>/wandb/` because wandb otherwise stages artifacts under
`~/.local/share/wandb` even when disabled. The local model registry (`python_jobs.common.registry`) keeps the
metrics either way.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Protocol


class Tracker(Protocol):
    enabled: bool

    def log(self, metrics: dict[str, float], step: int) -> None: ...

    def summary(self, values: dict[str, Any]) -> None: ...

    def log_artifact(self, path: Path, name: str, kind: str, metadata: dict[str, Any] | None = None) -> None: ...

    def finish(self) -> None: ...


class NullTracker:
    enabled = False

    def log(self, metrics: dict[str, float], step: int) -> None:
        pass

    def summary(self, values: dict[str, Any]) -> None:
        pass

    def log_artifact(self, path: Path, name: str, kind: str, metadata: dict[str, Any] | None = None) -> None:
        pass

    def finish(self) -> None:
        pass


class WandbTracker:
    enabled = True

    def __init__(self, run: Any) -> None:
        self._run = run

    def log(self, metrics: dict[str, float], step: int) -> None:
        self._run.log(metrics, step=step)

    def summary(self, values: dict[str, Any]) -> None:
        self._run.summary.update(values)

    def log_artifact(self, path: Path, name: str, kind: str, metadata: dict[str, Any] | None = None) -> None:
        import wandb

        artifact = wandb.Artifact(name=name, type=kind, metadata=metadata or {})
        artifact.add_file(str(path))
        self._run.log_artifact(artifact)

    def finish(self) -> None:
        self._run.finish()


def wandb_requested(env: dict[str, str] | None = None) -> bool:
    env = os.environ if env is None else env
    mode = env.get("WANDB_MODE", "").strip().lower()
    if mode == "disabled":
        return False
    return mode in ("offline", "online") or bool(env.get("WANDB_API_KEY"))


def wandb_dirs(data_dir: Path) -> dict[str, str]:
    base = Path(data_dir).resolve() / "wandb"
    return {"WANDB_DIR": str(base), "WANDB_DATA_DIR": str(base / "data"), "WANDB_CACHE_DIR": str(base / "cache")}


def make_tracker(
    project: str, run_name: str, config: dict[str, Any], data_dir: Path | str = "data", group: str | None = None
) -> Tracker:
    """A W&B run when configured (see module doc), else a `NullTracker`."""
    if not wandb_requested():
        return NullTracker()
    dirs = wandb_dirs(Path(data_dir))
    for key, value in dirs.items():
        os.environ.setdefault(key, value)
        Path(os.environ[key]).mkdir(parents=True, exist_ok=True)
    import wandb  # lazy: ~0.4 s and a background process, only when asked for

    run = wandb.init(
        project=project,
        name=run_name,
        group=group,
        config=config,
        dir=os.environ["WANDB_DIR"],
        reinit="finish_previous",
    )
    return WandbTracker(run)


class MetricsLog:
    """Per-step metrics as JSON lines in a registry entry, mirrored to the tracker.

    On resume, rows after the checkpointed step are dropped (they are about to be redone)."""

    def __init__(self, path: Path, tracker: Tracker) -> None:
        self.path = Path(path)
        self.tracker = tracker

    def truncate_after(self, step: int) -> None:
        if not self.path.exists():
            return
        keep = [line for line in self.path.read_text().splitlines() if line and json.loads(line)["step"] <= step]
        self.path.write_text("".join(line + "\n" for line in keep))

    def write(self, step: int, phase: str, metrics: dict[str, float]) -> None:
        row = {"step": step, "phase": phase, **{k: float(v) for k, v in metrics.items()}}
        with self.path.open("a") as f:
            f.write(json.dumps(row, sort_keys=True) + "\n")
        self.tracker.log({f"{phase}/{k}": float(v) for k, v in metrics.items()}, step=step)

    def read(self) -> list[dict[str, Any]]:
        return read_metrics(self.path)


def read_metrics(path: Path) -> list[dict[str, Any]]:
    """The rows a MetricsLog wrote (none when the file does not exist yet)."""
    path = Path(path)
    return [json.loads(line) for line in path.read_text().splitlines() if line] if path.exists() else []
