"""Protocol generative: ranks within a generated list (a target outside it is a miss, ties are not wins), metrics
truncated at the beam, and the stage-5 chain (cases -> generated lists -> ranks -> metrics, beam agreement)."""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pytest
import torch

from python_jobs.generate.beam import TopK, beam_search, exhaustive_top_k
from python_jobs.generate.trie import CodeTrie
from python_jobs.recommend.comparison import comparison_text
from python_jobs.recommend.data import Catalogue
from python_jobs.recommend.generative import agreement_table, list_ranks
from python_jobs.recommend.metrics import summarize
from python_jobs.recommend.train import build_model
from tests.sql_models import eval_cases
from tests.unit.test_recommend_evaluate import evaluation
from tests.unit.test_recommend_models import toy_catalogue, toy_sequences, toy_settings


def hand_made_lists() -> TopK:
    items = torch.tensor([[4, 7, 2, 9], [4, 7, 2, 9], [4, 7, 2, -1], [5, 6, 1, 3]])
    scores = torch.tensor(
        [[3.0, 2.0, 1.0, 0.5], [3.0, 2.0, 2.0, 0.5], [3.0, 2.0, 1.0, -math.inf], [1.0, 1.0, 1.0, 1.0]]
    )
    return TopK(items, scores, torch.zeros(4, 4, 4, dtype=torch.long))


def test_a_target_missing_from_the_list_is_a_miss_and_ties_are_not_wins():
    ranks = list_ranks(hand_made_lists(), torch.tensor([2, 2, 8, 1]))
    # third place; tied with the second item: 1 + 1 higher + 1 equal / 2; not in the list (-1 is padding, no item);
    # four items with one score: 1 + 3 equal / 2
    assert ranks == [3.0, 2.5, None, 2.5]


def test_truncated_metrics_count_a_miss_as_zero_and_have_no_mean_rank():
    rows = {r["metric"]: r["value"] for r in summarize(np.array([1.0, np.nan, 4.0, np.nan]), 20, 0, truncated=True)}
    assert rows["hit@1"] == 0.25 and rows["hit@5"] == 0.5 and rows["hit@20"] == 0.5
    assert rows["mrr"] == pytest.approx((1 + 0.25) / 4)
    assert rows["ndcg@10"] == pytest.approx((1 + 1 / math.log2(5)) / 4)
    assert "mean_rank" not in rows and "median_rank" not in rows
    with pytest.raises(ValueError, match="missing"):  # a missing rank outside a truncated protocol
        summarize(np.array([1.0, np.nan]), 20, 0)


@pytest.mark.parametrize("representation", ["factorised", "prefix_ngram", "hybrid"])
def test_each_representations_step_scores_add_up_to_its_exact_scores(tmp_path, representation):
    # a beam as wide as the catalogue prunes nothing: its list must be the exhaustive top K, scores included
    settings = toy_settings(tmp_path, rec_sid_representation=representation, rec_sid_item_buckets=4)
    catalogue = Catalogue.from_arrow(toy_catalogue())
    torch.manual_seed(0)
    model = build_model("sid_sasrec", catalogue, settings).eval()
    trie = CodeTrie.from_codes(catalogue.codes, settings.sid_codebook_size)
    inputs = torch.tensor([[0, 3, 7, 12], [5, 9, 2, 11], [0, 0, 0, 20]])
    with torch.no_grad():
        # every representation's finished beam scores the item's log-probability under the model
        exact = exhaustive_top_k(model.score(inputs)[:, 1:].log_softmax(-1), trie, 10)
        beam = beam_search(trie, model.step_scorer(inputs, trie), 3, width=20, top_k=10)
    assert torch.equal(beam.items, exact.items)
    assert torch.allclose(beam.scores, exact.scores, atol=1e-5)


@pytest.fixture(scope="module")
def generative_build(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("generative")
    train, val, ids = toy_sequences(100, 5), toy_sequences(40, 6), toy_catalogue()
    settings = toy_settings(
        tmp_path,
        rec_models=["popularity", "sasrec_ce", "sid_sasrec"],
        rec_protocols=["full", "generative"],
        rec_beam_width=20,  # the toy catalogue's 20 items: the beam keeps every prefix
        rec_epochs=1,
        rec_patience=1,
    )
    return train, val, ids, settings, evaluation(train, val, ids, settings)


def test_generative_rows_are_the_generating_models_and_a_full_beam_is_the_full_ranking(generative_build):
    *_, settings, tables = generative_build
    ranks = tables["ranks"].to_pylist()
    by = {(r["model"], r["protocol"], r["user_id"]): r for r in ranks}
    generated = {m for m, p, _ in by if p == "generative"}
    assert generated == {"sasrec_ce", "sid_sasrec"}  # popularity does not generate
    for (model, protocol, user), r in by.items():
        if protocol != "generative":
            continue
        full = by[(model, "full", user)]["rank"]
        assert r["n_candidates"] == 20
        assert r["rank"] == pytest.approx(full)  # width = catalogue: nothing is pruned, nothing missed
    metrics = tables["metrics"].to_pylist()
    names = {r["metric"] for r in metrics if r["protocol"] == "generative"}
    assert "mean_rank" not in names and {"hit@10", "ndcg@10", "mrr"} <= names
    text = comparison_text(tables["metrics"])
    assert "generative:H@10" in text and "truncated at the beam width" in text


def test_a_narrow_beam_misses_targets_and_the_metrics_count_them(generative_build, tmp_path):
    train, val, ids, settings, _ = generative_build
    narrow = settings.replace(rec_beam_width=2, rec_models=["sid_sasrec"], rec_protocols=["generative"])
    tables = evaluation(train, val, ids, narrow)
    ranks = [r["rank"] for r in tables["ranks"].to_pylist()]
    assert all(r is None or 1 <= r <= 2 for r in ranks) and None in ranks
    hit = {r["metric"]: r["value"] for r in tables["metrics"].to_pylist()}
    assert hit["hit@5"] == pytest.approx(sum(r is not None for r in ranks) / len(ranks))
    assert hit["hit@20"] == hit["hit@5"]  # truncated at the beam: nothing ranks beyond it


def test_beam_agreement_is_total_with_a_full_beam_and_bounded_by_a_narrow_one(generative_build):
    train, val, ids, settings, tables = generative_build
    ranked = (
        pa.Table.from_pylist(
            [
                {"model": r["model"], "model_id": r["model_id"], "seed": r["seed"]}
                for r in tables["ranks"].to_pylist()
                if r["protocol"] == "generative"
            ]
        )
        .group_by(["model", "model_id", "seed"])
        .aggregate([])
    )
    cases = eval_cases(train, val, settings)
    full = agreement_table(ranked, train, ids, cases, settings).to_pylist()
    assert [r["model"] for r in full] == ["sid_sasrec"]  # only the beam-search models
    assert full[0]["top10_recall"] == 1.0 and full[0]["top1_match"] == 1.0 and full[0]["n_users"] == 40
    assert full[0]["beam_users_per_second"] > 0 and full[0]["exhaustive_users_per_second"] > 0
    (narrow,) = agreement_table(ranked, train, ids, cases, settings.replace(rec_beam_width=3)).to_pylist()
    assert narrow["top10_recall"] <= 0.3 and narrow["beam_width"] == 3
