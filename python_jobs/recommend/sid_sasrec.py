"""SASRec over Semantic IDs: items enter as their codes, and every item is scored through its codes.

Two model classes, one per way of turning codes into scores (var rec_sid_representation; build_model picks):
  factorised    `SIDSASRec`: an item = the sum of its code tokens; score = product of per-level softmaxes (below).
  prefix_ngram  `PrefixNgramSASRec`: an item = the sum of its prefix n-gram vectors; one softmax over the catalogue.
  hybrid        `PrefixNgramSASRec` with a hashed item-ID vector added (rec_sid_item_buckets rows).
The last two differ by one optional table, so they are one class; the factorised head is a different scorer.

Read top to bottom: the prefix head -> `SIDSASRec` -> prefix n-grams -> `PrefixNgramSASRec` (the code trie they
read: python_jobs.generate.trie). The transformer is sasrec.py's `SequenceEncoder`, with the same sizes by default,
so the comparison with the item-ID SASRec measures the IDs. Both models give beam search its step scores
(`step_scorer`, python_jobs.generate.beam), so they generate IDs as well as score the catalogue.

Input. An item is L codes (sid_0..sid_3: three quantizer levels + the collision index). Each (level, code) is a token
`1 + level * K + code` of one embedding table; token 0 is padding, so padding never collides with a real code (the
original's token 0 was level-0 code 0). The item vector is the SUM of its L token vectors: the sequence stays one
position per item (the same length, attention cost and positions as the baseline, unlike the original's 4 positions
per item), each level keeps the full width (a concat would give each level d/L), and items that share a prefix share
most of their vector, which is what lets an item never seen in training be placed.

Output. p(item | history) = prod_l p(c_l | history, c_<l). At level l the user state h goes through the level's
residual MLP, u_l = h + MLP_l(LN(h)), and is gated by the prefix: logit(c) = (u_l * (1 + p)) . e_l(c), where p is the
sum of the prefix's token vectors and e_l(c) the code's token vector (input and output tables shared). The gate lets
the prefix choose which directions of the user state matter for the next code, and keeps exact scoring cheap: the
logit of every (prefix, child) pair of the catalogue is one matmul of u_l against e_l(c) * (1 + p), B x d x (pairs),
the cost of a dot product with the catalogue (an MLP over every user x prefix pair was 50x slower on CPU). The
softmax at each level runs over the codes that exist under the prefix in the catalogue (the code trie), so the
item scores form one distribution over catalogue items, like the baseline's full softmax, and the collision index
only has to choose among the few items that share three codes (the original predicted it over all 256 codes, which
penalised every item with index > 0). Scoring is exact: every catalogue item gets sum_l log p(c_l | its own
prefix), computed once per distinct prefix and batched over users, so ranks compare with the baseline's.
Training is teacher-forced on the target's own prefix: the same expression, on one item.
"""

from __future__ import annotations

import hashlib

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from python_jobs.generate.beam import Step, StepScores
from python_jobs.generate.trie import CodeTrie, build_trie, item_tokens
from python_jobs.recommend.data import SharedNegatives
from python_jobs.recommend.sasrec import EncoderConfig, SequenceEncoder, init_weights, sampled_softmax_loss


class LevelHead(nn.Module):
    """u = h + MLP(LN(h)): the user state as level l reads it."""

    def __init__(self, hidden: int, ffn: int, dropout: float) -> None:
        super().__init__()
        self.ln = nn.LayerNorm(hidden)
        self.mlp = nn.Sequential(nn.Linear(hidden, ffn), nn.GELU(), nn.Linear(ffn, hidden), nn.Dropout(dropout))

    def forward(self, q: torch.Tensor) -> torch.Tensor:
        return q + self.mlp(self.ln(q))


class SIDSASRec(nn.Module):
    def __init__(self, codes: np.ndarray, codebook_size: int, cfg: EncoderConfig) -> None:
        """codes [N, L]: catalogue item i (1-based index i) has codes[i - 1]."""
        super().__init__()
        tokens = item_tokens(codes, codebook_size)
        self.n_items, self.levels, self.codebook_size = tokens.shape[0] - 1, tokens.shape[1], codebook_size
        self.register_buffer("tokens_of", torch.from_numpy(tokens), persistent=False)
        self.trie = build_trie(tokens, codebook_size)
        for level, t in enumerate(self.trie):  # as buffers, so .to(device) moves them
            for name in ("item_prefix", "prefix_tokens", "child_parent", "child_code", "item_child", "valid"):
                self.register_buffer(f"trie{level}_{name}", torch.from_numpy(getattr(t, name)), persistent=False)
        self.tokens = nn.Embedding(1 + self.levels * codebook_size, cfg.hidden, padding_idx=0)
        self.encoder = SequenceEncoder(cfg)
        self.heads = nn.ModuleList(LevelHead(cfg.hidden, cfg.ffn, cfg.dropout) for _ in range(self.levels))
        self.apply(init_weights)
        for level, t in enumerate(self.trie):  # the training softmaxes' codes (hold_out narrows them)
            self.register_buffer(f"trie{level}_train_valid", torch.from_numpy(t.valid.copy()), persistent=False)

    def hold_out(self, items: torch.Tensor) -> None:
        """Items that did not exist when the model was trained (rec_cold_item_share): a code that only they use
        under a prefix is no class of the training softmax, so it is never pushed down as a negative. Scoring
        still uses the whole catalogue's trie."""
        kept = np.ones(self.n_items + 1, dtype=bool)
        kept[np.asarray(items.cpu())] = False
        kept[0] = False
        for level, t in enumerate(self.trie):
            valid = np.zeros_like(t.valid)
            valid[t.item_prefix[kept], t.child_code[t.item_child[kept]]] = True
            self._trie(level, "train_valid").copy_(torch.from_numpy(valid))

    def _trie(self, level: int, name: str) -> torch.Tensor:
        return getattr(self, f"trie{level}_{name}")

    def level_codes(self, level: int) -> torch.Tensor:
        """[K, d] the token vectors of one level's codes (also its output embeddings)."""
        start = 1 + level * self.codebook_size
        return self.tokens.weight[start : start + self.codebook_size]

    def hidden(self, inputs: torch.Tensor) -> torch.Tensor:
        return self.encoder(self.tokens(self.tokens_of[inputs]).sum(-2), inputs > 0)

    def loss(self, inputs: torch.Tensor, targets: torch.Tensor, negatives: torch.Tensor | None = None) -> torch.Tensor:
        """Mean over targets of -log p(target) = sum over levels of the code cross-entropies (no negatives)."""
        h = self.hidden(inputs)
        has_target = targets > 0
        h, items = h[has_target], targets[has_target]
        target_tokens = self.tokens(self.tokens_of[items])  # [M, L, d]
        nll = h.new_zeros(())
        for level in range(self.levels):
            gate = 1 + target_tokens[:, :level].sum(1)  # teacher forcing: the target's own prefix
            logits = (self.heads[level](h) * gate) @ self.level_codes(level).T
            valid = self._trie(level, "train_valid")[self._trie(level, "item_prefix")[items]]
            logits = logits.masked_fill(~valid, float("-inf"))
            code = self.tokens_of[items, level] - 1 - level * self.codebook_size
            nll = nll + F.cross_entropy(logits, code)
        return nll

    @torch.no_grad()
    def score(self, inputs: torch.Tensor) -> torch.Tensor:
        """[B, N + 1] log p(item | history) of every catalogue item; column 0 (padding) = -inf. Inputs may be on
        any device; the scores are on the model's."""
        h = self.hidden(inputs.to(self.tokens.weight.device))[:, -1]
        scores = h.new_zeros(h.size(0), self.n_items + 1)
        for level in range(self.levels):
            gate = 1 + self.tokens(self._trie(level, "prefix_tokens")).sum(1)  # [P, d] (ones at level 0)
            parent, code = self._trie(level, "child_parent"), self._trie(level, "child_code")
            pairs = self.level_codes(level)[code] * gate[parent]  # [C, d]: every (prefix, child) of the catalogue
            logits = self.heads[level](h) @ pairs.T  # [B, C]
            log_p = logits - segment_logsumexp(logits, parent, gate.size(0))[:, parent]
            scores = scores + log_p[:, self._trie(level, "item_child")]
        scores[:, 0] = float("-inf")
        return scores

    def step_scorer(self, inputs: torch.Tensor, trie: CodeTrie) -> StepScores:
        """Beam search's step scores (python_jobs.generate.beam; `trie` unused: the prefix is in the Step): at level
        l, log p(c | history, prefix), the softmax over the codes under the prefix. These are the terms score()
        sums, so a finished beam's score is the item's exact log-probability, and with every prefix kept the beam's
        list is the exact top-K; a narrower beam prunes on partial log-probabilities, which only fall as levels are
        added, the usual beam-search approximation."""
        h = self.hidden(inputs.to(self.tokens.weight.device))[:, -1]
        offsets = 1 + torch.arange(self.levels, device=h.device) * self.codebook_size  # code -> token, per level

        def step_scores(step: Step) -> torch.Tensor:
            prefix = self.tokens(offsets[: step.level] + step.prefixes).sum(-2)  # [B, W, d]; zeros at level 0
            logits = (self.heads[step.level](h)[:, None] * (1 + prefix)) @ self.level_codes(step.level).T
            return logits.masked_fill(~step.valid, float("-inf")).log_softmax(-1)

        return step_scores


def segment_logsumexp(values: torch.Tensor, segment: torch.Tensor, n_segments: int) -> torch.Tensor:
    """values [B, C], segment [C] in 0..S-1 -> [B, S] logsumexp of each segment's values."""
    index = segment.expand_as(values)
    top = values.new_full((values.size(0), n_segments), float("-inf")).scatter_reduce(
        1, index, values, reduce="amax", include_self=True
    )
    total = values.new_zeros(values.size(0), n_segments).scatter_add(1, index, (values - top.gather(1, index)).exp())
    return top + total.log()


# ---- rec_sid_representation = prefix_ngram | hybrid: item vectors from prefix n-grams, a full softmax over items ----


def prefix_ids(codes: np.ndarray) -> np.ndarray:
    """codes [N, L] -> [N+1, L] rows of one embedding table: column l = the item's distinct length-(l+1) prefix,
    numbered after the shorter prefixes' rows; row 0 (padding) = 0, the table's padding row."""
    codes = np.asarray(codes, dtype=np.int64)
    out = np.zeros((codes.shape[0] + 1, codes.shape[1]), dtype=np.int64)
    offset = 1
    for level in range(codes.shape[1]):
        distinct, inverse = np.unique(codes[:, : level + 1], axis=0, return_inverse=True)
        out[1:, level] = offset + inverse.ravel()
        offset += len(distinct)
    return out


def item_buckets(asins: np.ndarray, buckets: int) -> np.ndarray:
    """[N+1] hashed item-ID row of each item (row 0 = padding): the project's md5 bucket rule (macros/hash_bucket.sql)
    with `buckets` rows instead of 10,000; rows 1..buckets, so no item shares the padding row."""
    body = [1 + int(hashlib.md5(str(a).encode()).hexdigest()[:8], 16) % buckets for a in asins]
    return np.asarray([0, *body], dtype=np.int64)


class PrefixNgramSASRec(nn.Module):
    """An item is the sum of its prefix n-gram vectors (level 1, levels 1-2, ..., the full ID; Singh et al. 2023),
    plus, when buckets > 0 (hybrid), a hashed item-ID vector. Scored like the item-ID SASRec's ce head: dot product
    of the user state with every catalogue item's built vector, one softmax over the catalogue; input and output
    share the built vectors. An item never seen in training still has its prefixes' vectors, trained by its
    siblings (and, in the hybrid, a bucket row shared with other items or left at its small init)."""

    def __init__(
        self, codes: np.ndarray, cfg: EncoderConfig, asins: np.ndarray | None = None, buckets: int = 0
    ) -> None:
        super().__init__()
        rows = prefix_ids(codes)
        self.n_items = rows.shape[0] - 1
        self.register_buffer("prefix_rows", torch.from_numpy(rows), persistent=False)
        self.prefixes = nn.Embedding(int(rows.max()) + 1, cfg.hidden, padding_idx=0)
        self.buckets = None
        if buckets:
            if asins is None or len(asins) != self.n_items:
                raise ValueError("the hybrid representation needs one parent_asin per item")
            self.register_buffer("bucket_of", torch.from_numpy(item_buckets(asins, buckets)), persistent=False)
            self.buckets = nn.Embedding(buckets + 1, cfg.hidden, padding_idx=0)
        self.encoder = SequenceEncoder(cfg)
        self.apply(init_weights)
        self.register_buffer("held_out", torch.zeros(self.n_items + 1, dtype=torch.bool), persistent=False)
        # the sampled softmax's exact stratum: items grouped by first code (row 0, padding, in no group)
        first = np.concatenate([[-1], np.asarray(codes)[:, 0]]).astype(np.int64)
        order = np.argsort(first[1:], kind="stable") + 1
        self.register_buffer("first_code", torch.from_numpy(first), persistent=False)
        self.register_buffer("by_first_code", torch.from_numpy(order), persistent=False)
        # items per first code, 0..max (torch.split of by_first_code by these sizes gives group c as block c)
        self.first_code_sizes = np.bincount(first[1:], minlength=first.max() + 1).tolist()

    def hold_out(self, items: torch.Tensor) -> None:
        """Items that did not exist when the model was trained: never a class of the training softmax (their own
        full-ID n-gram and hashed rows are not pushed down); they are scored from their prefixes' vectors."""
        self.held_out[items] = True

    def item_vectors(self) -> torch.Tensor:
        """[N+1, d] every catalogue item's vector (row 0, padding, = 0). Built once per step and indexed from
        then on: each embedding lookup's backward fills a gradient the size of the whole prefix table."""
        vectors = self.prefixes(self.prefix_rows).sum(1)
        return vectors if self.buckets is None else vectors + self.buckets(self.bucket_of)

    def hidden(self, inputs: torch.Tensor, vectors: torch.Tensor) -> torch.Tensor:
        return self.encoder(vectors[inputs], inputs > 0)

    def loss(
        self, inputs: torch.Tensor, targets: torch.Tensor, negatives: SharedNegatives | None = None
    ) -> torch.Tensor:
        """Cross-entropy of the next item at every non-padding target: over the whole catalogue, or sampled
        (rec_sid_negatives; sasrec.sampled_softmax_loss) with the target's siblings under its first code exact.

        Why the exact stratum: every item's vector holds its first code's vector, so the full softmax pushes all the
        target's siblings down through it at every step; K draws from a large catalogue rarely hold one of them, and
        plain sampling lost 9-10% held-out NDCG@10 on both test categories, against ~3% with the siblings exact
        (README "Losses"). It costs M x (siblings) dot products, one dense block per first code in the batch."""
        vectors = self.item_vectors()
        h = self.hidden(inputs, vectors)
        has_target = targets > 0
        h, pos = h[has_target], targets[has_target]
        if negatives is not None:
            exact = (self.first_code, self.sibling_logsumexp(h, pos, vectors))
            return sampled_softmax_loss(h, pos, vectors, negatives, exact)
        logits = h @ vectors.T
        logits[:, 0] = float("-inf")
        return F.cross_entropy(logits.masked_fill(self.held_out, float("-inf")), pos)

    def sibling_logsumexp(self, h: torch.Tensor, pos: torch.Tensor, vectors: torch.Tensor) -> torch.Tensor:
        """[M] log of the summed exp(score) of each target's siblings: the items under its first code but itself
        and the held-out ones (a row with none gets -1e30: a term that adds nothing). Rows and items are sorted by
        first code and cut with torch.split, whose backward is one concatenation: indexing or slicing per block
        would give every block a gradient the size of the whole table. `vectors`: this step's item_vectors()."""
        group = self.first_code[pos]
        order = torch.argsort(group, stable=True)
        codes, counts = torch.unique_consecutive(group[order], return_counts=True)
        row_blocks = torch.split(h[order], counts.tolist())
        target_blocks = torch.split(pos[order], counts.tolist())
        item_blocks = torch.split(self.by_first_code, self.first_code_sizes)
        vector_blocks = torch.split(vectors[self.by_first_code], self.first_code_sizes)
        lse = []
        for code, rows, targets in zip(codes.tolist(), row_blocks, target_blocks):
            items = item_blocks[code]
            logits = rows @ vector_blocks[code].T  # [rows, siblings]: one dense block per first code
            left_out = (items[None, :] == targets[:, None]) | self.held_out[items][None, :]
            lse.append(logits.masked_fill(left_out, -1e30).logsumexp(1))
        return torch.empty_like(h[:, 0]).index_copy(0, order, torch.cat(lse))

    @torch.no_grad()
    def score(self, inputs: torch.Tensor) -> torch.Tensor:
        """[B, N + 1] scores of every catalogue item; column 0 (padding) = -inf."""
        vectors = self.item_vectors()
        scores = self.hidden(inputs.to(vectors.device), vectors)[:, -1] @ vectors.T
        scores[:, 0] = float("-inf")
        return scores

    def step_scorer(self, inputs: torch.Tensor, trie: CodeTrie) -> StepScores:
        """Beam search's step scores (python_jobs.generate.beam): the step score of code c under a prefix is
        log p(prefix + c | prefix) under this model's softmax over items, i.e. the logsumexp of the item
        log-probabilities below the extended prefix minus that below the prefix. Summed over the levels it is the
        item's exact log-probability, so a finished beam ranks like `score`, and the beam keeps the prefixes that
        hold the most probability mass, as the factorised head's chain rule does. (Partial dot products, one term
        per prefix vector, are unnormalised and of any sign: pruning on them kept 79% of the exact top 10 at width
        20 on the sample, against 99% here.) The marginals come from the catalogue's scores, one matmul per batch,
        so this head's beam is never cheaper than exhaustive scoring: it generates IDs level by level with exact
        prefix probabilities; the factorised head is the one whose beam skips the catalogue. `trie` must be built
        from this model's codes."""
        if trie.n_items != self.n_items:
            raise ValueError(f"the trie has {trie.n_items} items, the model {self.n_items}")
        log_p = self.score(inputs)[:, 1:].log_softmax(-1)  # [B, N] (padding column dropped)
        below = []  # per level: (first table row of the level, [B, prefixes of the level] log p below each prefix)
        for level in range(self.prefix_rows.size(1)):
            rows = self.prefix_rows[1:, level]
            first = int(rows.min())  # prefix_ids numbers each level's prefixes contiguously
            below.append((first, segment_logsumexp(log_p, rows - first, int(rows.max()) - first + 1)))

        def step_scores(step: Step) -> torch.Tensor:
            user, beam, code = step.valid.nonzero(as_tuple=True)  # only the codes that exist: a few per beam
            item = trie.first_item[step.level][step.children[user, beam, code]] + 1  # any item under the new prefix
            first, mass = below[step.level]
            value = mass[user, self.prefix_rows[item, step.level] - first]
            if step.level:
                first, parent_mass = below[step.level - 1]
                value = value - parent_mass[user, self.prefix_rows[item, step.level - 1] - first]
            out = log_p.new_full(step.valid.shape, float("-inf"))
            out[user, beam, code] = value
            return out

        return step_scores
