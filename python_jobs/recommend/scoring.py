"""The torch models' ranks of the evaluation cases (the SQL reference rows: int_rec_reference_ranks.sql).

sampled: the target against the case's negatives; full: against every catalogue item (minus the user's history
with rec_exclude_history). Rank = 1 + number of candidates scored strictly higher than the target.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import torch

from python_jobs.recommend.cases import PROTOCOLS
from python_jobs.recommend.data import Catalogue, Sequences
from python_jobs.recommend.settings import NEURAL_MODELS, RecommendSettings
from python_jobs.recommend.train import TrainingData, get_or_train, score_histories


def model_ranks(model, catalogue: Catalogue, cases: pa.Table, settings: RecommendSettings) -> dict[str, list]:
    """protocol, user_id, rank, n_candidates of a torch model (anything with .score(inputs) -> [B, N + 1])."""
    index = catalogue.index()
    out = {"protocol": [], "user_id": [], "rank": [], "n_candidates": []}
    device = next(model.parameters()).device.type
    for protocol in PROTOCOLS:
        part = cases.filter(pc.equal(cases.column("protocol"), protocol))
        if not part.num_rows:
            continue
        histories = [np.asarray([index[a] for a in h], dtype=np.int64) for h in part.column("history").to_pylist()]
        targets = torch.tensor([index[a] for a in part.column("target").to_pylist()])
        negatives = part.column("negatives").to_pylist()
        exclude = protocol == "full" and settings.rec_exclude_history
        for start, scores in score_histories(model, histories, settings.rec_max_len, device):
            rows = range(start, start + len(scores))
            target_scores = scores.gather(1, targets[start : start + len(scores), None])
            if protocol == "sampled":
                width = max(len(negatives[r]) for r in rows)
                candidates = torch.zeros(len(scores), width, dtype=torch.long)  # 0 = padding, scored -inf
                for i, r in enumerate(rows):
                    candidates[i, : len(negatives[r])] = torch.tensor([index[a] for a in negatives[r]])
                higher = (scores.gather(1, candidates) > target_scores).sum(1)
                n_candidates = [1 + len(negatives[r]) for r in rows]
            else:
                if exclude:  # the user's own items cannot be recommended (the target keeps its score above)
                    for i, r in enumerate(rows):
                        scores[i, torch.from_numpy(histories[r])] = float("-inf")
                higher = (scores[:, 1:] > target_scores).sum(1)
                n_candidates = [
                    catalogue.n_items - (len(set(histories[r].tolist()) - {int(targets[r])}) if exclude else 0)
                    for r in rows
                ]
            out["protocol"] += [protocol] * len(scores)
            out["user_id"] += part.column("user_id").to_pylist()[start : start + len(scores)]
            out["rank"] += (1 + higher).tolist()
            out["n_candidates"] += n_candidates
    return out


def neural_ranks(
    train: pa.Table,
    semantic_ids: pa.Table,
    cases: pa.Table,
    settings: RecommendSettings,
    models: Iterable[str],
    *,
    progress: bool = False,
    log: Callable[[str], None] = lambda _: None,
) -> pa.Table:
    """model, model_id, protocol, user_id, rank, n_candidates: each requested torch model, trained or loaded from
    the registry, ranks every case."""
    catalogue = Catalogue.from_arrow(semantic_ids)
    data = TrainingData(catalogue, Sequences.from_arrow(train, catalogue))
    columns: dict[str, list] = {k: [] for k in ("model", "model_id", "protocol", "user_id", "rank", "n_candidates")}
    for name in [m for m in models if m in NEURAL_MODELS]:
        trained = get_or_train(name, data, settings, progress=progress)
        log(
            f"{name}: {'trained' if trained.trained_now else 'loaded'} {trained.model_id} "
            f"(best epoch {trained.summary['best_epoch']}, held-out NDCG@10 {trained.summary['holdout_ndcg@10']:.4f})"
        )
        ranks = model_ranks(trained.model, catalogue, cases, settings)
        columns["model"] += [name] * len(ranks["rank"])
        columns["model_id"] += [trained.model_id] * len(ranks["rank"])
        for key, values in ranks.items():
            columns[key] += values
    return pa.table(
        {
            **{k: pa.array(columns[k], pa.string()) for k in ("model", "model_id", "protocol", "user_id")},
            **{k: pa.array(columns[k], pa.int64()) for k in ("rank", "n_candidates")},
        }
    )
