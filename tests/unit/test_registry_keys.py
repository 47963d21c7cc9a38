"""Registry keys by construction: every setting is part of a model's key unless its declaration says it cannot
change the model (`affects_model=False`, or only for other model kinds)."""

from __future__ import annotations

import numpy as np
import pytest

from python_jobs.common.settings import project_vars, setting
from python_jobs.recommend.data import Catalogue, Sequences
from python_jobs.recommend.settings import RecommendSettings
from python_jobs.recommend.train import TrainingData, model_fingerprint
from python_jobs.semantic_ids.embeddings import EmbeddingSet
from python_jobs.semantic_ids.registry import spec_fingerprint
from python_jobs.semantic_ids.settings import SemanticIdSettings
from tests.unit.test_recommend_models import toy_catalogue, toy_sequences


class RecommendPlus(RecommendSettings):
    """Stage 5 as it would be with two more vars: a training knob, and a path marked as not changing the model."""

    rec_new_knob: int = setting("A new training setting.")
    rec_new_folder: str = setting("A new output folder.", affects_model=False)


class SemanticIdPlus(SemanticIdSettings):
    sid_new_knob: float = setting("A new training setting of both quantizers.")
    sid_new_vae_knob: float = setting("A new RQ-VAE setting.", affects_model=("rqvae",))
    sid_new_progress: bool = setting("A new progress switch.", affects_model=False)


def plus(model, **values):
    """A settings object of an extended model (the new vars are not in dbt_project.yml, so set them here)."""
    return model.model_validate({**project_vars(), **values})


BASE_REC = {"rec_new_knob": 1, "rec_new_folder": "a"}
BASE_SID = {"sid_new_knob": 0.5, "sid_new_vae_knob": 0.5, "sid_new_progress": True}


@pytest.fixture(scope="module")
def data() -> TrainingData:
    catalogue = Catalogue.from_arrow(toy_catalogue())
    return TrainingData(catalogue, Sequences.from_arrow(toy_sequences(20, 0), catalogue))


@pytest.mark.parametrize("model", ["sasrec_ce", "sid_sasrec"])
def test_a_new_recommender_setting_is_in_the_key_unless_marked(data, model):
    base = model_fingerprint(model, data, plus(RecommendPlus, **BASE_REC))
    assert base == model_fingerprint(model, data, plus(RecommendPlus, **BASE_REC))
    assert base != model_fingerprint(model, data, plus(RecommendPlus, **{**BASE_REC, "rec_new_knob": 2}))
    assert base == model_fingerprint(model, data, plus(RecommendPlus, **{**BASE_REC, "rec_new_folder": "b"}))


def test_recommender_keys_ignore_device_paths_and_evaluation_settings(data):
    s = RecommendSettings.load()
    base = model_fingerprint("sasrec_ce", data, s)
    for var, value in [("rec_device", "cpu"), ("rec_eval_seed", 7), ("rec_bootstrap_samples", 10), ("out_dir", "x")]:
        assert model_fingerprint("sasrec_ce", data, s.replace(**{var: value})) == base, var
    for var, value in [("rec_lr", 0.1), ("rec_hidden", 32), ("rec_seed", 1), ("rec_holdout_share", 0.2)]:
        assert model_fingerprint("sasrec_ce", data, s.replace(**{var: value})) != base, var


def embeddings() -> EmbeddingSet:
    rng = np.random.default_rng(0)
    return EmbeddingSet.build([f"I{i}" for i in range(50)], rng.normal(size=(50, 8)).astype(np.float32))


@pytest.mark.parametrize("kind", ["rqvae", "rqkmeans"])
def test_a_new_quantizer_setting_is_in_the_key_of_the_kinds_it_is_declared_for(kind):
    emb = embeddings().content_hash()

    def key(**changes):
        s = plus(SemanticIdPlus, **{**BASE_SID, **changes, "quantizer": kind})
        return spec_fingerprint(s.quantizer_spec(8), emb)

    assert key() == key()
    assert key() != key(sid_new_knob=0.7)
    assert (key() != key(sid_new_vae_knob=0.7)) == (kind == "rqvae")
    assert key() == key(sid_new_progress=False)
    assert key() == key(sid_device="cuda", embedding_batch_size=7, sid_log_every=3)  # never in a key


def test_a_spec_without_settings_has_no_key():
    spec = SemanticIdSettings.load().quantizer_spec(8)
    keyless = type(spec)(spec.kind, spec.model, spec.train)
    with pytest.raises(ValueError, match="quantizer_spec"):
        spec_fingerprint(keyless, "h")
