"""The two SASRecs: positions, padding, exact Semantic-ID scoring, training through the registry, unseen items."""

from __future__ import annotations

import hashlib

import numpy as np
import pyarrow as pa
import pytest
import torch
import torch.nn.functional as F

from python_jobs.recommend.data import Catalogue, Sequences, right_align
from python_jobs.recommend.sasrec import EncoderConfig, SASRec
from python_jobs.recommend.scoring import model_ranks
from python_jobs.recommend.settings import RecommendSettings
from python_jobs.recommend.sid_sasrec import RowSums, SIDSASRec, item_tokens
from python_jobs.recommend.train import TrainingData, get_or_train, model_fingerprint, train_model
from tests.sql_models import eval_cases

GROUPS, PER_GROUP = 4, 5


def toy_catalogue() -> pa.Table:
    """20 items in 4 groups (level-0 code = group); item 4 of each group differs from item 0 by the last code."""
    rows = [(f"I{g}{i}", g, i if i < 4 else 0, 0, 1 if i == 4 else 0) for g in range(GROUPS) for i in range(PER_GROUP)]
    return pa.table(
        {k: [r[j] for r in rows] for j, k in enumerate(["parent_asin", "sid_0", "sid_1", "sid_2", "sid_3"])}
    )


def toy_sequences(n_users: int, seed: int, unseen_groups=(2, 3)) -> pa.Table:
    """The next item's group is always the current group + 1; item I{g}4 is never seen in unseen_groups."""
    rng = np.random.default_rng(seed)
    users, seqs = [], []
    for u in range(n_users):
        g = int(rng.integers(GROUPS))
        seq = []
        for _ in range(int(rng.integers(4, 9))):
            i = int(rng.integers(PER_GROUP if g not in unseen_groups else PER_GROUP - 1))
            seq.append(f"I{g}{i}")
            g = (g + 1) % GROUPS
        users.append(f"u{seed}-{u:04d}")
        seqs.append(seq)
    return pa.table({"user_id": users, "sequence": seqs})


def toy_settings(tmp_path, **over) -> RecommendSettings:
    return RecommendSettings.load(
        {
            "rec_registry_dir": str(tmp_path / "registry"),
            "sid_codebook_size": 8,
            "rec_max_len": 10,
            "rec_hidden": 32,
            "rec_ffn": 32,
            "rec_blocks": 1,
            "rec_heads": 2,
            "rec_dropout": 0.0,
            "rec_epochs": 12,
            "rec_patience": 12,
            "rec_batch_size": 32,
            "rec_lr": 0.01,
            "rec_warmup_steps": 0,
            "rec_device": "cpu",
            "rec_eval_negatives": 8,
            "rec_bootstrap_samples": 50,
            **over,
        }
    )


def test_positions_count_from_the_end_so_padding_width_changes_nothing():
    torch.manual_seed(0)
    model = SASRec(30, EncoderConfig(max_len=12, hidden=16, blocks=2, heads=2, ffn=16, dropout=0.2)).eval()
    seqs = [np.array([3, 4, 5]), np.array([7, 8, 9, 10, 11, 12, 13])]
    trimmed = right_align(seqs, 12)
    assert trimmed.shape == (2, 7) and trimmed[0].tolist() == [0, 0, 0, 0, 3, 4, 5]
    padded = F.pad(trimmed, (12 - 7, 0))
    assert torch.allclose(model.score(trimmed)[:, 1:], model.score(padded)[:, 1:], atol=1e-5)
    alone = model.score(right_align(seqs[:1], 12))  # the batch's other rows change nothing either
    assert torch.allclose(alone[0, 1:], model.score(trimmed)[0, 1:], atol=1e-5)


def test_padding_never_collides_with_a_real_code():
    tokens = item_tokens(np.array([[0, 0, 0, 0], [3, 1, 0, 2]]), codebook_size=4)
    assert tokens[0].tolist() == [0, 0, 0, 0]  # padding row
    assert (tokens[1:] > 0).all() and tokens[1].tolist() == [1, 5, 9, 13]


def test_sid_scores_are_one_distribution_over_the_catalogue_and_match_the_loss():
    torch.manual_seed(0)
    catalogue = Catalogue.from_arrow(toy_catalogue())
    model = SIDSASRec(
        catalogue.codes, 8, EncoderConfig(max_len=10, hidden=16, blocks=2, heads=1, ffn=16, dropout=0.2)
    ).eval()
    inputs = right_align([np.array([1, 2, 3]), np.array([5]), np.array([7, 9, 11, 13])], 10)
    scores = model.score(inputs)
    assert torch.allclose(scores[:, 1:].exp().sum(1), torch.ones(3), atol=1e-5)
    targets = torch.zeros_like(inputs)
    targets[:, -1] = torch.tensor([4, 6, 20])
    assert model.loss(inputs, targets).item() == pytest.approx(-scores[[0, 1, 2], [4, 6, 20]].mean().item(), abs=1e-5)


class Oracle(torch.nn.Module):
    """Told the answer: the next item is the one after the last item's index (the toy cycle below)."""

    def __init__(self, n_items: int) -> None:
        super().__init__()
        self.n_items = n_items
        self.w = torch.nn.Parameter(torch.zeros(1))

    def score(self, inputs):
        nxt = inputs[:, -1] % self.n_items + 1  # reads the LAST column: right alignment is respected
        return F.one_hot(nxt, self.n_items + 1).float() - 1e9 * (torch.arange(self.n_items + 1) == 0).float()


def test_a_model_told_the_answer_ranks_it_first_under_both_protocols(tmp_path):
    catalogue = Catalogue.from_arrow(toy_catalogue())
    asins = list(catalogue.asins)
    val = pa.table(
        {
            "user_id": [f"v{i}" for i in range(12)],
            "sequence": [[asins[(s + k) % 20] for k in range(3 + i % 5)] for i, s in enumerate(range(12))],
        }
    )
    cases = eval_cases(toy_sequences(20, 0), val, toy_settings(tmp_path))
    ranks = model_ranks(Oracle(20), catalogue, cases, toy_settings(tmp_path))
    assert len(ranks["rank"]) == 24 and set(ranks["rank"]) == {1}


def test_training_learns_the_toy_rule_and_the_registry_reuses_it(tmp_path):
    settings = toy_settings(tmp_path)
    catalogue = Catalogue.from_arrow(toy_catalogue())
    data = TrainingData(catalogue, Sequences.from_arrow(toy_sequences(300, 1), catalogue))
    first = get_or_train("sasrec_ce", data, settings)
    assert first.trained_now and (first.entry / "checkpoints" / "latest.pt").exists()
    assert first.summary["holdout_ndcg@10"] > 0.3  # 5 plausible next items of 20: random would be ~0.2
    again = get_or_train("sasrec_ce", data, settings)
    assert not again.trained_now and again.entry == first.entry
    x = right_align([np.array([1, 6, 11])], 10)
    assert torch.equal(first.model.score(x), again.model.score(x))
    other = model_fingerprint("sasrec_ce", data, settings.replace(rec_seed=7))
    assert other != model_fingerprint("sasrec_ce", data, settings)


def test_a_killed_run_resumes_to_the_same_model(tmp_path):
    settings = toy_settings(tmp_path, rec_epochs=4, rec_patience=4)
    catalogue = Catalogue.from_arrow(toy_catalogue())
    data = TrainingData(catalogue, Sequences.from_arrow(toy_sequences(120, 2), catalogue))
    straight, _ = train_model("sid_sasrec", data, settings, tmp_path / "a", fp="fp")
    train_model("sid_sasrec", data, settings.replace(rec_epochs=2), tmp_path / "b", fp="fp")  # "killed" after 2
    resumed, summary = train_model("sid_sasrec", data, settings, tmp_path / "b", fp="fp")
    assert summary["epochs_run"] == 4
    for (k, v), (_, w) in zip(straight.state_dict().items(), resumed.state_dict().items()):
        assert torch.equal(v, w), k


@pytest.mark.parametrize("representation", ["factorised", "prefix_ngram"])
def test_the_sid_model_scores_items_never_seen_in_training(tmp_path, representation):
    """I{g}4 of groups 2 and 3 never occurs in training; through its codes it ranks far above where the item-ID
    model puts it, and with the factorised head (codes shared across the whole level) inside its own group."""
    settings = toy_settings(tmp_path, rec_sid_representation=representation)
    catalogue = Catalogue.from_arrow(toy_catalogue())
    data = TrainingData(catalogue, Sequences.from_arrow(toy_sequences(300, 3), catalogue))
    index = catalogue.index()
    histories = [np.array([index["I10"], index["I11"]]), np.array([index["I21"], index["I22"]])]  # next: group 2 / 3
    unseen = [index["I24"], index["I34"]]
    ranks = {}
    for name in ("sid_sasrec", "sasrec_ce"):
        model = get_or_train(name, data, settings).model
        scores = model.score(right_align(histories, 10))
        assert torch.isfinite(scores[:, 1:]).all()
        ranks[name] = [int(1 + (scores[i, 1:] > scores[i, u]).sum()) for i, u in enumerate(unseen)]
    # SID: above every item of the three wrong groups (15 of 20); the ID model has never seen them as anything
    if representation == "factorised":
        assert all(r <= PER_GROUP for r in ranks["sid_sasrec"]), ranks
    assert sum(ranks["sid_sasrec"]) < sum(ranks["sasrec_ce"]) / 2, ranks


def test_holdout_targets_are_never_training_targets(tmp_path):
    from python_jobs.recommend.data import holdout_split

    catalogue = Catalogue.from_arrow(toy_catalogue())
    train = Sequences.from_arrow(toy_sequences(50, 4), catalogue)
    split = holdout_split(train, 0.2, 42)
    assert len(split.targets) == 10
    fit = {tuple(s) for s in split.fit}
    for history, target in zip(split.histories, split.targets):
        assert tuple(history) in fit and (*history, target) not in fit


REPRESENTATIONS = ("factorised", "prefix_ngram", "hybrid")


def test_prefix_rows_share_exactly_the_shared_prefixes():
    from python_jobs.recommend.sid_sasrec import prefix_ids

    rows = prefix_ids(np.array([[0, 1, 0, 0], [0, 1, 0, 1], [0, 2, 0, 0], [1, 1, 0, 0]]))
    assert rows[0].tolist() == [0, 0, 0, 0]  # padding
    # one row per distinct prefix of each length, the lengths in separate ranges of the table
    assert [len(set(rows[1:, level])) for level in range(4)] == [2, 3, 3, 4]
    assert len({int(r) for r in rows[1:].ravel()}) == 2 + 3 + 3 + 4 and rows[1:].min() == 1
    assert rows[1, :3].tolist() == rows[2, :3].tolist() and rows[1, 3] != rows[2, 3]  # differ in the last code only
    assert rows[1, 0] == rows[3, 0] == rows[2, 0] and rows[1, 1] != rows[4, 1]  # [0,1] vs [1,1]: level 1 differs


@pytest.mark.parametrize("representation", REPRESENTATIONS)
def test_every_representation_learns_scores_unseen_items_and_reruns_identically(tmp_path, representation):
    """The toy rule (next group = group + 1) is learnt; every catalogue item gets a finite score, I{2,3}4 (never in
    training) included, and they score above the wrong groups' items; a second training run gives the same model bit for bit."""
    settings = toy_settings(tmp_path, rec_sid_representation=representation, rec_sid_item_buckets=8)
    catalogue = Catalogue.from_arrow(toy_catalogue())
    data = TrainingData(catalogue, Sequences.from_arrow(toy_sequences(300, 3), catalogue))
    first = get_or_train("sid_sasrec", data, settings)
    assert first.summary["training"]["rec_sid_representation"] == representation
    assert first.summary["holdout_ndcg@10"] > 0.3  # 5 plausible next items of 20: random would be ~0.2
    index = catalogue.index()
    histories = right_align([np.array([index["I10"], index["I11"]]), np.array([index["I21"], index["I22"]])], 10)
    scores = first.model.score(histories)
    assert scores.shape == (2, 21) and torch.isfinite(scores[:, 1:]).all() and (scores[:, 0] == float("-inf")).all()
    for row, (group, unseen) in enumerate([(2, index["I24"]), (3, index["I34"])]):
        wrong = [index[f"I{g}{i}"] for g in range(GROUPS) if g != group for i in range(PER_GROUP)]
        # placed by its codes: above the typical item of a wrong group (its own full-ID vector, where it has one,
        # only ever met the softmax as a negative, so it need not reach its seen siblings)
        assert scores[row, unseen] > scores[row, wrong].median(), (representation, row)
    again, _ = train_model("sid_sasrec", data, settings, tmp_path / "again", fp="x")
    assert torch.equal(again.score(histories), scores)


def test_the_representation_is_in_the_sid_key_only(tmp_path):
    settings = toy_settings(tmp_path)
    catalogue = Catalogue.from_arrow(toy_catalogue())
    data = TrainingData(catalogue, Sequences.from_arrow(toy_sequences(20, 5), catalogue))
    keys = {
        r: model_fingerprint("sid_sasrec", data, settings.replace(rec_sid_representation=r)) for r in REPRESENTATIONS
    }
    assert len(set(keys.values())) == 3
    hybrid = settings.replace(rec_sid_representation="hybrid")
    assert model_fingerprint("sid_sasrec", data, hybrid.replace(rec_sid_item_buckets=3)) != keys["hybrid"]
    assert model_fingerprint("sasrec_ce", data, hybrid) == model_fingerprint("sasrec_ce", data, settings)


def test_the_hybrid_adds_a_hashed_item_vector_to_the_prefix_ngrams():
    from python_jobs.recommend.sid_sasrec import PrefixNgramSASRec, item_buckets

    catalogue = Catalogue.from_arrow(toy_catalogue())
    cfg = EncoderConfig(max_len=10, hidden=8, blocks=1, heads=1, ffn=8, dropout=0.0)
    torch.manual_seed(0)
    model = PrefixNgramSASRec(catalogue.codes, cfg, catalogue.asins, buckets=4)
    rows = item_buckets(catalogue.asins, 4)
    assert rows[0] == 0 and set(rows[1:]) <= {1, 2, 3, 4}
    # the project's md5 bucket rule, with 4 rows
    assert rows[1] == 1 + int(hashlib.md5(catalogue.asins[0].encode()).hexdigest()[:8], 16) % 4
    built = model.item_vectors()
    expected = model.prefixes(model.prefix_rows).sum(1) + model.buckets.weight[torch.from_numpy(rows)]
    assert torch.equal(built, expected) and torch.equal(built[0], torch.zeros(8))
    # I04 and I00 differ only in the last code (collision index): distinct vectors, even without the buckets
    plain = PrefixNgramSASRec(catalogue.codes, cfg).item_vectors()
    index = catalogue.index()
    assert not torch.equal(plain[index["I00"]], plain[index["I04"]])


def test_row_sums_are_an_embedding_lookup_summed_with_the_padding_row_untrained():
    g = torch.Generator().manual_seed(0)
    table = torch.nn.Embedding(9, 4, padding_idx=0)
    rows = torch.tensor([[0, 0, 0], [1, 2, 3], [1, 2, 4], [5, 6, 3], [1, 0, 8]])  # shared rows, padding inside one
    weight = torch.randn(5, 4, generator=g)
    got = RowSums.apply(table.weight, rows)
    want = table(rows).sum(1)
    assert torch.allclose(got, want)
    grads = [torch.autograd.grad((x * weight).sum(), table.weight)[0] for x in (got, want)]
    assert torch.allclose(grads[0], grads[1]) and grads[0][0].abs().max() == 0 and grads[0][1].abs().max() > 0
