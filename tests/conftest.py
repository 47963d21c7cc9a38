"""How `pytest` spreads the suite over two processes (pytest-xdist, `-n 2` in pyproject.toml).

Most of CI's time is single-threaded (dbt's start-up and parse, ~10 s per dbt call, DuckDB and Python work), so two
workers on two cores finish sooner. Each test module runs on one worker (its module fixtures, e.g. the Industrial
embeddings, are built once), and every module that reads the session's sample build (`tests/e2e/conftest.py`) runs on
the same worker, so that build happens once per run, not once per worker. `pytest -n 0` runs in one process.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent


@cache
def readers_of_the_sample_build() -> frozenset[str]:
    """Test modules (node-id paths) that use the `sample_build` fixture."""
    root = TESTS.parent
    return frozenset(
        path.relative_to(root).as_posix() for path in TESTS.rglob("test_*.py") if "sample_build" in path.read_text()
    )


def pytest_xdist_make_scheduler(config: pytest.Config, log):
    from xdist.scheduler import LoadFileScheduling

    class ModuleOrSampleBuild(LoadFileScheduling):
        """xdist's one-module-per-work-unit, with the sample build's readers as one unit (xdist's own `loadgroup`
        marks do not reach the node ids under pytest 9)."""

        def _split_scope(self, nodeid: str) -> str:
            module = super()._split_scope(nodeid)
            return "sample_build" if module in readers_of_the_sample_build() else module

    return ModuleOrSampleBuild(config, log)
