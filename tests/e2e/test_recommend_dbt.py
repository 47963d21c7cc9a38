"""End-to-end: stage 5 inside the full `dbt build` of the sample, and `python -m python_jobs eval` after it."""

from __future__ import annotations

import os
import subprocess
import sys

import pyarrow.parquet as pq
import pytest

from python_jobs.report.cli import write_report
from python_jobs.report.formatting import interval
from tests.dbt_helpers import REPO, DbtProject, copy_of

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


def metric_users(project: DbtProject) -> int:
    return project.query("select n_users from sample.rec_metrics where protocol = 'generative' limit 1")[0][0]


def eval_cli(project: DbtProject, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO), "WANDB_MODE": "disabled", "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    # dbt's target and log folders of this build, not the repo's (another pytest worker may run dbt there)
    env |= {"DBT_TARGET_PATH": str(project.root / "target"), "DBT_LOG_PATH": str(project.root / "logs")}
    command = [sys.executable, "-m", "python_jobs", "eval", "--category", "sample", "--out-dir", str(project.out_dir)]
    return subprocess.run(
        [*command, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=900, check=False
    )


def test_eval_no_build_prints_what_dbt_wrote_and_writes_nothing(sample_build: DbtProject):
    exported = sample_build.out_dir / "sample" / "rec_metrics.parquet"
    written = exported.stat().st_mtime_ns
    done = eval_cli(sample_build, "--no-build")
    assert done.returncode == 0, done.stderr[-3000:]
    for model in MODELS:
        assert model in done.stdout
    hit10 = metric(sample_build, "sasrec_ce", "full", "hit@10")
    assert f"{hit10:.3f}" in done.stdout  # the printed table is dbt's rec_metrics
    assert exported.stat().st_mtime_ns == written
    refused = eval_cli(sample_build, "--no-build", "--protocol", "full")
    assert refused.returncode != 0 and "drop --no-build" in refused.stderr


def test_eval_flags_become_the_vars_of_a_dbt_build_that_loads_the_registry(sample_build: DbtProject, tmp_path):
    project = copy_of(sample_build, tmp_path / "copy")
    registry = project.root / "registry"
    entries = sorted(p.name for p in registry.iterdir())
    done = eval_cli(
        project,
        *("--protocol", "all", "--model", "popularity", "--model", "sasrec_ce", "--model", "sid_sasrec"),
        *("--registry-dir", str(registry), "--warehouse", str(project.warehouse)),
        # the build's training settings, so the CLI's build finds the build's registry entries
        *(["--epochs", str(project.vars["rec_epochs"])] if "rec_epochs" in project.vars else []),
    )
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    assert "Completed successfully" in done.stdout  # dbt built (and tested) the tables
    assert sorted(p.name for p in registry.iterdir()) == entries  # loaded, not retrained
    rows = project.query("select distinct model, protocol from sample.rec_metrics")
    scored = {(m, p) for m in ("popularity", "sasrec_ce", "sid_sasrec") for p in ("sampled", "full")}
    assert set(rows) == scored | {("sasrec_ce", "generative"), ("sid_sasrec", "generative")}  # the generators
    exported = pq.read_table(project.out_dir / "sample" / "rec_metrics.parquet").to_pylist()
    assert {(r["model"], r["protocol"]) for r in exported} == set(rows)
    for r in exported:  # the same numbers as the full build's
        if r["protocol"] != "generative":
            assert r["value"] == pytest.approx(metric(sample_build, r["model"], r["protocol"], r["metric"]))
    # sasrec_ce's generated list is its exact top 20: its first 10 are a hit exactly when the full rank is <= 10
    generated = metric(project, "sasrec_ce", "generative", "hit@10")
    assert generated == pytest.approx(metric(sample_build, "sasrec_ce", "full", "hit@10"))
    (agreement,) = project.query("select model, beam_width, n_users, top10_recall from sample.rec_beam_agreement")
    assert agreement[:3] == ("sid_sasrec", 20, metric_users(project)) and 0 < agreement[3] <= 1
    assert "of the exact top 10" in done.stdout
    # the report's stage-5 section shows both: each generating model's interval and the beam's agreement
    report, _ = write_report("sample", project.out_dir, tmp_path / "report.html")
    section = report.read_text().split('<section id="recommenders"')[1].split("</section>")[0]
    generated_table = section.split("<caption>Generative ranking")[1].split("</table>")[0]
    (hit10,) = project.query(
        "select value, ci_low, ci_high from sample.rec_metrics "
        "where model = 'sid_sasrec' and protocol = 'generative' and metric = 'hit@10'"
    )
    assert '<td class="text">sid_sasrec</td>' in generated_table and interval(*hit10) in generated_table
    agreement_table = section.split("<caption>Beam search against exhaustive scoring")[1].split("</table>")[0]
    assert f">{agreement[3]:.3f}</td>" in agreement_table and "not built" not in section
