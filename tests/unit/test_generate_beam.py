"""Constrained beam search (python_jobs.generate.beam) on small hand-made catalogues and toy scorers."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from python_jobs.generate.beam import Step, beam_search, exhaustive_top_k
from python_jobs.generate.trie import CodeTrie
from python_jobs.recommend.ranking import NonFiniteScores

K = 4


def catalogue(n: int = 40, seed: int = 0) -> np.ndarray:
    """n distinct 4-code IDs (3 levels + collision index 0/1), in a shuffled (not code-sorted) item order."""
    rng = np.random.default_rng(seed)
    codes = np.unique(
        rng.integers(0, K, size=(400, 4)) * [1, 1, 1, 0] + rng.integers(0, 2, (400, 1)) * [0, 0, 0, 1], axis=0
    )
    return codes[rng.permutation(len(codes))[:n]]


def per_level_scorer(weights: torch.Tensor):
    """A model whose score of code c at level l is weights[b, l, c], whatever the prefix: item score = a sum."""

    def step_scores(step: Step) -> torch.Tensor:
        return weights[:, step.level, None, :].expand(-1, step.nodes.size(1), -1)

    return step_scores


def exhaustive(weights: torch.Tensor, codes: np.ndarray) -> torch.Tensor:
    return weights[:, torch.arange(codes.shape[1]), torch.from_numpy(codes)].sum(-1)


def test_only_existing_distinct_items_and_their_codes():
    codes = catalogue()
    trie = CodeTrie.from_codes(codes, K)
    top = beam_search(trie, per_level_scorer(torch.randn(5, 4, K, generator=torch.Generator().manual_seed(1))), 5, 6)
    assert top.items.shape == (5, 6) and (top.items >= 0).all()
    for row in top.items.tolist():
        assert len(set(row)) == len(row)
    assert torch.equal(top.codes, torch.from_numpy(codes)[top.items])  # the decoded codes are the item's own ID
    assert (top.scores[:, :-1] >= top.scores[:, 1:]).all()


def test_beam_wider_than_the_catalogue_is_exhaustive_top_k_in_order():
    codes = catalogue()
    trie = CodeTrie.from_codes(codes, K)
    weights = torch.randn(7, 4, K, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    top = beam_search(trie, per_level_scorer(weights), 7, width=len(codes), top_k=10)
    exact = exhaustive_top_k(exhaustive(weights, codes).float(), trie, 10)
    assert torch.equal(top.items, exact.items)
    assert torch.allclose(top.scores, exact.scores)


def test_ties_break_by_code_tuple_and_short_catalogues_pad():
    codes = catalogue(n=9)
    trie = CodeTrie.from_codes(codes, K)
    top = beam_search(trie, per_level_scorer(torch.zeros(2, 4, K)), 2, width=12)
    order = sorted(range(len(codes)), key=lambda i: tuple(codes[i]))
    assert top.items[0, :9].tolist() == order  # every score ties: lowest code tuple first, in both users
    assert top.items[:, 9:].eq(-1).all() and top.scores[:, 9:].eq(float("-inf")).all()  # only 9 items exist
    assert torch.equal(exhaustive_top_k(torch.zeros(2, 9), trie, 9).items, top.items[:, :9])


def reference_beam(codes: np.ndarray, score: dict[tuple[int, ...], float], width: int) -> list[int]:
    """Plain-Python beam search of one user, `score` of each (prefix + code): keep the best `width` prefixes per
    level by (summed score desc, code tuple asc)."""
    ids = [tuple(int(c) for c in row) for row in codes]
    beams = {(): 0.0}
    for level in range(codes.shape[1]):
        extended = {row[: level + 1] for row in ids if row[:level] in beams}
        ranked = sorted(extended, key=lambda p: (-(beams[p[:-1]] + score[p]), p))[:width]
        beams = {p: beams[p[:-1]] + score[p] for p in ranked}
    return [ids.index(p) for p in beams]


def test_ties_across_beams_break_by_code_tuple_at_every_level():
    # 0/1 scores of each (prefix, code): many candidates of different beams tie, and a narrow beam keeps some
    codes = catalogue()
    trie = CodeTrie.from_codes(codes, K)
    prefixes = [np.unique(codes[:, : level + 1], axis=0) for level in range(codes.shape[1])]  # node numbering
    table = torch.randint(0, 2, (20, len(codes)), generator=torch.Generator().manual_seed(3)).float()

    def step_scores(step: Step) -> torch.Tensor:  # the table's score of each child node (invalid: node 0's)
        return table.gather(1, step.children.clamp(min=0).flatten(1)).view_as(step.children)

    top = beam_search(trie, step_scores, len(table), width=3)
    for user in range(len(table)):
        score = {tuple(int(c) for c in p): float(table[user, n]) for level in prefixes for n, p in enumerate(level)}
        assert top.items[user].tolist() == reference_beam(codes, score, 3)


def test_a_wider_beam_finds_the_item_greedy_decoding_misses():
    # the scorer likes code 0 at level 0, but the best item overall lies under code 1
    codes = np.array([[0, 0, 0, 0], [0, 1, 0, 0], [1, 2, 3, 0], [1, 3, 0, 0]])
    trie = CodeTrie.from_codes(codes, K)
    weights = torch.zeros(1, 4, K)
    weights[0, 0] = torch.tensor([1.0, 0.5, 0.0, 0.0])
    weights[0, 1] = torch.tensor([0.0, 0.1, 2.0, 0.0])
    weights[0, 2] = torch.tensor([0.0, 0.0, 0.0, 0.3])
    greedy = beam_search(trie, per_level_scorer(weights), 1, width=1)
    wide = beam_search(trie, per_level_scorer(weights), 1, width=2)
    assert greedy.items[0, 0] == 1  # 1.0 + 0.1 under the greedy first code
    assert wide.items[0, 0] == 2  # 0.5 + 2.0 + 0.3: the item the scorer prefers
    assert wide.scores[0, 0].item() == pytest.approx(2.8)


def test_the_scorer_sees_only_valid_codes_and_parents_that_index_the_previous_beams():
    codes = catalogue()
    trie = CodeTrie.from_codes(codes, K)
    seen = []

    def step_scores(step: Step) -> torch.Tensor:
        seen.append(step)
        return torch.randn(step.valid.shape, generator=torch.Generator().manual_seed(step.level))

    top = beam_search(trie, step_scores, 3, width=5)
    for previous, step in zip(seen, seen[1:]):
        kept = previous.prefixes.gather(1, step.parents[..., None].expand(-1, -1, previous.level))
        assert torch.equal(step.prefixes[..., :-1], kept)  # each beam extends the beam its parent names
    for step in seen:  # valid = the code exists under the prefix in the catalogue
        for b, w, c in step.valid.nonzero().tolist():
            prefix = [*step.prefixes[b, w].tolist(), c]
            assert any(list(row[: step.level + 1]) == prefix for row in codes)
    assert (top.items >= 0).all()


def test_non_finite_step_scores_are_an_error():
    trie = CodeTrie.from_codes(catalogue(), K)
    weights = torch.zeros(1, 4, K)
    weights[0, 2] = float("nan")
    with pytest.raises(NonFiniteScores, match="toy"):
        beam_search(trie, per_level_scorer(weights), 1, width=3, label="toy")


def test_duplicate_ids_are_refused():
    with pytest.raises(ValueError, match="share a full Semantic ID"):
        CodeTrie.from_codes(np.array([[0, 1, 2, 0], [0, 1, 2, 0]]), K)
