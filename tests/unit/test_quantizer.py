"""Training, selection, determinism and the model registry of the stage-3 quantizers (python_jobs.semantic_ids)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from python_jobs.semantic_ids import dbt_models
from python_jobs.semantic_ids import train as training
from python_jobs.semantic_ids.embeddings import EmbeddingSet
from python_jobs.semantic_ids.quantizer import TrainedQuantizer
from python_jobs.semantic_ids.registry import QuantizerRegistry, spec_fingerprint
from python_jobs.semantic_ids.settings import SemanticIdSettings
from python_jobs.semantic_ids.train import TrainingInterrupted, evaluation, lr_at, split_indices

REPO = Path(__file__).resolve().parents[2]

# small enough for a 2-core CI box: ~1-2 s per training run
TINY = {
    "sid_levels": 3,
    "sid_codebook_size": 16,
    "sid_latent_dim": 8,
    "sid_hidden_dims": [32, 16],
    "sid_steps": 120,
    "sid_batch_size": 128,
    "sid_lr": 0.01,
    "sid_warmup_steps": 10,
    "sid_ae_warmup_steps": 20,
    "sid_eval_every": 20,
    "sid_log_every": 5,
    "sid_dead_code_every": 10,
    "sid_dead_code_until": 0.5,
    "sid_kmeans_iters": 30,
    "sid_val_fraction": 0.1,
    "sid_seed": 3,
    "sid_device": "cpu",
}


def settings(**changes) -> SemanticIdSettings:
    """The dbt_project.yml vars with the tiny training budget and any other var changed."""
    return SemanticIdSettings.load({**TINY, **changes})


def build_spec(kind: str, dim: int, **changes):
    return settings(quantizer=kind, **changes).quantizer_spec(dim)


def clustered(n: int = 600, dim: int = 32, clusters: int = 24, seed: int = 0, noise: float = 0.08) -> EmbeddingSet:
    """Unit-norm points around `clusters` centres, keys in shuffled order (the set must sort them)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(clusters, dim))
    x = centres[rng.integers(clusters, size=n)] + noise * rng.normal(size=(n, dim)) * np.sqrt(dim) / 4
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    keys = [f"I{i:06d}" for i in rng.permutation(n)]
    return EmbeddingSet.build(keys, x.astype(np.float32))


def train(tmp: Path, data: EmbeddingSet, kind: str = "rqvae", **changes):
    return QuantizerRegistry(tmp).get_or_train(
        data, build_spec(kind, data.dim, **changes), device="cpu", progress=False
    )


def test_embedding_set_sorts_keys_and_rejects_bad_input():
    data = EmbeddingSet.build(["b", "a", "c"], np.eye(3, dtype=np.float32))
    assert list(data.asins) == ["a", "b", "c"]
    assert data.x[0, 1] == 1.0  # 'a' was the second row
    with pytest.raises(ValueError, match="duplicate"):
        EmbeddingSet.build(["a", "a"], np.eye(2, dtype=np.float32))
    with pytest.raises(ValueError, match="NaN"):
        EmbeddingSet.build(["a", "b"], np.array([[0.0, np.nan], [1.0, 0.0]], dtype=np.float32))
    table = pa.table(
        {
            "parent_asin": ["x", "y"],
            "embedding": pa.FixedSizeListArray.from_arrays(pa.array([1, 0, 0, 1], pa.float32()), 2),
        }
    )
    assert EmbeddingSet.from_arrow(table).dim == 2
    # row order does not change the content hash
    shuffled = EmbeddingSet.build(["c", "a", "b"], data.x[[2, 0, 1]])
    assert shuffled.content_hash() == data.content_hash()


def test_settings_convert_and_validate_the_vars():
    spec = build_spec("rqvae", 384, sid_hidden_dims=[64, 32], sid_standardize="off", sid_lr="0.002", sid_steps="1200")
    assert spec.model.hidden_dims == (64, 32) and spec.model.standardize is False
    assert spec.train.lr == 0.002 and spec.train.steps == 1200
    km = build_spec("rqkmeans", 384, sid_kmeans_iters=7)
    assert km.kind == "rqkmeans" and km.model.max_iter == 7
    with pytest.raises(ValueError, match="quantizer"):
        build_spec("vqgan", 384)


def test_fingerprint_depends_on_embeddings_config_and_seed_only():
    data = clustered(n=300)
    base = build_spec("rqvae", data.dim)
    fp = spec_fingerprint(base, data.content_hash())
    assert fp == spec_fingerprint(build_spec("rqvae", data.dim), data.content_hash())
    assert fp != spec_fingerprint(build_spec("rqvae", data.dim, sid_seed=4), data.content_hash())
    assert fp != spec_fingerprint(build_spec("rqvae", data.dim, sid_commitment=0.5), data.content_hash())
    assert fp != spec_fingerprint(base, clustered(n=300, seed=1).content_hash())
    # the device is not part of the key; RQ-KMeans ignores the RQ-VAE optimiser settings
    assert fp == spec_fingerprint(build_spec("rqvae", data.dim, sid_device="auto"), data.content_hash())
    km = spec_fingerprint(build_spec("rqkmeans", data.dim), "h")
    assert km == spec_fingerprint(build_spec("rqkmeans", data.dim, sid_lr=0.1), "h")


def test_lr_schedule_warms_up_then_decays_to_the_floor():
    tc = build_spec(
        "rqvae", 8, sid_steps=100, sid_lr=1.0, sid_warmup_steps=10, sid_min_lr_ratio=0.1, sid_ae_warmup_steps=5
    ).train
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
    result = train(tmp_path, data, sid_steps=200)
    metrics = result.summary["best_metrics"]
    # predicting the mean embedding has val_rel_recon 1 by definition; the untrained model is far worse
    assert metrics["val_rel_recon"] < 0.35
    model = TrainedQuantizer.load(result.run_dir)
    train_idx, val_idx = split_indices(data.n, TINY["sid_val_fraction"], TINY["sid_seed"])
    import torch

    from python_jobs.semantic_ids.rqvae import RQVAE

    torch.manual_seed(0)
    untrained = TrainedQuantizer(model.spec, RQVAE(model.spec.model))
    base = evaluation(untrained, data, train_idx, val_idx)
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
    n_train = len(split_indices(data.n, TINY["sid_val_fraction"], TINY["sid_seed"])[0])
    assert calls[0] == ((n_train, TINY["sid_latent_dim"]), TINY["sid_seed"])  # once, on all training latents
    assert len(calls) == 2
    initial = calls[1]
    assert float(initial.abs().max()) > 1.0 / 16  # no longer the U(-1/K, 1/K) init
    events = [r for r in QuantizerRegistry(tmp_path).metrics(result.run_dir) if r["phase"] == "event"]
    assert events == [{"step": TINY["sid_ae_warmup_steps"], "phase": "event", "kmeans_init": 1.0}]


def test_selection_happens_after_dead_code_phase(tmp_path):
    result = train(tmp_path, clustered())
    rows = QuantizerRegistry(tmp_path).metrics(result.run_dir)
    evals = [r for r in rows if r["phase"] == "eval"]
    reset_until = int(TINY["sid_dead_code_until"] * TINY["sid_steps"])
    assert result.summary["best_step"] > reset_until
    eligible = [r for r in evals if r["eligible"] == 1.0]
    assert min(r["score"] for r in eligible) == pytest.approx(result.summary["best_metrics"]["score"])
    # no re-seeding after the cut-off: final usage is learned
    assert all(r.get("dead_codes_reseeded", 0) == 0 for r in rows if r["phase"] == "train" and r["step"] > reset_until)
    train_rows = [r for r in rows if r["phase"] == "train" and r["step"] > TINY["sid_ae_warmup_steps"]]
    assert {"recon", "batch_usage_level_0", "batch_perplexity_level_2", "batch_collision_rate"} <= set(train_rows[0])


def test_same_inputs_and_seed_give_byte_identical_codes(tmp_path):
    data = clustered()
    a = train(tmp_path / "a", data)
    b = train(tmp_path / "b", data)
    assert a.trained and b.trained
    assert (a.run_dir / "codes.parquet").read_bytes() == (b.run_dir / "codes.parquet").read_bytes()
    assert a.codes.equals(b.codes)
    c = train(tmp_path / "c", data, sid_seed=5)
    assert not a.codes.equals(c.codes)


def test_registry_reuses_a_trained_model_without_training(tmp_path, monkeypatch):
    data = clustered()
    first = train(tmp_path, data)
    assert first.trained

    def fail(*args, **kwargs):
        raise AssertionError("retrained a registered model")

    monkeypatch.setitem(training.TRAINERS, "rqvae", fail)
    second = train(tmp_path, data)
    assert not second.trained
    assert second.fingerprint == first.fingerprint and second.codes.equals(first.codes)
    registry = QuantizerRegistry(tmp_path)
    assert registry.find(first.fingerprint[:10]) == first.run_dir
    assert registry.apply(first.run_dir.name, data, "last_level").codes.equals(first.codes)
    assert registry.complete_entries() == [first.run_dir]


def test_a_pinned_model_applies_the_collision_policy_it_is_given(tmp_path):
    """`sid_registry_model` + `sid_collision_policy: none` must give the raw codes and report their unique share."""
    data = clustered()
    trained = train(tmp_path, data)
    registry = QuantizerRegistry(tmp_path)
    raw = registry.apply(trained.run_dir.name, data, "none")
    resolved = registry.apply(trained.run_dir.name, data, "last_level")
    assert resolved.codes.equals(trained.codes) and not raw.codes.equals(trained.codes)
    assert raw.summary["final"]["unique_share"] == pytest.approx(trained.summary["raw_final"]["unique_share"])
    assert raw.summary["items_moved_by_collision_policy"] == 0
    assert resolved.summary["final"]["unique_share"] > raw.summary["final"]["unique_share"]


def test_collision_policy_none_keeps_the_nearest_codes(tmp_path):
    data = clustered()
    plain = train(tmp_path, data, sid_collision_policy="none")
    model = TrainedQuantizer.load(plain.run_dir)
    codes = np.stack([plain.codes.column(f"sid_{i}").to_numpy() for i in range(3)], 1)
    assert np.array_equal(codes, model.encode(data.x))
    assert plain.summary["items_moved_by_collision_policy"] == 0
    assert plain.summary["final"]["unique_share"] < 1.0  # tight clusters do collide: the policy had work to do


def test_resume_after_interruption_gives_the_uninterrupted_result(tmp_path):
    data = clustered()
    full = train(tmp_path / "full", data)
    spec = build_spec("rqvae", data.dim)
    registry = QuantizerRegistry(tmp_path / "killed")
    with pytest.raises(TrainingInterrupted):
        registry.get_or_train(data, spec, device="cpu", progress=False, stop_after_step=70)
    run_dir = registry.entry("rqvae", spec_fingerprint(spec, data.content_hash()))
    assert (run_dir / "checkpoints" / "latest.pt").exists() and not (run_dir / "summary.json").exists()
    resumed = registry.get_or_train(data, spec, device="cpu", progress=False)
    assert resumed.codes.equals(full.codes)
    steps = [(r["step"], r["phase"]) for r in registry.metrics(run_dir)]
    assert len(steps) == len(set(steps)), "metrics of the redone steps were duplicated"
    assert steps == [(r["step"], r["phase"]) for r in registry.metrics(full.run_dir)]


def test_rqkmeans_behind_the_same_interface(tmp_path):
    data = clustered()
    result = train(tmp_path, data, kind="rqkmeans")
    assert result.trained and result.summary["kind"] == "rqkmeans"
    assert result.codes.column_names == ["parent_asin", "sid_0", "sid_1", "sid_2"]
    assert (result.run_dir / "model.npz").exists()
    model = TrainedQuantizer.load(result.run_dir)
    codes = model.encode(data.x)
    assert codes.shape == (data.n, 3) and codes.max() < 16
    assert result.summary["best_metrics"]["val_rel_recon"] < 0.5
    again = train(tmp_path, data, kind="rqkmeans")
    assert not again.trained and again.codes.equals(result.codes)


def test_dbt_entry_points(tmp_path):
    data = clustered()
    table = pa.table(
        {
            "parent_asin": list(data.asins),
            "embedding": pa.FixedSizeListArray.from_arrays(pa.array(data.x.reshape(-1)), data.dim),
        }
    )
    s = settings(sid_registry_dir=str(tmp_path))
    out = dbt_models.item_codes(table, s)
    assert out.column_names == ["parent_asin", "sid_0", "sid_1", "sid_2", "quantizer", "model_id", "model_fingerprint"]
    model_id = out.column("model_id")[0].as_py()
    metrics = dbt_models.training_metrics(model_id, s)
    assert metrics.num_rows > 0 and sum(metrics.column("is_selected_step").to_pylist()) > 0
    summary = dbt_models.model_summary(table, s)
    assert summary.num_rows == 1 and summary.column("model_id")[0].as_py() == model_id
    with pytest.raises(ValueError, match="3 code levels"):
        dbt_models.item_codes(table, s.replace(sid_levels=4))


def test_train_rqvae_defaults_are_the_dbt_vars_and_a_flag_overrides(monkeypatch):
    """A model trained by `train-rqvae` with defaults is the one `dbt build` finds: both read the same vars."""
    from click.testing import CliRunner

    from python_jobs.semantic_ids import cli

    seen = {}

    def capture(self, data, spec, **kwargs):
        seen["spec"] = spec
        raise RuntimeError("stop here")

    monkeypatch.setattr(EmbeddingSet, "from_parquet", classmethod(lambda cls, path: clustered(n=300)))
    monkeypatch.setattr(QuantizerRegistry, "get_or_train", capture)
    CliRunner().invoke(cli.train_rqvae, ["--category", "sample"])
    assert seen["spec"] == SemanticIdSettings.load().quantizer_spec(32)
    CliRunner().invoke(cli.train_rqvae, ["--steps", "999", "--no-standardize", "--hidden-dims", "64,32"])
    assert seen["spec"] == SemanticIdSettings.load(
        {"sid_steps": 999, "sid_standardize": False, "sid_hidden_dims": [64, 32]}
    ).quantizer_spec(32)


def test_train_rqvae_help_documents_every_option_without_importing_torch():
    code = (
        "import sys; from click.testing import CliRunner; from python_jobs.cli import cli; "
        "r = CliRunner().invoke(cli, ['train-rqvae', '--help']); print(r.output); "
        "assert 'torch' not in sys.modules, 'torch imported by --help'"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    from python_jobs.semantic_ids.cli import train_rqvae

    for param in train_rqvae.params:
        assert param.help, f"--{param.name} has no help text"
        assert f"--{param.name.replace('_', '-')}" in out.stdout or param.opts[0] in out.stdout
    for required in (
        "--quantizer",
        "--levels",
        "--codebook-size",
        "--latent-dim",
        "--hidden-dims",
        "--epochs",
        "--steps",
        "--batch-size",
        "--lr",
        "--warmup-steps",
        "--weight-decay",
        "--commitment",
        "--recon-loss",
        "--dead-code",
        "--seed",
        "--device",
        "--val-fraction",
        "--registry",
        "--wandb-project",
        "--embeddings",
        "--category",
    ):
        assert required in out.stdout


def test_tracking_is_a_noop_without_wandb_settings(monkeypatch, tmp_path):
    from python_jobs.common import tracking

    for var in ("WANDB_MODE", "WANDB_API_KEY"):
        monkeypatch.delenv(var, raising=False)
    assert not tracking.wandb_requested()
    assert isinstance(tracking.make_tracker("p", "r", {}, tmp_path), tracking.NullTracker)
    assert tracking.wandb_requested({"WANDB_MODE": "offline"})
    assert tracking.wandb_requested({"WANDB_API_KEY": "x"})
    assert not tracking.wandb_requested({"WANDB_API_KEY": "x", "WANDB_MODE": "disabled"})
    code = (
        "import sys, os; os.environ.pop('WANDB_MODE', None); os.environ.pop('WANDB_API_KEY', None); "
        "from python_jobs.common.tracking import make_tracker; make_tracker('p', 'r', {}); "
        "assert 'wandb' not in sys.modules"
    )
    assert (
        subprocess.run(
            [sys.executable, "-c", code],
            cwd=REPO,
            env={k: v for k, v in os.environ.items() if not k.startswith("WANDB")},
        ).returncode
        == 0
    )


def test_wandb_offline_run_stays_under_the_data_dir(tmp_path):
    code = f"""
import os, sys
os.environ['WANDB_MODE'] = 'offline'
os.environ['HOME'] = {str(tmp_path / "home")!r}
from pathlib import Path
from python_jobs.common.tracking import make_tracker
t = make_tracker('sid-test', 'run', {{'a': 1}}, data_dir={str(tmp_path / "data")!r})
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
