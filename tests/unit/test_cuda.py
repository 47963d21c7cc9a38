"""The torch steps on a CUDA GPU: the same code as on the CPU, trained on the GPU, learns as well, reruns
bit-identically, resumes, and hands back CPU results. Skipped where torch sees no GPU (CI); run on a GPU machine
with `pytest tests/unit/test_cuda.py`.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from python_jobs.recommend.data import Catalogue, Sequences, right_align
from python_jobs.recommend.train import TrainingData, get_or_train, train_model
from python_jobs.semantic_ids.registry import QuantizerRegistry
from tests.unit.test_quantizer import build_spec, clustered
from tests.unit.test_recommend_models import toy_catalogue, toy_sequences, toy_settings

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU")


def rqvae(tmp_path, device: str):
    data = clustered()
    return data, QuantizerRegistry(tmp_path).get_or_train(
        data, build_spec("rqvae", data.dim, sid_device=device), device=device, progress=False
    )


def test_rqvae_on_cuda_is_repeatable_and_as_good_as_on_cpu(tmp_path):
    data, gpu = rqvae(tmp_path / "gpu", "cuda")
    _, again = rqvae(tmp_path / "gpu_again", "cuda")
    _, cpu = rqvae(tmp_path / "cpu", "cpu")
    assert gpu.summary["device"].startswith("cuda") and cpu.summary["device"] == "cpu"
    assert gpu.codes.equals(again.codes)  # deterministic kernels: a rerun gives the same IDs
    assert gpu.codes.num_rows == data.n and gpu.codes.schema == cpu.codes.schema
    # different kernels, so not the same codes; the same quality within a margin
    assert gpu.summary["raw_final"]["unique_share"] >= cpu.summary["raw_final"]["unique_share"] - 0.05
    assert gpu.summary["best_metrics"]["val_rel_recon"] <= cpu.summary["best_metrics"]["val_rel_recon"] + 0.05


@pytest.mark.parametrize("name", ["sasrec_ce", "sasrec_bce", "sid_sasrec"])
def test_recommenders_train_on_cuda_repeatably_and_score_to_the_cpu(tmp_path, name):
    catalogue = Catalogue.from_arrow(toy_catalogue())
    data = TrainingData(catalogue, Sequences.from_arrow(toy_sequences(300, 1), catalogue))
    gpu = get_or_train(name, data, toy_settings(tmp_path / "a", rec_device="cuda"))
    again = get_or_train(name, data, toy_settings(tmp_path / "b", rec_device="cuda"))
    assert gpu.summary["device"].startswith("cuda")
    if name != "sasrec_bce":  # the sampled-negative loss learns the toy rule less sharply at this size
        assert gpu.summary["holdout_ndcg@10"] > 0.3
    history = right_align([np.array([1, 6, 11])], 10)
    assert torch.equal(gpu.model.score(history).cpu(), again.model.score(history).cpu())


def test_a_killed_cuda_run_resumes_to_the_same_model(tmp_path):
    settings = toy_settings(tmp_path, rec_epochs=4, rec_patience=4, rec_device="cuda")
    catalogue = Catalogue.from_arrow(toy_catalogue())
    data = TrainingData(catalogue, Sequences.from_arrow(toy_sequences(120, 2), catalogue))
    straight, _ = train_model("sid_sasrec", data, settings, tmp_path / "a", fp="fp")
    train_model("sid_sasrec", data, settings.replace(rec_epochs=2), tmp_path / "b", fp="fp")
    resumed, summary = train_model("sid_sasrec", data, settings, tmp_path / "b", fp="fp")
    assert summary["epochs_run"] == 4
    for (k, v), (_, w) in zip(straight.state_dict().items(), resumed.state_dict().items()):
        assert torch.equal(v.cpu(), w.cpu()), k


def test_evaluation_ranks_on_the_gpu_in_large_batches_as_on_the_cpu(tmp_path):
    from python_jobs.recommend.score_batch import score_batch_size
    from python_jobs.recommend.scoring import model_ranks
    from tests.unit.test_recommend_ranking import toy_cases

    catalogue, cases, settings = toy_cases(tmp_path, rec_exclude_history=True)
    data = TrainingData(catalogue, Sequences.from_arrow(toy_sequences(300, 1), catalogue))
    gpu = get_or_train("sasrec_ce", data, settings.replace(rec_device="cuda")).model
    assert score_batch_size(0, "cuda", 66_164, 50, 64) > 256  # sized to the free GPU memory, not the CPU default
    on_gpu = model_ranks(gpu, catalogue, cases, settings)
    on_cpu = model_ranks(gpu.cpu(), catalogue, cases, settings)
    assert on_gpu == on_cpu
