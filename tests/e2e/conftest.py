"""One full `dbt build` of the bundled sample (offline, isolated warehouse, caches and registry) shared by every
end-to-end test that only reads its outputs: the build is the slow part, so it runs once per session."""

from __future__ import annotations

import pytest

from tests.dbt_helpers import DbtProject


def sample_vars(root) -> dict:
    return {
        "enrich_provider": "offline",
        "enrich_cache_path": str(root / "cache" / "enrichment.sqlite"),
        "embedding_cache_dir": str(root / "cache" / "embeddings"),
        "sid_registry_dir": str(root / "registry"),
    }


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory) -> DbtProject:
    root = tmp_path_factory.mktemp("sample_build")
    project = DbtProject(root, vars=sample_vars(root))
    project.build()
    return project
