"""The collision policy: items that share every code move to their nearest free code on the last level."""

from __future__ import annotations

import numpy as np


def resolve_collisions(codes: np.ndarray, last_distances: np.ndarray, fixed: np.ndarray | None = None) -> np.ndarray:
    """Move items that share a full code tuple to their nearest *free* code on the last level.

    Within each group of items sharing the first L-1 codes, the last-level codes held by a single item stay
    taken; in each collided code the closest item (then the lowest row) keeps it, and the others, closest to
    their code first, take the nearest code no item of the prefix holds. Items that were unique never move.
    When a prefix holds more items than the codebook has codes, the leftovers keep their nearest code (the
    collision index separates them). Deterministic: no randomness, ties broken by code index and row order.
    `last_distances[i, k]` is the squared distance from item i's last-level residual to code k.

    `fixed` (bool [N], optional) marks rows that never move, e.g. the IDs a previous assignment already handed
    out (stable IDs, python_jobs.semantic_ids.stable): their codes are taken, a movable item that shares a code
    with one of them moves, and their distance rows are never read. Without it every row is movable.
    """
    codes = np.array(codes, copy=True)
    n, levels = codes.shape
    if n == 0:
        return codes
    k = last_distances.shape[1]
    order = np.lexsort([codes[:, i] for i in reversed(range(levels))])  # rows sorted by full tuple
    sorted_codes = codes[order]
    prefix_change = np.any(sorted_codes[1:, :-1] != sorted_codes[:-1, :-1], axis=1)
    starts = np.concatenate([[0], np.nonzero(prefix_change)[0] + 1, [n]])
    for a, b in zip(starts[:-1], starts[1:]):
        rows = order[a:b]
        last = codes[rows, -1]
        values, counts = np.unique(last, return_counts=True)
        if counts.max() == 1:
            continue
        taken = np.zeros(k, dtype=bool)
        taken[values] = True
        movers = []
        for value in values[counts > 1]:
            members = rows[last == value]
            if fixed is not None and fixed[members].any():
                # a fixed row holds the code: every movable member moves
                stay, members = 0, members[~fixed[members]]
            else:
                stay = 1
            d = last_distances[members, value]
            ranked = members[np.lexsort([members, d])]
            movers.extend((float(last_distances[i, value]), int(i)) for i in ranked[stay:])
        for _, i in sorted(movers):
            if taken.all():
                break
            prefs = np.argsort(last_distances[i], kind="stable")
            free = prefs[~taken[prefs]]
            codes[i, -1] = free[0]
            taken[free[0]] = True
    return codes
