"""Items held out of training (rec_cold_item_share) are trained as if they did not exist yet: no class of any
training softmax, no sampled negative, no early-stopping candidate, and a registry key of their own."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from python_jobs.recommend.data import Catalogue, Sequences, sample_negatives
from python_jobs.recommend.sasrec import EncoderConfig, SASRec
from python_jobs.recommend.sid_sasrec import PrefixNgramSASRec, SIDSASRec
from python_jobs.recommend.train import TrainingData, model_fingerprint
from tests.unit.test_recommend_models import toy_catalogue, toy_sequences, toy_settings

CFG = EncoderConfig(max_len=10, hidden=16, blocks=1, heads=1, ffn=16, dropout=0.0)
HELD = ("I24", "I34")  # never in toy_sequences' training sequences


def toy_batch(catalogue: Catalogue) -> tuple[torch.Tensor, torch.Tensor]:
    from python_jobs.recommend.data import batches

    train = Sequences.from_arrow(toy_sequences(64, 1), catalogue)
    return next(batches(train.items, 64, 10, seed=0, epoch=0))


def held_rows(catalogue: Catalogue) -> torch.Tensor:
    index = catalogue.index()
    return torch.tensor([index[a] for a in HELD])


def item_id_models(catalogue: Catalogue) -> dict[str, tuple[torch.nn.Module, callable]]:
    """Each softmax-over-items model and the rows of its parameters that only the held-out items use."""
    torch.manual_seed(0)
    sasrec = SASRec(catalogue.n_items, CFG)
    ngram = PrefixNgramSASRec(catalogue.codes, CFG)
    hybrid = PrefixNgramSASRec(catalogue.codes, CFG, catalogue.asins, buckets=997)  # the held items' own buckets
    return {
        "sasrec_ce": (sasrec, lambda m, rows: m.items.weight.grad[rows]),
        "prefix_ngram": (ngram, lambda m, rows: m.prefixes.weight.grad[m.prefix_rows[rows, -1]]),
        "hybrid": (hybrid, lambda m, rows: m.buckets.weight.grad[m.bucket_of[rows]]),
    }


@pytest.mark.parametrize("name", ["sasrec_ce", "prefix_ngram", "hybrid"])
def test_a_held_out_item_is_no_negative_of_the_training_softmax(name):
    """Its own rows (item embedding, full-ID n-gram, hashed bucket) get no gradient once held out, and do without."""
    catalogue = Catalogue.from_arrow(toy_catalogue())
    inputs, targets = toy_batch(catalogue)
    rows = held_rows(catalogue)
    for held, moved in ((False, True), (True, False)):
        model, own_rows = item_id_models(catalogue)[name]
        if name == "hybrid":  # the two held items' buckets are theirs alone
            assert len(set(model.bucket_of.tolist())) == catalogue.n_items + 1
        if held:
            model.hold_out(rows)
        model.loss(inputs, targets).backward()
        assert bool(own_rows(model, rows).abs().sum() > 0) is moved, (name, held)


def test_the_factorised_model_holding_items_out_trains_as_on_a_catalogue_without_them():
    """Same weights, same batch: the loss with I24, I34 held out equals the loss of the model whose catalogue never
    had them (so their codes, e.g. the collision index 1 under (2, 0, 0), are no class), and differs without."""
    catalogue = Catalogue.from_arrow(toy_catalogue())
    inputs, targets = toy_batch(catalogue)
    keep = ~np.isin(catalogue.asins, HELD)
    smaller = Catalogue(catalogue.asins[keep], catalogue.codes[keep])
    renumber = torch.from_numpy(np.concatenate([[0], np.cumsum(keep)]) * np.concatenate([[1], keep]))
    torch.manual_seed(0)
    full = SIDSASRec(catalogue.codes, 8, CFG)
    without = SIDSASRec(smaller.codes, 8, CFG)
    without.load_state_dict(full.state_dict())
    expected = without.loss(renumber[inputs], renumber[targets])
    assert not torch.allclose(full.loss(inputs, targets), expected)
    full.hold_out(held_rows(catalogue))
    assert torch.allclose(full.loss(inputs, targets), expected)
    # scoring still covers the whole catalogue, held-out items through their codes
    scores = full.score(inputs)
    assert torch.isfinite(scores[:, held_rows(catalogue)]).all()


def test_sampled_negatives_are_never_held_out_items():
    catalogue = Catalogue.from_arrow(toy_catalogue())
    inputs, targets = toy_batch(catalogue)
    rows = held_rows(catalogue).numpy()
    plain = sample_negatives(inputs, targets, catalogue.n_items, torch.Generator().manual_seed(0))
    assert np.isin(plain.numpy(), rows).any()
    negs = sample_negatives(inputs, targets, catalogue.n_items, torch.Generator().manual_seed(0), rows)
    assert not np.isin(negs.numpy(), rows).any()


def test_held_out_items_are_in_the_key_and_no_early_stopping_candidate(tmp_path):
    from python_jobs.recommend.data import holdout_split
    from python_jobs.recommend.train import holdout_ranks

    settings = toy_settings(tmp_path)
    catalogue = Catalogue.from_arrow(toy_catalogue())
    train = Sequences.from_arrow(toy_sequences(40, 2), catalogue)
    plain, held = TrainingData(catalogue, train), TrainingData(catalogue, train, held_rows(catalogue).numpy())
    assert model_fingerprint("sasrec_ce", plain, settings) != model_fingerprint("sasrec_ce", held, settings)
    # an empty hold-out keeps the key of the data without one (registry entries of default builds stay valid)
    assert model_fingerprint("sasrec_ce", plain, settings) == model_fingerprint(
        "sasrec_ce", TrainingData(catalogue, train, np.zeros(0, dtype=np.int64)), settings
    )

    class Favours:  # scores the held-out items above everything, the target second
        def parameters(self):
            return iter([torch.zeros(1)])

        def eval(self):
            return self

        def score(self, inputs):
            scores = torch.zeros(len(inputs), catalogue.n_items + 1)
            scores[:, torch.from_numpy(split.targets)] = 1.0
            scores[:, held_rows(catalogue)] = 2.0
            return scores

    split = holdout_split(train, 0.25, 0)
    with_held = holdout_ranks(Favours(), split, 10, "cpu", "toy", 256, held.held_out)
    without = holdout_ranks(Favours(), split, 10, "cpu", "toy", 256)
    assert (with_held == without - 2).all()
