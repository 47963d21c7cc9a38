"""The raw files are dbt sources, where lineage starts; SQL and Python agree on where a category's files live."""

from __future__ import annotations

from pathlib import Path

import pytest

from python_jobs.common.paths import CategoryPaths
from python_jobs.common.settings import project_vars
from tests.dbt_helpers import DbtProject

PATHS_SQL = (
    "select '{{ raw_path('meta') }}|{{ raw_path('interactions') }}|{{ out_dir() }}|{{ out_path('items.parquet') }}'"
)


def dbt_paths(project: DbtProject, dbt_vars: dict) -> list[Path]:
    """The raw files and output folder as dbt compiles them for a run with `dbt_vars`."""
    result = project.invoke("compile", "--quiet", "--inline", PATHS_SQL, vars=dbt_vars)
    assert result.success, result.output
    line = next(line for line in result.output.splitlines() if line.startswith("select '"))
    return [Path(p) for p in line.removeprefix("select '").removesuffix("'").split("|")]


@pytest.mark.parametrize("moved", [False, True])
def test_dbt_and_category_paths_name_the_same_files(tmp_path, moved):
    project = DbtProject(tmp_path)
    dbt_vars = {"category": "Video_Games"}
    if moved:
        dbt_vars |= {"raw_dir": str(tmp_path / "elsewhere" / "raw"), "out_dir": str(tmp_path / "elsewhere" / "out")}
    else:  # the defaults of dbt_project.yml (DbtProject otherwise points out_dir at its temp folder)
        dbt_vars["out_dir"] = project_vars()["out_dir"]
    paths = CategoryPaths.from_vars({**project_vars(), **dbt_vars})
    assert dbt_paths(project, dbt_vars) == [
        paths.meta_file,
        paths.interactions_file,
        paths.out_dir,
        paths.out_dir / "items.parquet",
    ]
    if not moved:  # the vars' defaults are CategoryPaths' own layout under data/
        assert paths == CategoryPaths("Video_Games", raw_root=Path("data/raw"), out_root=Path("data/output"))
        assert (paths.raw_dir, paths.out_dir) == (
            CategoryPaths("Video_Games").raw_dir,
            CategoryPaths("Video_Games").out_dir,
        )


def test_lineage_starts_at_the_raw_sources(tmp_path):
    listed = DbtProject(tmp_path).invoke("ls", "--quiet", "--select", "source:raw+", "--resource-type", "model")
    assert listed.success, listed.output
    children = {line.rsplit(".", 1)[-1] for line in listed.output.splitlines()}
    # the staging models read the files through source(), so everything built from them descends from the sources
    assert {"stg_meta", "stg_interactions", "items", "sequences", "semantic_ids", "conversations"} <= children
