"""The one rank rule (python_jobs.recommend.ranking) through the production paths: evaluation (scoring.model_ranks,
what int_rec_model_ranks runs) and early stopping (train.train_model). Ties count half, non-finite scores stop."""

from __future__ import annotations

import pyarrow as pa
import pytest
import torch

from python_jobs.recommend.data import Catalogue, Sequences
from python_jobs.recommend.ranking import NonFiniteScores, full_ranks
from python_jobs.recommend.scoring import model_ranks
from python_jobs.recommend.train import TrainingData, train_model
from tests.sql_models import eval_cases
from tests.unit.test_recommend_models import Oracle, toy_catalogue, toy_sequences, toy_settings


class Constant(torch.nn.Module):
    """A collapsed model: the same score for every item (`value`), padding -inf."""

    def __init__(self, n_items: int, value: float = 0.0) -> None:
        super().__init__()
        self.n_items, self.value = n_items, value
        self.w = torch.nn.Parameter(torch.zeros(1))

    def score(self, inputs):
        scores = torch.full((len(inputs), self.n_items + 1), self.value)
        scores[:, 0] = float("-inf")
        return scores


def toy_cases(tmp_path, **settings):
    catalogue = Catalogue.from_arrow(toy_catalogue())
    asins = list(catalogue.asins)
    val = pa.table(
        {
            "user_id": [f"v{i}" for i in range(12)],
            "sequence": [[asins[(s + k) % 20] for k in range(3 + i % 5)] for i, s in enumerate(range(12))],
        }
    )
    s = toy_settings(tmp_path, rec_eval_negatives=7, **settings)
    return catalogue, eval_cases(toy_sequences(20, 0), val, s), s


def ranks_by_protocol(ranks: dict) -> dict[str, set]:
    out: dict[str, set] = {}
    for protocol, rank in zip(ranks["protocol"], ranks["rank"]):
        out.setdefault(protocol, set()).add(rank)
    return out


def test_a_constant_model_ranks_every_target_in_the_middle(tmp_path):
    catalogue, cases, settings = toy_cases(tmp_path)
    got = ranks_by_protocol(model_ranks(Constant(20), catalogue, cases, settings))
    # 7 negatives tied with the target: 1 + 7/2; the full catalogue: 19 other items tied: 1 + 19/2
    assert got == {"sampled": {4.5}, "full": {10.5}}


def test_a_model_told_the_answer_ranks_it_first(tmp_path):
    catalogue, cases, settings = toy_cases(tmp_path)
    assert ranks_by_protocol(model_ranks(Oracle(20), catalogue, cases, settings)) == {"sampled": {1}, "full": {1}}


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_a_model_with_non_finite_scores_stops_the_evaluation_naming_it(tmp_path, value):
    catalogue, cases, settings = toy_cases(tmp_path)
    with pytest.raises(NonFiniteScores, match="sasrec_ce \\(sasrec_ce-0123\\)"):
        model_ranks(Constant(20, value), catalogue, cases, settings, "sasrec_ce (sasrec_ce-0123)")


def test_excluded_history_items_are_not_candidates_and_the_target_still_ranks(tmp_path):
    catalogue, cases, settings = toy_cases(tmp_path, rec_exclude_history=True)
    full = [c for c in cases.to_pylist() if c["protocol"] == "full"]
    ranks = model_ranks(Constant(20), catalogue, cases, settings)
    got = {u: r for p, u, r in zip(ranks["protocol"], ranks["user_id"], ranks["rank"]) if p == "full"}
    for case in full:  # ties only with the items outside the history (and not the target)
        others = 20 - 1 - len(set(case["history"]) - {case["target"]})
        assert got[case["user_id"]] == 1 + others / 2


def test_ties_count_half_and_the_target_is_not_its_own_candidate():
    minus_inf = float("-inf")
    scores = torch.tensor(
        [
            [minus_inf, 0.5, 0.5, 0.1],  # tied with one other: 1 + 1/2
            [minus_inf, 0.1, 0.9, 0.9],  # two higher: 3
            [minus_inf, 2.0, 1.0, 0.0],  # the best: 1
            [minus_inf, 0.3, minus_inf, 0.3],  # an excluded item (-inf) is no candidate: 1 + 1/2
        ]
    )
    assert full_ranks(scores, torch.tensor([1, 1, 1, 1])).tolist() == [1.5, 3.0, 1.0, 1.5]


def test_a_diverged_epoch_stops_training_naming_the_model_and_the_epoch(tmp_path, monkeypatch):
    settings = toy_settings(tmp_path, rec_epochs=3, rec_patience=3)
    catalogue = Catalogue.from_arrow(toy_catalogue())
    data = TrainingData(catalogue, Sequences.from_arrow(toy_sequences(100, 1), catalogue))
    from python_jobs.recommend import sasrec

    healthy = sasrec.SASRec.score
    calls = {"n": 0}

    def diverging(self, inputs):  # the second epoch's held-out scoring returns NaN (a diverged model)
        scores = healthy(self, inputs)
        calls["n"] += 1
        return scores.fill_(float("nan")) if calls["n"] > 1 else scores

    monkeypatch.setattr(sasrec.SASRec, "score", diverging)
    with pytest.raises(NonFiniteScores, match="sasrec_ce epoch 2"):
        train_model("sasrec_ce", data, settings, tmp_path / "entry")
