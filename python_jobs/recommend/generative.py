"""Protocol `generative`: each model that can generate returns, per val user, a ranked list of rec_beam_width items.

The val users and histories are the full protocol's (int_rec_eval_cases). The target's rank is its place in the
list by the project's rule among the list's items (python_jobs.recommend.ranking: ties count half); a target not in
the list has no rank (a miss; null in recommendation_ranks). Hit@K, NDCG@K and MRR are therefore truncated at the
beam width (Hit@20 with a beam of 10 is Hit@10; a miss counts 0 in MRR), and mean / median rank are not defined.

How each model makes its list (`GENERATORS`; a new generator is one line there):
    sid_sasrec              beam search over the Semantic-ID trie with the model's step scores (python_jobs.generate)
    sasrec_ce, sasrec_bce   the exact top-K of the full-catalogue scores: an item-ID model cannot generate an ID,
                            so these rows are the exhaustive reference, at the same K
A model trained outside stage 5's trainer (the LLM) calls `generative_ranks` with its own `generate(histories) ->
TopK` (the beam search of python_jobs.generate.beam over its own step scores).

`beam_agreement` measures what the beam costs against exhaustive scoring: the share of the exact top-10 the beam's
list recovers (per user, averaged) and users per second of each (rec_beam_agreement).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import torch
from torch import nn

from python_jobs.generate.beam import TopK, beam_search, exhaustive_top_k
from python_jobs.generate.trie import CodeTrie
from python_jobs.recommend.data import Catalogue, Sequences, right_align
from python_jobs.recommend.ranking import check_finite, expected_ranks
from python_jobs.recommend.settings import RecommendSettings

Generator = Callable[[nn.Module, CodeTrie, torch.Tensor, int, str], TopK]  # model, trie, inputs, width, label
Generate = Callable[[list[np.ndarray]], TopK]  # histories (catalogue indices 1..N) -> lists of item rows (0..N-1)
BATCH = 256  # users per generation batch


def beam_generator(model: nn.Module, trie: CodeTrie, inputs: torch.Tensor, width: int, label: str) -> TopK:
    return beam_search(trie, model.step_scorer(inputs, trie), len(inputs), width, label=label)


def exhaustive_generator(model: nn.Module, trie: CodeTrie, inputs: torch.Tensor, width: int, label: str) -> TopK:
    scores = model.score(inputs)[:, 1:]
    check_finite(scores, label)
    return exhaustive_top_k(scores, trie, width)


GENERATORS: dict[str, Generator] = {
    "sid_sasrec": beam_generator,
    "sasrec_ce": exhaustive_generator,
    "sasrec_bce": exhaustive_generator,
}
BEAM_MODELS = tuple(name for name, g in GENERATORS.items() if g is beam_generator)


def model_generate(
    generator: Generator, model: nn.Module, trie: CodeTrie, max_len: int, width: int, label: str
) -> Generate:
    """A stage-5 model's `generate` (its GENERATORS entry) on the model's device, results on CPU."""
    device = next(model.parameters()).device
    on_device = trie.to(device)

    @torch.no_grad()
    def generate(histories: list[np.ndarray]) -> TopK:
        top = generator(model.eval(), on_device, right_align(histories, max_len).to(device), width, label)
        return TopK(top.items.cpu(), top.scores.float().cpu(), top.codes.cpu())

    return generate


def list_ranks(top: TopK, targets: torch.Tensor) -> list[float | None]:
    """targets [B] item rows -> the target's rank in each list (1 + list items scored higher + equal / 2), None
    when the target is not in the list."""
    in_list = top.items == targets[:, None]
    position = in_list.float().argmax(1, keepdim=True)
    others = top.scores.masked_fill(in_list | (top.items < 0), float("-inf"))
    ranks = expected_ranks(others, top.scores.gather(1, position)[:, 0])
    return [float(r) if hit else None for r, hit in zip(ranks.tolist(), in_list.any(1).tolist())]


def generative_ranks(generate: Generate, catalogue: Catalogue, cases: pa.Table, batch: int = BATCH) -> dict[str, list]:
    """protocol, user_id, rank (None = a miss), n_candidates (the list's length) of the generative cases."""
    part = cases.filter(pc.equal(cases.column("protocol"), "generative"))
    index = catalogue.index()
    histories = [np.asarray([index[a] for a in h], dtype=np.int64) for h in part.column("history").to_pylist()]
    targets = torch.tensor([index[a] - 1 for a in part.column("target").to_pylist()], dtype=torch.long)
    ranks, lengths = [], []
    for start in range(0, len(histories), batch):
        top = generate(histories[start : start + batch])
        ranks += list_ranks(top, targets[start : start + batch])
        lengths += (top.items >= 0).sum(1).tolist()
    return {
        "protocol": ["generative"] * len(ranks),
        "user_id": part.column("user_id").to_pylist(),
        "rank": ranks,
        "n_candidates": lengths,
    }


def beam_agreement(
    model: nn.Module, trie: CodeTrie, histories: list[np.ndarray], max_len: int, width: int, label: str
) -> dict[str, float | None]:
    """Beam search against exhaustive scoring of the same model on the same histories: top10_recall = the share of
    the exact top 10 in the beam's list (per user, averaged; at most width / 10 below a width of 10), top1_match =
    the beam's first item is the exact first, and users per second of each (encoder included; one timed pass in
    batches of BATCH users)."""
    beam = model_generate(beam_generator, model, trie, max_len, width, label)
    exact = model_generate(exhaustive_generator, model, trie, max_len, 10, label)
    lists, seconds = {}, {}
    for key, generate in (("beam", beam), ("exact", exact)):
        started = time.perf_counter()
        lists[key] = [generate(histories[s : s + BATCH]).items for s in range(0, len(histories), BATCH)]
        seconds[key] = time.perf_counter() - started
    beam_items, exact_items = torch.cat(lists["beam"]), torch.cat(lists["exact"])
    found = (exact_items[:, :, None] == beam_items[:, None, :]).any(-1).float()  # [B, exact_k]
    n = len(histories)
    return {
        "n_users": n,
        "top10_recall": float(found.double().mean()) if n else None,
        "top1_match": float((beam_items[:, 0] == exact_items[:, 0]).float().mean()) if n else None,
        "beam_users_per_second": n / seconds["beam"] if n else None,
        "exhaustive_users_per_second": n / seconds["exact"] if n else None,
    }


AGREEMENT_COLUMNS = (
    "model",
    "model_id",
    "seed",
    "beam_width",
    "n_users",
    "top10_recall",
    "top1_match",
    "beam_users_per_second",
    "exhaustive_users_per_second",
    "device",
)


def agreement_table(
    ranked: pa.Table, train: pa.Table, semantic_ids: pa.Table, cases: pa.Table, settings: RecommendSettings
) -> pa.Table:
    """One row per beam-search model x seed of `ranked` (model, model_id, seed: the generative rows' models, as
    trained or loaded by the ranking): beam_agreement on the generative cases' histories, at rec_beam_width."""
    from python_jobs.recommend.train import TrainingData, get_or_train

    catalogue = Catalogue.from_arrow(semantic_ids)
    data = TrainingData(catalogue, Sequences.from_arrow(train, catalogue))
    part = cases.filter(pc.equal(cases.column("protocol"), "generative"))
    index = catalogue.index()
    histories = [np.asarray([index[a] for a in h], dtype=np.int64) for h in part.column("history").to_pylist()]
    trie = CodeTrie.from_codes(catalogue.codes, settings.sid_codebook_size)
    rows = []
    for r in sorted(ranked.to_pylist(), key=lambda r: (r["model"], r["seed"])):
        if r["model"] not in BEAM_MODELS:
            continue
        trained = get_or_train(r["model"], data, settings.replace(rec_seed=r["seed"]), train=False)
        if trained.model_id != r["model_id"]:
            raise ValueError(
                f"{r['model']} seed {r['seed']}: the registry has {trained.model_id}, ranked {r['model_id']}"
            )
        label = f"{r['model']} ({trained.model_id})"
        found = beam_agreement(trained.model, trie, histories, settings.rec_max_len, settings.rec_beam_width, label)
        device = next(trained.model.parameters()).device.type
        rows.append({**r, "beam_width": settings.rec_beam_width, **found, "device": device})
    return pa.table({c: [row[c] for row in rows] for c in AGREEMENT_COLUMNS})  # types: rec_beam_agreement's contract
