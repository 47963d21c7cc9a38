"""End-to-end: stage 5 inside the full `dbt build` of the sample, and `python -m python_jobs eval` after it."""

from __future__ import annotations

import os
import subprocess
import sys

import pyarrow.parquet as pq
import pytest

from tests.dbt_helpers import REPO, DbtProject

pytestmark = pytest.mark.e2e
MODELS = ["popularity", "transition", "sasrec_bce", "sasrec_ce", "sid_sasrec"]


def metric(project: DbtProject, model: str, protocol: str, name: str) -> float:
    return project.query(
        f"select value from sample.rec_metrics where model = '{model}' and protocol = '{protocol}' "
        f"and metric = '{name}'"
    )[0][0]


def test_rec_metrics_has_every_model_and_protocol(sample_build: DbtProject):
    rows = sample_build.query("select model, protocol, count(*), min(n_users) from sample.rec_metrics group by all")
    assert {(m, p) for m, p, _, _ in rows} == {(m, p) for m in MODELS for p in ("sampled", "full")}
    assert all(n == 10 and users > 0 for _, _, n, users in rows)
    for name in ("rec_metrics", "rec_metrics_breakdown", "recommendation_ranks", "recommenders"):
        assert pq.read_table(sample_build.out_dir / "sample" / f"{name}.parquet").num_rows > 0, name


def test_sasrec_trained_on_the_sample_beats_popularity(sample_build: DbtProject):
    for protocol in ("sampled", "full"):
        assert metric(sample_build, "sasrec_ce", protocol, "hit@10") > metric(
            sample_build, "popularity", protocol, "hit@10"
        )
    (n_models,) = sample_build.query("select count(*) from sample.recommenders")[0]
    assert n_models == 3


def test_eval_cli_reuses_the_registry_and_prints_the_table(sample_build: DbtProject):
    # what dbt computed, read before the CLI (which also writes its tables into the warehouse)
    built = {
        (m, p, n): v
        for m, p, n, v in sample_build.query("select model, protocol, metric, value from sample.rec_metrics")
    }
    env = {**os.environ, "PYTHONPATH": str(REPO), "WANDB_MODE": "disabled"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "python_jobs",
            "eval",
            "--category",
            "sample",
            "--no-train",
            "--no-progress",
            "--out-dir",
            str(sample_build.out_dir),
            "--registry-dir",
            str(sample_build.root / "registry"),
            "--warehouse",
            str(sample_build.warehouse),
            # the build's training settings, so the CLI finds the build's registry entries
            *(["--epochs", str(sample_build.vars["rec_epochs"])] if "rec_epochs" in sample_build.vars else []),
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "skipped" not in done.stderr and "trained " not in done.stderr  # loaded, not retrained
    for model in MODELS:
        assert model in done.stdout
    cli = {
        (r["model"], r["protocol"], r["metric"]): r["value"]
        for r in pq.read_table(sample_build.out_dir / "sample" / "rec_metrics.parquet").to_pylist()
    }
    assert cli.keys() == built.keys()
    assert all(cli[k] == pytest.approx(built[k]) for k in cli)  # the CLI and dbt compute the same table
