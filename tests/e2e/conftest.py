"""Shared end-to-end fixtures."""

from __future__ import annotations

import pytest

from tests.dbt_helpers import DbtProject


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory) -> DbtProject:
    """ONE full offline `dbt build` (all stages) of the bundled sample in an isolated temp dir, for the session.

    Same vars as test_full_build's `built` fixture; stage tests read its warehouse and outputs instead of
    building stages 1-3 again."""
    root = tmp_path_factory.mktemp("sample_build")
    project = DbtProject(root, vars={
        "enrich_provider": "offline",
        "enrich_cache_path": str(root / "cache" / "enrichment.sqlite"),
        "embedding_cache_dir": str(root / "cache" / "embeddings"),
        "sid_registry_dir": str(root / "registry"),
    })
    project.build()
    return project
