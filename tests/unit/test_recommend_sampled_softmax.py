"""The sampled softmax over items (rec_ce_negatives > 0; sasrec_ce and sid_sasrec's prefix_ngram / hybrid): exactly
the full softmax when the draws are every item once under a uniform Q, accidental hits masked, the log-Q correction
doing its job, seeded draws; and ranks that do not depend on how many users a scoring pass takes
(rec_score_batch_size)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from python_jobs.recommend.data import (
    Catalogue,
    Sequences,
    SharedNegatives,
    draw_shared_negatives,
    holdout_split,
    negative_distribution,
    right_align,
)
from python_jobs.recommend.sasrec import EncoderConfig, SASRec, sampled_softmax_loss
from python_jobs.recommend.score_batch import score_batch_size
from python_jobs.recommend.scoring import model_ranks
from python_jobs.recommend.sid_sasrec import PrefixNgramSASRec
from python_jobs.recommend.train import TrainingData, model_fingerprint, train_model, training_negatives
from tests.unit.test_recommend_models import toy_catalogue, toy_sequences, toy_settings
from tests.unit.test_recommend_ranking import toy_cases

N, D = 40, 8


def full_ce(h: torch.Tensor, pos: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
    logits = h @ items.T
    logits[:, 0] = float("-inf")  # padding is never a candidate
    return F.cross_entropy(logits, pos)


def every_item_once(q: torch.Tensor) -> SharedNegatives:
    ids = torch.arange(1, len(q))
    return SharedNegatives(ids, torch.log(len(ids) * q[ids]).float())


@pytest.fixture
def batch():
    g = torch.Generator().manual_seed(0)
    return torch.randn(16, D, generator=g), torch.randint(1, N + 1, (16,), generator=g), torch.randn(N + 1, D)


def test_every_item_once_under_a_uniform_q_is_exactly_the_full_softmax(batch):
    h, pos, items = batch
    negatives = every_item_once(negative_distribution([], N, "uniform"))
    # the draws include each row's target: only the accidental-hit mask keeps it from counting twice
    assert torch.allclose(sampled_softmax_loss(h, pos, items, negatives), full_ce(h, pos, items), atol=1e-6)


def item_softmax_models() -> dict[str, torch.nn.Module]:
    """The models whose loss is a softmax over items, each over N items."""
    cfg = EncoderConfig(max_len=8, hidden=D, blocks=1, heads=1, ffn=D, dropout=0.0)
    codes = np.stack([np.arange(N) // 16, np.arange(N) // 4 % 4, np.arange(N) % 4], 1)  # distinct 3-code IDs
    asins = np.array([f"I{i:02d}" for i in range(N)])
    return {
        "sasrec_ce": SASRec(N, cfg),
        "prefix_ngram": PrefixNgramSASRec(codes, cfg),
        "hybrid": PrefixNgramSASRec(codes, cfg, asins, buckets=8),
    }


@pytest.mark.parametrize("name", ["sasrec_ce", "prefix_ngram", "hybrid"])
def test_the_model_takes_the_sampled_loss_when_given_shared_negatives(name):
    torch.manual_seed(0)
    model = item_softmax_models()[name]
    inputs = right_align([np.array([1, 2, 3, 4]), np.array([5, 6])], 8)
    targets = right_align([np.array([2, 3, 4, 9]), np.array([6, 30])], 8)
    negatives = every_item_once(negative_distribution([], N, "uniform"))
    full, sampled = model.loss(inputs, targets), model.loss(inputs, targets, negatives)
    assert torch.allclose(full, sampled, atol=1e-6)
    few = model.loss(inputs, targets, SharedNegatives(torch.tensor([7, 8]), torch.zeros(2)))
    assert few < full  # two negatives are an easier task than the catalogue: a different loss, really sampled


def test_accidental_hits_are_masked(batch):
    h, pos, items = batch

    def loss(rows, ids):
        return sampled_softmax_loss(h[rows], pos[rows], items, SharedNegatives(ids, torch.zeros(len(ids))))

    # the batch's own targets as the draws: each row's target is masked for that row only; the other rows'
    # targets stay genuine negatives
    per_row = [loss(slice(i, i + 1), pos[pos != pos[i]]) for i in range(len(pos))]
    assert torch.allclose(loss(slice(None), pos), torch.stack(per_row).mean(), atol=1e-6)
    row = slice(0, 1)
    others = torch.tensor([j for j in (5, 11, 23) if j != pos[0]])
    twice = torch.cat([others[:1], pos[row], others[1:], pos[row]])  # the target drawn twice among the others
    assert torch.allclose(loss(row, twice), loss(row, others), atol=1e-6)


def test_the_log_q_correction_makes_popularity_draws_estimate_the_full_softmax(batch):
    h, pos, items = batch
    h = 3 * h  # peaked scores: the correction matters where the scores and Q disagree
    fit = [np.array([1] + list(range(1, 8)) * 10) for _ in range(5)]  # items 1-7 popular
    q = negative_distribution(fit, N, "popularity")
    assert q[0] == 0 and q[1:8].min() > 10 * q[8:].max()
    draws = draw_shared_negatives(q, 200_000, torch.Generator().manual_seed(1))
    exact = full_ce(h, pos, items)
    corrected = sampled_softmax_loss(h, pos, items, draws)
    uncorrected = sampled_softmax_loss(h, pos, items, SharedNegatives(draws.ids, torch.full((len(draws.ids),), 0.0)))
    assert corrected.item() == pytest.approx(exact.item(), rel=0.01)
    assert abs(uncorrected.item() - exact.item()) > 0.5  # the draws alone count popular items once per draw


def test_popularity_counts_training_targets_plus_one():
    q = negative_distribution([np.array([3, 1, 1]), np.array([2, 1])], 4, "popularity")
    # targets: 1, 1, 1 (item 3 and 2 only start sequences); counts + 1 = [_, 4, 1, 1, 1]
    assert torch.allclose(q, torch.tensor([0, 4, 1, 1, 1], dtype=torch.float64) / 7)
    with pytest.raises(ValueError, match="uniform or popularity"):
        negative_distribution([], 4, "zipf")


def test_sampled_training_is_seeded_and_each_models_k_is_in_its_own_key_only(tmp_path):
    settings = toy_settings(tmp_path, rec_epochs=2, rec_patience=2, rec_ce_negatives=6, rec_ce_sampler="popularity")
    catalogue = Catalogue.from_arrow(toy_catalogue())
    data = TrainingData(catalogue, Sequences.from_arrow(toy_sequences(60, 2), catalogue))
    first, _ = train_model("sasrec_ce", data, settings, tmp_path / "a")
    again, _ = train_model("sasrec_ce", data, settings, tmp_path / "b")
    for (k, v), (_, w) in zip(first.state_dict().items(), again.state_dict().items()):
        assert torch.equal(v, w), k
    q = negative_distribution([], 20, "uniform")
    draws = [draw_shared_negatives(q, 9, torch.Generator().manual_seed(3)).ids for _ in range(2)]
    assert torch.equal(*draws)

    def changed_keys(**change):
        models = ("sasrec_ce", "sasrec_bce", "sid_sasrec")
        new = settings.replace(**change)
        return {m for m in models if model_fingerprint(m, data, new) != model_fingerprint(m, data, settings)}

    assert changed_keys(rec_ce_negatives=7) == {"sasrec_ce"}
    assert changed_keys(rec_sid_negatives=7) == {"sid_sasrec"}
    assert changed_keys(rec_ce_sampler="uniform") == {"sasrec_ce", "sid_sasrec"}


def test_only_item_softmaxes_draw_shared_negatives(tmp_path):
    settings = toy_settings(tmp_path, rec_ce_negatives=6, rec_sid_negatives=5)
    catalogue = Catalogue.from_arrow(toy_catalogue())
    split = holdout_split(Sequences.from_arrow(toy_sequences(20, 2), catalogue), 0.1, 0)
    g = torch.Generator().manual_seed(0)

    def draws(name, **changes):
        return training_negatives(name, split, catalogue.n_items, settings.replace(**changes))(None, None, g)

    for representation in ("prefix_ngram", "hybrid"):
        assert len(draws("sid_sasrec", rec_sid_representation=representation).ids) == 5
    assert len(draws("sasrec_ce").ids) == 6
    # the factorised head's per-level softmaxes are exact; 0 negatives = the full softmax
    assert draws("sid_sasrec", rec_sid_representation="factorised") is None
    assert draws("sasrec_ce", rec_ce_negatives=0) is None
    assert draws("sid_sasrec", rec_sid_negatives=0) is None


def test_ranks_do_not_depend_on_the_scoring_batch(tmp_path):
    catalogue, cases, settings = toy_cases(tmp_path, rec_exclude_history=True)
    torch.manual_seed(0)
    model = SASRec(catalogue.n_items, EncoderConfig(max_len=10, hidden=16, blocks=1, heads=2, ffn=16, dropout=0.0))
    assert score_batch_size(0, "cpu", 20, 10, 16) == 256 and score_batch_size(5, "cuda", 20, 10, 16) == 5
    one_pass = model_ranks(model, catalogue, cases, settings)  # 12 users per protocol: one batch of 256
    small = model_ranks(model, catalogue, cases, settings.replace(rec_score_batch_size=5))  # 3 batches
    assert one_pass == small
    assert len(set(one_pass["rank"])) > 3  # real ranks, not all alike


def test_the_sid_models_siblings_are_exact_and_a_lone_target_gives_no_nan():
    torch.manual_seed(0)
    codes = np.stack([np.arange(N) // 16, np.arange(N) // 4 % 4, np.arange(N) % 4], 1)
    codes[-1, 0] = 9  # item N alone under its first code
    model = PrefixNgramSASRec(codes, EncoderConfig(max_len=8, hidden=D, blocks=1, heads=1, ffn=D, dropout=0.0))
    model.hold_out(torch.tensor([3]))
    h = torch.randn(4, D, requires_grad=True)
    pos = torch.tensor([1, 20, 2, N])
    vectors = model.item_vectors()
    first = torch.from_numpy(codes[:, 0])
    for row, target in enumerate(pos.tolist()):
        siblings = [i for i in range(1, N + 1) if first[i - 1] == first[target - 1] and i not in (target, 3)]
        if siblings:
            expected = (h[row] @ vectors[siblings].T).logsumexp(0)
            assert torch.allclose(model.sibling_logsumexp(h, pos, vectors)[row], expected, atol=1e-5), row
    assert model.sibling_logsumexp(h, pos, vectors)[3] < -1e29  # no sibling: a term that counts for nothing
    negatives = draw_shared_negatives(negative_distribution([], N, "uniform"), 5, torch.Generator().manual_seed(0))
    model.zero_grad()
    loss = sampled_softmax_loss(
        h, pos, vectors, negatives, (model.first_code, model.sibling_logsumexp(h, pos, vectors))
    )
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(h.grad).all()
    assert all(torch.isfinite(p.grad).all() for p in model.parameters() if p.grad is not None)
