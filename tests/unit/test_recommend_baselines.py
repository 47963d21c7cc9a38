"""The SQL reference rows (int_rec_reference_ranks.sql) equal a plain-Python count on a toy set, under both protocols."""

from __future__ import annotations

from collections import Counter

import pyarrow as pa
import pytest

from tests.sql_models import run_sql_model

TRAIN = [["a", "b", "c"], ["a", "b", "d"], ["a", "c"], ["b", "c", "a", "b"], ["e", "a"], ["d", "b", "c"]]
CATALOGUE = ["a", "b", "c", "d", "e", "f", "g"]  # f, g never in training
CASES = [  # protocol, user, history, target, negatives
    ("full", "u1", ["e", "a"], "b", None),
    ("full", "u2", ["a"], "d", None),
    ("full", "u3", ["c", "b"], "c", None),
    ("full", "u4", ["g"], "f", None),  # last item never seen: pure popularity back-off
    ("full", "u5", ["b", "b", "a"], "e", None),
    ("sampled", "u1", ["e", "a"], "b", ["c", "d", "f"]),
    ("sampled", "u2", ["a"], "d", ["b", "c", "e", "g"]),
    ("sampled", "u5", ["b", "a"], "e", ["a", "b"]),
    ("sampled", "u4", ["g"], "f", ["g", "a", "e"]),  # g ties with the target (both never in training)
]


def python_ranks(exclude_history: bool) -> dict[tuple[str, str, str], float]:
    """1 + candidates scored higher + candidates scored equal / 2, by brute force over the candidates."""
    pop = Counter(i for s in TRAIN for i in s)
    follow = Counter((s[i], s[i + 1]) for s in TRAIN for i in range(len(s) - 1))
    out = {}
    for protocol, user, history, target, negatives in CASES:
        last = history[-1]
        if protocol == "sampled":
            candidates = negatives
        else:
            candidates = [i for i in CATALOGUE if i != target and not (exclude_history and i in history)]
        scores = {"popularity": lambda i: (pop[i],), "transition": lambda i: (follow[(last, i)], pop[i])}  # noqa: B023
        for model, score in scores.items():
            higher = sum(score(c) > score(target) for c in candidates)
            equal = sum(score(c) == score(target) for c in candidates)
            out[(model, protocol, user)] = 1 + higher + equal / 2
    return out


@pytest.mark.parametrize("exclude_history", [False, True])
def test_sql_ranks_equal_a_python_count(exclude_history):
    cases = pa.table(
        {k: [c[i] for c in CASES] for i, k in enumerate(["protocol", "user_id", "history", "target", "negatives"])},
        schema=pa.schema(
            [
                ("protocol", pa.string()),
                ("user_id", pa.string()),
                ("history", pa.list_(pa.string())),
                ("target", pa.string()),
                ("negatives", pa.list_(pa.string())),
            ]
        ),
    )
    train = pa.table({"user_id": [f"t{i}" for i in range(len(TRAIN))], "sequence": TRAIN})
    ranks = run_sql_model(
        "int_rec_reference_ranks",
        {
            "int_rec_train_sequences": train,
            "semantic_ids": pa.table({"parent_asin": CATALOGUE}),
            "int_rec_eval_cases": cases,
        },
        rec_exclude_history=exclude_history,
    )
    got = {
        (m, p, u): r
        for m, p, u, r in zip(*(ranks.column(c).to_pylist() for c in ("model", "protocol", "user_id", "rank")))
    }
    assert got == python_ranks(exclude_history)
    n_candidates = dict(
        zip(
            zip(ranks.column("protocol").to_pylist(), ranks.column("user_id").to_pylist()),
            ranks.column("n_candidates").to_pylist(),
        )
    )
    assert n_candidates[("sampled", "u1")] == 4 and n_candidates[("full", "u1")] == (5 if exclude_history else 7)


def test_transition_beats_popularity_when_the_next_item_is_predictable():
    got = python_ranks(False)
    assert got[("transition", "full", "u1")] == 1  # a -> b twice in training
    assert got[("popularity", "full", "u4")] == got[("transition", "full", "u4")]  # back-off
    # f and g are never in training: every candidate scores 0 like the target, so it ranks in the middle
    assert got[("popularity", "full", "u4")] == 1 + 5 + 1 / 2
    assert got[("popularity", "sampled", "u4")] == 1 + 2 + 1 / 2
