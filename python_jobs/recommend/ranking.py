"""The one rank rule of stage 5, for evaluation (scoring.py), early stopping (train.py) and tests.

rank = 1 + (candidates scored higher than the target) + (candidates scored equal to it) / 2: the target's expected
rank when ties are put in a random order. The original (NB10) counted only strictly higher candidates, an
optimistic rule under which a model that gives every item the same score ranks every target first. The SQL
reference rows (int_rec_reference_ranks.sql) count ties the same way. A non-finite score (NaN, ±inf) from a model
is an error naming the model (and epoch): a diverged model must not be ranked, let alone kept as the best epoch.
"""

from __future__ import annotations

import torch


class NonFiniteScores(ValueError):
    """A model returned NaN or infinite scores for real catalogue items."""


def check_finite(item_scores: torch.Tensor, model: str) -> None:
    """item_scores: the scores of real catalogue items (never the padding column, which is -inf by design)."""
    bad = ~torch.isfinite(item_scores)
    if bad.any():
        raise NonFiniteScores(
            f"{model}: {int(bad.sum())} of {bad.numel()} scores are not finite (e.g. {float(item_scores[bad][0])}); "
            "the model diverged or is broken, so it is not ranked"
        )


def expected_ranks(candidate_scores: torch.Tensor, target_scores: torch.Tensor) -> torch.Tensor:
    """candidate_scores [B, C] (the target not among them; -inf = no candidate in that column), target_scores [B]
    (finite) -> [B] float64 ranks, 1 + higher + equal / 2."""
    target = target_scores[:, None]
    higher = (candidate_scores > target).sum(1, dtype=torch.float64)
    equal = (candidate_scores == target).sum(1, dtype=torch.float64)
    return 1.0 + higher + equal / 2.0


def full_ranks(scores: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """scores [B, N + 1] (column 0 = padding; -inf = not a candidate, e.g. the user's history), targets [B] item
    indices -> the target's rank among every other catalogue item."""
    target_scores = scores.gather(1, targets[:, None])[:, 0]
    others = scores.scatter(1, targets[:, None], float("-inf"))  # the target is not its own candidate
    return expected_ranks(others[:, 1:], target_scores)
