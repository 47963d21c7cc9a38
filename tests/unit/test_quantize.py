"""Training, selection, determinism, resume and the model registry (python_jobs.semantic_ids.quantize)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from python_jobs import quantize
from python_jobs.semantic_ids.quantize import (EmbeddingSet, Registry, TrainConfig, TrainingInterrupted, build_spec, lr_at,
                                  split_indices)

REPO = Path(__file__).resolve().parents[2]

# small enough for a 2-core CI box: ~1-2 s per training run
TINY = {"levels": 3, "codebook_size": 16, "latent_dim": 8, "hidden_dims": "32,16", "steps": 120, "batch_size": 128,
        "lr": 0.01, "warmup_steps": 10, "ae_warmup_steps": 20, "eval_every": 20, "log_every": 5,
        "dead_code_every": 10, "dead_code_until": 0.5, "kmeans_iters": 30, "val_fraction": 0.1, "seed": 3}


def clustered(n: int = 600, dim: int = 32, clusters: int = 24, seed: int = 0, noise: float = 0.08) -> EmbeddingSet:
    """Unit-norm points around `clusters` centres, keys in shuffled order (the set must sort them)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(clusters, dim))
    x = centres[rng.integers(clusters, size=n)] + noise * rng.normal(size=(n, dim)) * np.sqrt(dim) / 4
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    keys = [f"I{i:06d}" for i in rng.permutation(n)]
    return EmbeddingSet.build(keys, x.astype(np.float32))


def train(tmp: Path, data: EmbeddingSet, kind: str = "rqvae", **overrides):
    spec = build_spec(kind, data.dim, {**TINY, **overrides})
    return Registry(tmp).get_or_train(data, spec, device="cpu", progress=False)


def test_embedding_set_sorts_keys_and_rejects_bad_input():
    data = EmbeddingSet.build(["b", "a", "c"], np.eye(3, dtype=np.float32))
    assert list(data.asins) == ["a", "b", "c"]
    assert data.x[0, 1] == 1.0  # 'a' was the second row
    with pytest.raises(ValueError, match="duplicate"):
        EmbeddingSet.build(["a", "a"], np.eye(2, dtype=np.float32))
    with pytest.raises(ValueError, match="NaN"):
        EmbeddingSet.build(["a", "b"], np.array([[0.0, np.nan], [1.0, 0.0]], dtype=np.float32))
    table = pa.table({"parent_asin": ["x", "y"],
                      "embedding": pa.FixedSizeListArray.from_arrays(pa.array([1, 0, 0, 1], pa.float32()), 2)})
    assert EmbeddingSet.from_arrow(table).dim == 2
    # row order does not change the content hash
    shuffled = EmbeddingSet.build(["c", "a", "b"], data.x[[2, 0, 1]])
    assert shuffled.content_hash() == data.content_hash()


def test_build_spec_coerces_dbt_strings_and_rejects_unknown_keys():
    spec = build_spec("rqvae", 384, {"levels": "3", "hidden_dims": "512,256,128", "standardize": "False",
                                     "lr": "0.002", "steps": "1200", "n_init": "1", "registry": None})
    assert spec.model.hidden_dims == (512, 256, 128) and spec.model.standardize is False
    assert spec.train.lr == 0.002 and spec.train.steps == 1200
    assert build_spec("rqvae", 384, {"hidden_dims": "[64, 32]"}).model.hidden_dims == (64, 32)
    km = build_spec("rqkmeans", 384, {"kmeans_iters": "7", "hidden_dims": "1,2"})
    assert km.model.max_iter == 7
    with pytest.raises(ValueError, match="unknown quantizer setting"):
        build_spec("rqvae", 384, {"codebooksize": 3})
    with pytest.raises(ValueError):
        build_spec("vqgan", 384, {})


def test_fingerprint_depends_on_embeddings_config_and_seed_only():
    data = clustered(n=300)
    base = build_spec("rqvae", data.dim, TINY)
    fp = base.fingerprint(data.content_hash())
    assert fp == build_spec("rqvae", data.dim, dict(TINY)).fingerprint(data.content_hash())
    assert fp != build_spec("rqvae", data.dim, {**TINY, "seed": 4}).fingerprint(data.content_hash())
    assert fp != build_spec("rqvae", data.dim, {**TINY, "commitment": 0.5}).fingerprint(data.content_hash())
    assert fp != base.fingerprint(clustered(n=300, seed=1).content_hash())
    # RQ-KMeans ignores the RQ-VAE optimiser settings
    km = build_spec("rqkmeans", data.dim, TINY).fingerprint("h")
    assert km == build_spec("rqkmeans", data.dim, {**TINY, "lr": 0.1}).fingerprint("h")


def test_lr_schedule_warms_up_then_decays_to_the_floor():
    tc = TrainConfig(steps=100, lr=1.0, warmup_steps=10, min_lr_ratio=0.1, ae_warmup_steps=5)
    lrs = [lr_at(s, tc) for s in range(100)]
    assert lrs[0] == pytest.approx(0.1) and lrs[9] == pytest.approx(1.0)
    assert all(a >= b for a, b in zip(lrs[10:], lrs[11:]))
    assert lrs[-1] == pytest.approx(0.1)


def test_split_is_seeded_and_disjoint():
    train_idx, val_idx = split_indices(1000, 0.05, seed=1)
    assert len(val_idx) == 50 and len(set(train_idx) | set(val_idx)) == 1000
    assert not set(train_idx) & set(val_idx)
    assert np.array_equal(val_idx, split_indices(1000, 0.05, seed=1)[1])
    assert not np.array_equal(val_idx, split_indices(1000, 0.05, seed=2)[1])


def test_rqvae_beats_trivial_baselines_on_clustered_data(tmp_path):
    data = clustered()
    result = train(tmp_path, data, steps=200)
    metrics = result.summary["best_metrics"]
    # predicting the mean embedding has val_rel_recon 1 by definition; the untrained model is far worse
    assert metrics["val_rel_recon"] < 0.35
    model = quantize.TrainedQuantizer.load(result.run_dir)
    train_idx, val_idx = split_indices(data.n, TINY["val_fraction"], TINY["seed"])
    import torch

    from python_jobs.semantic_ids.rqvae import RQVAE

    torch.manual_seed(0)
    untrained = quantize.TrainedQuantizer(model.spec, RQVAE(model.spec.model))
    base = quantize.evaluation(untrained.encode, untrained.reconstruct, data, train_idx, val_idx, 16)
    assert metrics["val_rel_recon"] < 0.5 * base["val_rel_recon"]
    # 24 clusters spread over 16 level-0 codes: most codes in use
    assert metrics["all_usage_level_0"] >= 0.75
    # tight clusters collide on raw codes; the last-level policy separates items, moving only colliding ones
    raw, final = result.summary["raw_final"], result.summary["final"]
    assert raw["unique_share"] == pytest.approx(metrics["all_unique_share"])
    assert final["unique_share"] > raw["unique_share"]
    assert 0 < result.summary["items_moved_by_collision_policy"] <= data.n * (1 - raw["unique_share"])


def test_training_uses_kmeans_init_on_encoded_latents(tmp_path, monkeypatch):
    from python_jobs.semantic_ids.rqvae import ResidualQuantizer

    calls = []
    original = ResidualQuantizer.kmeans_init

    def spy(self, z, seed, max_iter=100):
        calls.append((tuple(z.shape), seed))
        original(self, z, seed, max_iter)
        calls.append(self.codebooks.detach().clone())

    monkeypatch.setattr(ResidualQuantizer, "kmeans_init", spy)
    data = clustered()
    result = train(tmp_path, data)
    n_train = len(split_indices(data.n, TINY["val_fraction"], TINY["seed"])[0])
    assert calls[0] == ((n_train, TINY["latent_dim"]), TINY["seed"])  # once, on all training latents
    assert len(calls) == 2
    initial = calls[1]
    assert float(initial.abs().max()) > 1.0 / 16  # no longer the U(-1/K, 1/K) init
    events = [r for r in quantize.read_metrics(result.run_dir) if r["phase"] == "event"]
    assert events == [{"step": TINY["ae_warmup_steps"], "phase": "event", "kmeans_init": 1.0}]


def test_selection_happens_after_dead_code_phase(tmp_path):
    result = train(tmp_path, clustered())
    rows = quantize.read_metrics(result.run_dir)
    evals = [r for r in rows if r["phase"] == "eval"]
    reset_until = int(TINY["dead_code_until"] * TINY["steps"])
    assert result.summary["best_step"] > reset_until
    eligible = [r for r in evals if r["eligible"] == 1.0]
    assert min(r["score"] for r in eligible) == pytest.approx(result.summary["best_metrics"]["score"])
    # no re-seeding after the cut-off: final usage is learned
    assert all(r.get("dead_codes_reseeded", 0) == 0 for r in rows if r["phase"] == "train" and r["step"] > reset_until)
    train_rows = [r for r in rows if r["phase"] == "train" and r["step"] > TINY["ae_warmup_steps"]]
    assert {"recon", "batch_usage_level_0", "batch_perplexity_level_2", "batch_collision_rate"} <= set(train_rows[0])


def test_same_inputs_and_seed_give_byte_identical_codes(tmp_path):
    data = clustered()
    a = train(tmp_path / "a", data)
    b = train(tmp_path / "b", data)
    assert a.trained and b.trained
    assert (a.run_dir / "codes.parquet").read_bytes() == (b.run_dir / "codes.parquet").read_bytes()
    assert a.codes.equals(b.codes)
    c = train(tmp_path / "c", data, seed=5)
    assert not a.codes.equals(c.codes)


def test_registry_reuses_a_trained_model_without_training(tmp_path, monkeypatch):
    data = clustered()
    first = train(tmp_path, data)
    assert first.trained

    def fail(*args, **kwargs):
        raise AssertionError("retrained a registered model")

    monkeypatch.setitem(quantize.TRAINERS, "rqvae", fail)
    second = train(tmp_path, data)
    assert not second.trained
    assert second.fingerprint == first.fingerprint and second.codes.equals(first.codes)
    assert Registry(tmp_path).find(first.fingerprint[:10]) == first.run_dir
    applied = Registry(tmp_path).apply(first.run_dir.name, data)
    assert applied.codes.equals(first.codes)
    entries = Registry(tmp_path).entries()
    assert [e["model_id"] for e in entries] == [first.run_dir.name]


def test_resume_after_interruption_gives_the_uninterrupted_result(tmp_path):
    data = clustered()
    full = train(tmp_path / "full", data)
    spec = build_spec("rqvae", data.dim, TINY)
    registry = Registry(tmp_path / "killed")
    with pytest.raises(TrainingInterrupted):
        registry.get_or_train(data, spec, device="cpu", progress=False, stop_after_step=70)
    run_dir = registry.run_dir("rqvae", spec.fingerprint(data.content_hash()))
    assert (run_dir / "checkpoints" / "latest.pt").exists() and not (run_dir / "summary.json").exists()
    resumed = registry.get_or_train(data, spec, device="cpu", progress=False)
    assert resumed.codes.equals(full.codes)
    steps = [(r["step"], r["phase"]) for r in quantize.read_metrics(run_dir)]
    assert len(steps) == len(set(steps)), "metrics of the redone steps were duplicated"
    assert steps == [(r["step"], r["phase"]) for r in quantize.read_metrics(full.run_dir)]


def test_cli_resumes_after_a_real_kill(tmp_path):
    """SIGKILL the CLI once its first checkpoint exists; the rerun resumes and matches an uninterrupted run."""
    data = clustered(n=800)
    emb = tmp_path / "emb.parquet"
    pq.write_table(pa.table({"parent_asin": list(data.asins),
                             "embedding": pa.FixedSizeListArray.from_arrays(pa.array(data.x.reshape(-1)), data.dim)}), emb)
    args = [sys.executable, "-m", "python_jobs", "train-rqvae", "--embeddings", str(emb), "--levels", "3",
            "--codebook-size", "16", "--latent-dim", "8", "--hidden-dims", "32,16", "--steps", "240",
            "--batch-size", "64", "--ae-warmup-steps", "20", "--eval-every", "20", "--dead-code-every", "10",
            "--kmeans-iters", "20", "--device", "cpu", "--quiet"]
    env = {**os.environ, "WANDB_MODE": "disabled", "OMP_NUM_THREADS": "1"}
    killed_reg = tmp_path / "killed"
    proc = subprocess.Popen([*args, "--registry", str(killed_reg)], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    import time

    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:
        if list(killed_reg.glob("*/checkpoints/latest.pt")):
            break
        time.sleep(0.05)
    if proc.poll() is not None:
        pytest.skip("training finished before it could be killed (machine too fast for this check)")
    proc.kill()
    proc.wait()
    (run_dir,) = list(killed_reg.iterdir())
    assert not (run_dir / "summary.json").exists()
    done = subprocess.run([*args, "--registry", str(killed_reg)], cwd=REPO, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout)["trained"] is True
    clean = subprocess.run([*args, "--registry", str(tmp_path / "clean")], cwd=REPO, env=env, capture_output=True,
                           text=True)
    assert clean.returncode == 0, clean.stderr[-2000:]
    (clean_dir,) = list((tmp_path / "clean").iterdir())
    assert (run_dir / "codes.parquet").read_bytes() == (clean_dir / "codes.parquet").read_bytes()


def test_rqkmeans_behind_the_same_interface(tmp_path):
    data = clustered()
    result = train(tmp_path, data, kind="rqkmeans")
    assert result.trained and result.summary["kind"] == "rqkmeans"
    assert result.codes.column_names == ["parent_asin", "sid_0", "sid_1", "sid_2"]
    assert (result.run_dir / "model.npz").exists()
    model = quantize.TrainedQuantizer.load(result.run_dir)
    codes = model.encode(data.x)
    assert codes.shape == (data.n, 3) and codes.max() < 16
    assert result.summary["best_metrics"]["val_rel_recon"] < 0.5
    again = train(tmp_path, data, kind="rqkmeans")
    assert not again.trained and again.codes.equals(result.codes)


def test_codes_model_for_dbt(tmp_path):
    data = clustered()
    table = pa.table({"parent_asin": list(data.asins),
                      "embedding": pa.FixedSizeListArray.from_arrays(pa.array(data.x.reshape(-1)), data.dim)})
    settings = {k: str(v) for k, v in TINY.items()} | {"category": "sample", "quantizer": "rqvae", "registry_model": "",
                                                        "registry_dir": str(tmp_path), "device": "cpu",
                                                        "wandb_project": "x", "progress": "False", "n_init": "1",
                                                        "minibatch": "False"}
    out = quantize.codes_model(table, settings)
    assert out.column_names == ["parent_asin", "sid_0", "sid_1", "sid_2", "quantizer", "model_id", "model_fingerprint"]
    model_id = out.column("model_id")[0].as_py()
    metrics = quantize.training_metrics_model(model_id, settings)
    assert metrics.num_rows > 0 and sum(metrics.column("is_selected_step").to_pylist()) > 0
    summary = quantize.model_summary_model(model_id, settings)
    assert summary.num_rows == 1 and summary.column("quantizer")[0].as_py() == "rqvae"
    with pytest.raises(ValueError, match="3 code levels"):
        quantize.codes_model(table, {**settings, "levels": "4"})


def _dbt_vars() -> dict:
    import yaml

    return yaml.safe_load((REPO / "dbt_project.yml").read_text())["vars"]


def test_cli_library_and_dbt_defaults_agree():
    """A model trained by `train-rqvae` with defaults must be the one `dbt build` finds in the registry."""
    import click

    from python_jobs.semantic_ids.cli import SETTINGS, train_rqvae
    from python_jobs.semantic_ids.rqkmeans import RQKMeansConfig
    from python_jobs.semantic_ids.rqvae import RQVAEConfig

    ctx = click.Context(train_rqvae)
    cli = {p.name: p.get_default(ctx) for p in train_rqvae.params}
    cli["hidden_dims"] = tuple(int(v) for v in cli["hidden_dims"].split(","))
    lib = {**{k: v for k, v in vars(TrainConfig()).items()}, **vars(RQVAEConfig()), "n_init": RQKMeansConfig().n_init,
           "minibatch": RQKMeansConfig().minibatch}
    dbt = _dbt_vars()
    for name in SETTINGS:
        assert cli[name] == lib[name], name
        value = dbt[f"sid_{name}"]
        assert (tuple(value) if isinstance(value, list) else value) == lib[name], name
    assert dbt["quantizer"] == cli["quantizer"] == "rqvae" and dbt["sid_device"] == cli["device"]


def test_train_rqvae_help_documents_every_option_without_importing_torch():
    code = ("import sys; from click.testing import CliRunner; from python_jobs.cli import cli; "
            "r = CliRunner().invoke(cli, ['train-rqvae', '--help']); print(r.output); "
            "assert 'torch' not in sys.modules, 'torch imported by --help'")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    from python_jobs.semantic_ids.cli import train_rqvae

    for param in train_rqvae.params:
        assert param.help, f"--{param.name} has no help text"
        assert f"--{param.name.replace('_', '-')}" in out.stdout or param.opts[0] in out.stdout
    for required in ("--quantizer", "--levels", "--codebook-size", "--latent-dim", "--hidden-dims", "--epochs",
                     "--steps", "--batch-size", "--lr", "--warmup-steps", "--weight-decay", "--commitment",
                     "--recon-loss", "--dead-code", "--seed", "--device", "--val-fraction", "--registry",
                     "--wandb-project", "--embeddings", "--category"):
        assert required in out.stdout


def test_tracking_is_a_noop_without_wandb_settings(monkeypatch, tmp_path):
    from python_jobs import tracking

    for var in ("WANDB_MODE", "WANDB_API_KEY"):
        monkeypatch.delenv(var, raising=False)
    assert not tracking.wandb_requested()
    assert isinstance(tracking.make_tracker("p", "r", {}, tmp_path), tracking.NullTracker)
    assert tracking.wandb_requested({"WANDB_MODE": "offline"})
    assert tracking.wandb_requested({"WANDB_API_KEY": "x"})
    assert not tracking.wandb_requested({"WANDB_API_KEY": "x", "WANDB_MODE": "disabled"})
    code = ("import sys, os; os.environ.pop('WANDB_MODE', None); os.environ.pop('WANDB_API_KEY', None); "
            "from python_jobs.common.tracking import make_tracker; make_tracker('p', 'r', {}); "
            "assert 'wandb' not in sys.modules")
    assert subprocess.run([sys.executable, "-c", code], cwd=REPO, env={k: v for k, v in os.environ.items()
                                                                          if not k.startswith("WANDB")}).returncode == 0


def test_wandb_offline_run_stays_under_the_data_dir(tmp_path):
    code = f"""
import os, sys
os.environ['WANDB_MODE'] = 'offline'
os.environ['HOME'] = {str(tmp_path / 'home')!r}
from pathlib import Path
from python_jobs.common.tracking import make_tracker
t = make_tracker('sid-test', 'run', {{'a': 1}}, data_dir={str(tmp_path / 'data')!r})
assert t.enabled
t.log({{'x': 1.0}}, step=1)
p = Path({str(tmp_path)!r}) / 'm.txt'; p.write_text('m')
t.log_artifact(p, 'model-x', 'model')
t.summary({{'best': 1}})
t.finish()
"""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WANDB")}
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert list((tmp_path / "data" / "wandb").rglob("*.wandb"))
    assert not (tmp_path / "home" / ".local" / "share" / "wandb").exists()


def test_dbt_model_config_renders_to_the_default_spec():
    """The sid_quantizer config of models/semantic_ids/_semantic_ids.yml, filled from the dbt vars, must parse
    into exactly the library's default spec (so dbt and the CLI share registry entries)."""
    import re

    import yaml

    dbt_vars = _dbt_vars()
    config = yaml.safe_load((REPO / "models" / "semantic_ids" / "_semantic_ids.yml").read_text())
    settings = config["x-sid-quantizer-config"]["sid_quantizer"]

    def fill(value):
        m = re.fullmatch(r"\{\{ var\('(\w+)'\)( \| join\(','\))? \}\}", str(value))
        if not m:
            return value
        v = dbt_vars[m.group(1)]
        return ",".join(map(str, v)) if m.group(2) else str(v)

    rendered = {k: fill(v) for k, v in settings.items()}
    spec = build_spec("rqvae", 384, {k: v for k, v in rendered.items() if k not in quantize.DBT_ONLY_KEYS})
    assert spec == build_spec("rqvae", 384)
    assert set(rendered) - quantize.DBT_ONLY_KEYS >= set(__import__("python_jobs.semantic_ids.cli", fromlist=["x"]).SETTINGS)
