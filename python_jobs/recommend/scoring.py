"""The torch models' ranks of the evaluation cases (the SQL reference rows: int_rec_reference_ranks.sql).

sampled: the target against the case's negatives; full: against every catalogue item (minus the user's history
with rec_exclude_history). Ranks: python_jobs.recommend.ranking (ties count half). generative: the target's place in
the model's generated list (python_jobs.recommend.generative), for the models that can generate.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import torch

from python_jobs.generate.trie import CodeTrie
from python_jobs.recommend.data import Catalogue, Sequences, padded
from python_jobs.recommend.generative import GENERATORS, generative_ranks, model_generate
from python_jobs.recommend.ranking import check_finite, expected_ranks, full_ranks
from python_jobs.recommend.score_batch import score_batch_size
from python_jobs.recommend.settings import NEURAL_MODELS, RecommendSettings
from python_jobs.recommend.train import TrainingData, get_or_train, score_histories
from python_jobs.recommend.variants import MODEL_PREFIX, variant_catalogues


def model_ranks(
    model, catalogue: Catalogue, cases: pa.Table, settings: RecommendSettings, label: str = "model"
) -> dict[str, list]:
    """protocol, user_id, rank, n_candidates of a torch model (anything with .score(inputs) -> [B, N + 1]); `label`
    names the model in the error a non-finite score raises. Scores are ranked on the model's device (the GPU when
    it has one), rec_score_batch_size users at a time."""
    index = catalogue.index()
    out = {"protocol": [], "user_id": [], "rank": [], "n_candidates": []}
    device = next(model.parameters()).device.type
    batch = score_batch_size(
        settings.rec_score_batch_size, device, catalogue.n_items, settings.rec_max_len, settings.rec_hidden
    )
    for protocol in ("sampled", "full"):  # every candidate scored (generative: neural_ranks)
        part = cases.filter(pc.equal(cases.column("protocol"), protocol))
        if not part.num_rows:
            continue
        histories = [np.asarray([index[a] for a in h], dtype=np.int64) for h in part.column("history").to_pylist()]
        targets = torch.tensor([index[a] for a in part.column("target").to_pylist()])
        negatives = [
            np.asarray([index[a] for a in n or []], dtype=np.int64) for n in part.column("negatives").to_pylist()
        ]
        exclude = protocol == "full" and settings.rec_exclude_history
        for start, scores in score_histories(model, histories, settings.rec_max_len, device, batch):
            check_finite(scores[:, 1:], label)
            rows = range(start, start + len(scores))
            batch_targets = targets[start : start + len(scores)].to(scores.device)
            if protocol == "sampled":
                # each row's negatives, padded with index 0 (no candidate: -inf) to the batch's longest list
                picked = padded([negatives[r] for r in rows]).to(scores.device)
                candidates = scores.gather(1, picked).masked_fill(picked == 0, float("-inf"))
                ranks = expected_ranks(candidates, scores.gather(1, batch_targets[:, None])[:, 0])
                n_candidates = [1 + len(negatives[r]) for r in rows]
            else:
                if exclude:  # the user's own items cannot be recommended (the target is ranked all the same)
                    target_scores = scores.gather(1, batch_targets[:, None])
                    # padding index 0 lands in column 0, which is never a candidate
                    scores.scatter_(1, padded([histories[r] for r in rows]).to(scores.device), float("-inf"))
                    scores.scatter_(1, batch_targets[:, None], target_scores)
                ranks = full_ranks(scores, batch_targets)
                n_candidates = [
                    catalogue.n_items - (len(set(histories[r].tolist()) - {int(targets[r])}) if exclude else 0)
                    for r in rows
                ]
            out["protocol"] += [protocol] * len(scores)
            out["user_id"] += part.column("user_id").to_pylist()[start : start + len(scores)]
            out["rank"] += ranks.cpu().tolist()
            out["n_candidates"] += n_candidates
    return out


def training_data(catalogue: Catalogue, train: pa.Table, held_out: pa.Table | None) -> TrainingData:
    index = catalogue.index()
    asins = [] if held_out is None else held_out.column("parent_asin").to_pylist()
    unknown = [a for a in asins if a not in index]
    if unknown:
        raise ValueError(f"{len(unknown)} held-out items are not in the catalogue, e.g. {sorted(unknown)[:3]}")
    items = np.asarray(sorted(index[a] for a in asins), dtype=np.int64)
    return TrainingData(catalogue, Sequences.from_arrow(train, catalogue), items)


def neural_ranks(
    train: pa.Table,
    semantic_ids: pa.Table,
    cases: pa.Table,
    settings: RecommendSettings,
    models: Iterable[str],
    *,
    held_out: pa.Table | None = None,
    variant_ids: pa.Table | None = None,
    progress: bool = False,
    log: Callable[[str], None] = lambda _: None,
) -> pa.Table:
    """model, model_id, seed, protocol, user_id, rank, n_candidates: each requested torch model, trained (or loaded
    from the registry) once per seed rec_seed, rec_seed + 1, ... (rec_seeds of them), ranks every case. `held_out`
    (parent_asin: int_rec_cold_items) are the items no model may meet in training; each variant of `variant_ids`
    (int_rec_variant_ids) gives one more sid_sasrec, on its IDs: model `sid_sasrec@<variant>`."""
    catalogue = Catalogue.from_arrow(semantic_ids)
    runs = [(m, m, training_data(catalogue, train, held_out), settings) for m in models if m in NEURAL_MODELS]
    if variant_ids is not None and variant_ids.num_rows:
        for variant, (codes, codebook_size) in variant_catalogues(variant_ids).items():
            variant_settings = settings.replace(sid_codebook_size=codebook_size)
            runs.append((MODEL_PREFIX + variant, "sid_sasrec", training_data(codes, train, held_out), variant_settings))
    columns: dict[str, list] = {
        k: [] for k in ("model", "model_id", "seed", "protocol", "user_id", "rank", "n_candidates")
    }
    seeds = [settings.rec_seed + i for i in range(settings.rec_seeds)]
    generative = "generative" in set(cases.column("protocol").to_pylist())
    for (label, name, data, run_settings), seed in [(run, seed) for run in runs for seed in seeds]:
        trained = get_or_train(name, data, run_settings.replace(rec_seed=seed), progress=progress)
        log(
            f"{label}: {'trained' if trained.trained_now else 'loaded'} {trained.model_id} "
            f"(best epoch {trained.summary['best_epoch']}, held-out NDCG@10 {trained.summary['holdout_ndcg@10']:.4f})"
        )
        described = f"{label} ({trained.model_id})"
        parts = [model_ranks(trained.model, data.catalogue, cases, settings, described)]
        if generative and name in GENERATORS:
            trie = CodeTrie.from_codes(data.catalogue.codes, run_settings.sid_codebook_size)
            generate = model_generate(
                GENERATORS[name], trained.model, trie, settings.rec_max_len, settings.rec_beam_width, described
            )
            parts.append(generative_ranks(generate, data.catalogue, cases))
        for ranks in parts:
            columns["model"] += [label] * len(ranks["rank"])
            columns["model_id"] += [trained.model_id] * len(ranks["rank"])
            columns["seed"] += [seed] * len(ranks["rank"])
            for key, values in ranks.items():
                columns[key] += values
    return pa.table(
        {
            **{k: pa.array(columns[k], pa.string()) for k in ("model", "model_id", "protocol", "user_id")},
            "seed": pa.array(columns["seed"], pa.int64()),
            "rank": pa.array(columns["rank"], pa.float64()),
            "n_candidates": pa.array(columns["n_candidates"], pa.int64()),
        }
    )
