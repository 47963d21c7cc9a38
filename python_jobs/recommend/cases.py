"""The sampled protocol's negatives: the one part of the evaluation cases that is a random draw (numpy).

The rest of a case (the cut, the target, train counts, cold start) is SQL: models/05_recommend/intermediate/
int_rec_eval_cases.sql. The draw is the original's NB09/NB10: the val users with at least 2 items, in user_id
order, share one numpy stream seeded by rec_eval_seed; each draws rec_eval_negatives items uniformly without
replacement from the val users' item pool minus its target (fewer when the pool is smaller).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

PROTOCOLS = ("sampled", "full", "generative")  # the evaluation protocols, in table order
# ranked only within a generated list (python_jobs.recommend.generative): a target outside it has no rank
TRUNCATED_PROTOCOLS = ("generative",)


def sampled_negatives(val: pa.Table, n_negatives: int, seed: int) -> pa.Table:
    """user_id, negatives (list of ASINs) for every val user with at least 2 items."""
    users = sorted(zip(val.column("user_id").to_pylist(), val.column("sequence").to_pylist()))
    users = [(u, s) for u, s in users if len(s) >= 2]
    pool = np.asarray(sorted({a for _, s in users for a in s}), dtype=object)
    rng = np.random.default_rng(seed)  # one stream, users in user_id order
    negatives = []
    for _, seq in users:
        others = pool[pool != seq[-1]]
        negatives.append([str(a) for a in rng.choice(others, size=min(n_negatives, len(others)), replace=False)])
    return pa.table(
        {
            "user_id": pa.array([u for u, _ in users], pa.string()),
            "negatives": pa.array(negatives, pa.list_(pa.string())),
        }
    )
