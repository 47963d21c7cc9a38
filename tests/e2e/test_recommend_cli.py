"""`python -m python_jobs recommend` on the built sample (the session's `sample_build`): one user's top K from a trained
model, with titles and Semantic IDs, read-only; clear errors for what does not exist."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from python_jobs.recommend.cli import recommend
from tests.dbt_helpers import DbtProject

pytestmark = pytest.mark.e2e


def run(project: DbtProject, *args: str):
    flags = [
        "--category",
        "sample",
        "--out-dir",
        str(project.out_dir),
        "--registry-dir",
        str(project.root / "registry"),
    ]
    flags += ["--epochs", str(project.vars["rec_epochs"])] if "rec_epochs" in project.vars else []
    return CliRunner().invoke(recommend, [*flags, *args], catch_exceptions=False)


def outputs(project: DbtProject, name: str) -> list[dict]:
    return pq.read_table(project.out_dir / "sample" / f"{name}.parquet").to_pylist()


def test_recommend_for_a_history_prints_titles_and_semantic_ids(sample_build: DbtProject):
    titles = {r["parent_asin"]: r["title"] for r in outputs(sample_build, "items")}
    sids = {r["parent_asin"]: r["semantic_id"] for r in outputs(sample_build, "semantic_ids")}
    user = outputs(sample_build, "sequences_val")[0]
    history = ",".join(user["sequence"][:-1])
    registry = sorted((sample_build.root / "registry").iterdir())
    for extra in ((), ("--beam",)):
        done = run(sample_build, "--model", "sid_sasrec", "--history", history, "--k", "5", *extra)
        assert done.exit_code == 0, done.output
        lines = done.output.splitlines()
        assert lines[0].startswith("sid_sasrec (sid_sasrec-") and len(lines) == 2 + 5
        for line in lines[2:]:
            rank, asin, sid, _score, *title = line.split()
            assert sids[asin] == sid and title == titles[asin][:80].split()
    assert sorted((sample_build.root / "registry").iterdir()) == registry  # read, not trained


def test_recommend_for_a_user_and_the_errors_name_what_is_missing(sample_build: DbtProject):
    user = outputs(sample_build, "sequences_train")[0]["user_id"]
    done = run(sample_build, "--model", "popularity", "--user", user, "--k", "3")
    assert done.exit_code == 0 and "popularity (sql)" in done.output and len(done.output.splitlines()) == 5
    unknown_user = run(sample_build, "--model", "popularity", "--user", "nobody")
    assert unknown_user.exit_code != 0 and "'nobody' is in neither" in unknown_user.output
    unknown_asin = run(sample_build, "--model", "transition", "--history", "NOTANASIN")
    assert unknown_asin.exit_code != 0 and "not in the catalogue (semantic_ids): NOTANASIN" in unknown_asin.output
    registry = sorted((sample_build.root / "registry").iterdir())
    untrained = run(sample_build, "--model", "sasrec_ce", "--user", user, "--seed", "7")
    assert untrained.exit_code != 0 and "no trained model" in untrained.output
    assert sorted((sample_build.root / "registry").iterdir()) == registry  # no folder left behind
