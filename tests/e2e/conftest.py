"""Shared end-to-end fixtures.

`sample_build` runs ONE full `dbt build` (no selection: every stage, every dbt test) of the bundled sample, offline,
into an isolated temp folder (warehouse, outputs, embedding cache, enrichment cache, quantizer registry), once per
pytest session. Tests that only read its results should use it instead of building again; tests that change the
warehouse must work on a copy (`tests.dbt_helpers.copy_of`).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.dbt_helpers import DbtProject


def offline_vars(root: Path) -> dict:
    """The vars of an isolated offline build under `root` (as test_full_build's `built`)."""
    return {
        "enrich_provider": "offline",
        "enrich_cache_path": str(root / "cache" / "enrichment.sqlite"),
        "embedding_cache_dir": str(root / "cache" / "embeddings"),
        "sid_registry_dir": str(root / "registry"),
        # a smaller stage-5 training budget than the README's build (30 epochs), to keep CI under 15 minutes on 2
        # cores; the quality of the recommenders is measured by benchmarks/bench_recommend.py, not by CI
        "rec_epochs": 6,
    }


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory) -> DbtProject:
    root = tmp_path_factory.mktemp("sample_build")
    project = DbtProject(root, vars=offline_vars(root))
    project.build()
    return project
