"""Constrained beam search over the tree of valid Semantic IDs: the one decoder of every generator.

    trie = CodeTrie.from_codes(catalogue.codes, codebook_size)      # python_jobs.generate.trie
    top = beam_search(trie, step_scores, n_users=B, width=20)        # top.items [B, 20] item rows, best first

Decoding goes level by level (L levels: sid_0..sid_3) and only over the codes that exist under each prefix in the
catalogue, so every finished beam is an existing ID; IDs are unique (the last level is the collision index), so the
finished beams are distinct items. A beam's score is the SUM of its steps' scores; the top `width` (prefix, code)
extensions over all of a user's beams survive each level. Ties are broken by the code tuple (lowest first), so the
result does not depend on the order torch happens to return equal values in.

The interface a model implements (the LLM of stage 6, sid_sasrec's heads):

    step_scores(step: Step) -> Tensor [B, W, K]      K = the codebook size

the score of appending code c (at level step.level) to the prefix of beam w of user b. For a model of
p(ID | history) = prod_l p(c_l | history, c_<l) it is log p(c | history, prefix), and beam search approximates
the arg-max of the ID's log-probability (exact when the beam holds every prefix). What a Step carries:

    level     int 0..L-1, the code being chosen
    prefixes  [B, W, level] int64 the codes chosen so far by each beam
    nodes     [B, W] int64 each beam's prefix node (CodeTrie's numbering, lexicographic in the codes)
    parents   [B, W] int64 the beam of the previous step each beam extends (level 0: zeros): a model that caches
              state per beam (an LLM's KV cache, [B, W, ...]) reorders it with cache.gather over parents, then feeds
              the beam's last code prefixes[:, :, -1]
    valid     [B, W, K] bool, the codes that exist under the prefix (all False for an empty beam slot: a user
              whose trie has fewer than W prefixes at this depth)
    children  [B, W, K] int64, the child node of each valid code, -1 elsewhere (a model that keeps one vector per
              prefix finds it through CodeTrie.first_item[level][children])

Only the valid entries are read: invalid ones may hold anything (a scorer that normalises over the valid codes, a
constrained softmax, masks them itself). A valid entry that is NaN or +-inf is an error naming the model. Batched
over users: B is whatever the caller passes (python_jobs.recommend.generative batches the val users).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

from python_jobs.generate.trie import CodeTrie
from python_jobs.recommend.ranking import check_finite


@dataclass(frozen=True)
class Step:
    level: int
    prefixes: torch.Tensor
    nodes: torch.Tensor
    parents: torch.Tensor
    valid: torch.Tensor
    children: torch.Tensor


StepScores = Callable[[Step], torch.Tensor]


@dataclass(frozen=True)
class TopK:
    """A ranked list per user, best first: item rows (-1 = no item: fewer were reachable), scores (-inf there)
    and each item's codes [B, k, L]."""

    items: torch.Tensor
    scores: torch.Tensor
    codes: torch.Tensor


def _ranked(total: torch.Tensor, key_order: torch.Tensor, keep: int) -> torch.Tensor:
    """[B, C] scores (-inf = no candidate) and the columns in ascending tie-key order ([B, C], or [C] for every row)
    -> [B, keep] columns by score desc, then tie key asc: one stable sort of the scores laid out in key order."""
    key_order = key_order.expand_as(total)
    by_score = torch.sort(total.gather(1, key_order), dim=1, descending=True, stable=True).indices[:, :keep]
    return key_order.gather(1, by_score)


def beam_search(
    trie: CodeTrie, step_scores: StepScores, n_users: int, width: int, top_k: int | None = None, label: str = "model"
) -> TopK:
    """The best `top_k` (default: `width`) distinct items per user under `step_scores`, by beam search of `width`
    beams over the code trie (on the trie's device; the scorer returns its scores there)."""
    top_k = width if top_k is None else top_k
    if not 1 <= top_k <= width:
        raise ValueError(f"top_k must lie in 1..width ({width}), got {top_k}")
    device, k = trie.pair_key[0].device, trie.codebook_size
    nodes = torch.zeros(n_users, 1, dtype=torch.long, device=device)
    parents = torch.zeros_like(nodes)
    scores = torch.zeros(n_users, 1, device=device)
    prefixes = torch.zeros(n_users, 1, 0, dtype=torch.long, device=device)
    alive = torch.ones(n_users, 1, dtype=torch.bool, device=device)
    for level in range(trie.levels):
        children = trie.children(level, nodes).masked_fill(~alive[..., None], -1)
        valid = children >= 0
        step = step_scores(Step(level, prefixes, nodes, parents, valid, children))
        if step.shape != valid.shape:
            raise ValueError(
                f"{label}: step scores of level {level} have shape {tuple(step.shape)}, not {tuple(valid.shape)}"
            )
        check_finite(step[valid], f"{label} (beam level {level})")
        total = torch.where(valid, scores[..., None] + step.to(scores.dtype), float("-inf")).flatten(1)
        kept = _ranked(total, _candidates_by_code(nodes, k), min(width, total.size(1)))
        scores = total.gather(1, kept)
        alive = scores > float("-inf")
        parents, codes = kept // k, kept % k
        nodes = children.flatten(1).gather(1, kept).clamp(min=0)  # an empty slot points at node 0, never read
        prefixes = torch.cat([prefixes.gather(1, parents[..., None].expand(-1, -1, level)), codes[..., None]], -1)
    items = torch.where(alive, trie.leaf_item[nodes], -1)
    return TopK(items[:, :top_k], scores[:, :top_k], prefixes[:, :top_k])


def _candidates_by_code(nodes: torch.Tensor, k: int) -> torch.Tensor:
    """The candidate columns w * K + c of beams `nodes` [B, W] in order of their code tuples (the tie order):
    beams by prefix node (numbered like its code tuple), then codes ascending. Sorts the W beams, not the W * K
    candidates; two beams share a node only when one is an empty slot, whose candidates are all invalid (-inf)."""
    beams = torch.argsort(nodes, dim=1, stable=True)
    return (beams[..., None] * k + torch.arange(k, device=nodes.device)).flatten(1)


def exhaustive_top_k(scores: torch.Tensor, trie: CodeTrie, k: int) -> TopK:
    """The exact top k of item scores [B, N] (item rows 0..N-1, on the trie's device), ties by code tuple as in
    beam search: what beam search approximates, and the generative list of a model that scores the whole
    catalogue (the item-ID SASRec)."""
    kept = _ranked(scores, trie.leaf_item, min(k, scores.size(1)))  # leaf_item: the items in code-tuple order
    return TopK(kept, scores.gather(1, kept), trie.codes[kept])
