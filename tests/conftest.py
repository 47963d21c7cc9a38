"""How `pytest` spreads the suite over two processes (pytest-xdist, `-n 2 --dist loadgroup` in pyproject.toml).

Most of CI's time is single-threaded (dbt's start-up and parse, ~10 s per dbt call, DuckDB and Python work), so two
workers on two cores finish sooner. Each test module stays on one worker (its module fixtures, e.g. the Industrial
embeddings, are built once), and every test that reads the session's sample build runs on the same worker, so that
build happens once per run, not once per worker.
"""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        group = "sample_build" if "sample_build" in getattr(item, "fixturenames", ()) else item.nodeid.split("::")[0]
        item.add_marker(pytest.mark.xdist_group(group))
