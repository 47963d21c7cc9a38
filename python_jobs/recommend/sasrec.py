"""SASRec over item IDs (Kang & McAuley 2018), and the causal transformer both stage-5 models share.

Read top to bottom: config -> attention -> block -> `SequenceEncoder` (shared with sid_sasrec.py) -> `SASRec`.

Conventions every stage-5 model follows (python_jobs.recommend.data builds the tensors):
* Items are indices 1..N into the catalogue (every item with a Semantic ID, sorted by parent_asin); 0 is padding
  and no item uses it.
* Sequences are right-aligned: the most recent item sits in the last column, padding on the left. Positions are
  counted from the end (the last item is always position 0), in training and in evaluation alike, so trimming a
  batch's all-padding columns changes nothing. (The original trained with the last item at position 100 and
  evaluated it at position <= 49.)
* Padding is a masked key (never attended to), not just a zero vector.
* `loss(inputs, targets, negatives)`: next-item loss at every non-padding target; `score(inputs)`: a score for
  every catalogue item after the last input item, [B, N + 1], column 0 (padding) = -inf. Evaluation ranks with it.

The two losses: bce = the target against one sampled negative per position (the original); ce = softmax
cross-entropy over the catalogue, either full (every item at every position: cost grows with items x positions)
or sampled (`sampled_softmax_loss`: K negatives shared by the whole batch, log-Q corrected, rec_ce_negatives).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

from python_jobs.recommend.data import SharedNegatives

LOSSES = ("ce", "bce")


@dataclass(frozen=True)
class EncoderConfig:
    """The rec_* sizes (train.encoder_config builds it from RecommendSettings; no defaults here)."""

    max_len: int  # items seen (the most recent ones)
    hidden: int
    blocks: int
    heads: int
    ffn: int
    dropout: float

    def to_dict(self) -> dict:
        return asdict(self)


class CausalSelfAttention(nn.Module):
    def __init__(self, cfg: EncoderConfig) -> None:
        super().__init__()
        self.heads = cfg.heads
        self.qkv = nn.Linear(cfg.hidden, 3 * cfg.hidden)  # fused projection: one matmul for q, k and v
        self.proj = nn.Linear(cfg.hidden, cfg.hidden)
        self.dropout = cfg.dropout
        self.resid_drop = nn.Dropout(cfg.dropout)

    def forward(self, x: torch.Tensor, allowed: torch.Tensor) -> torch.Tensor:
        """x [B, T, d]; allowed [B, 1, T, T] bool: query t may attend to key s."""
        b, t, d = x.shape
        q, k, v = self.qkv(x).view(b, t, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=allowed, dropout_p=self.dropout if self.training else 0.0)
        return self.resid_drop(self.proj(y.transpose(1, 2).reshape(b, t, d)))


class Block(nn.Module):
    """Pre-LayerNorm transformer block (the original's layout), GELU feed-forward."""

    def __init__(self, cfg: EncoderConfig) -> None:
        super().__init__()
        self.ln1 = nn.LayerNorm(cfg.hidden)
        self.attn = CausalSelfAttention(cfg)
        self.ln2 = nn.LayerNorm(cfg.hidden)
        self.ffn = nn.Sequential(
            nn.Linear(cfg.hidden, cfg.ffn), nn.GELU(), nn.Linear(cfg.ffn, cfg.hidden), nn.Dropout(cfg.dropout)
        )

    def forward(self, x: torch.Tensor, allowed: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.ln1(x), allowed)
        return x + self.ffn(self.ln2(x))


class SequenceEncoder(nn.Module):
    """Item vectors of a right-aligned sequence -> one hidden state per position (causal)."""

    def __init__(self, cfg: EncoderConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.positions = nn.Embedding(cfg.max_len, cfg.hidden)  # index 0 = the most recent item
        self.drop = nn.Dropout(cfg.dropout)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.blocks))
        self.ln_f = nn.LayerNorm(cfg.hidden)

    def forward(self, x: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
        """x [B, T, d] item vectors, real [B, T] bool (False = padding); T <= max_len."""
        t = x.size(1)
        if t > self.cfg.max_len:
            raise ValueError(f"sequence of {t} items is longer than max_len {self.cfg.max_len}")
        from_end = torch.arange(t - 1, -1, -1, device=x.device)
        # sqrt(d) scaling as in the paper: item vectors dominate the (small) position vectors at the input
        h = self.drop(x * math.sqrt(self.cfg.hidden) + self.positions(from_end)) * real.unsqueeze(-1)
        causal = torch.ones(t, t, dtype=torch.bool, device=x.device).tril()
        # a key is usable when it is earlier and real; the diagonal stays open so that a padding query still has
        # one key (an all-masked row would give NaN); padding positions' outputs are never read
        allowed = (causal & real[:, None, :]) | torch.eye(t, dtype=torch.bool, device=x.device)
        for block in self.blocks:
            h = block(h, allowed.unsqueeze(1))
        return self.ln_f(h)


def init_weights(module: nn.Module) -> None:
    """Small normal init (GPT-2 style) for linears and embeddings; padding rows stay zero."""
    if isinstance(module, nn.Linear):
        nn.init.normal_(module.weight, std=0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, nn.Embedding):
        nn.init.normal_(module.weight, std=0.02)
        if module.padding_idx is not None:
            with torch.no_grad():
                module.weight[module.padding_idx].zero_()


def sampled_softmax_loss(
    h: torch.Tensor,
    pos: torch.Tensor,
    items: torch.Tensor,
    negatives: SharedNegatives,
    exact: tuple[torch.Tensor, torch.Tensor] | None = None,
) -> torch.Tensor:
    """Cross-entropy of each target against K shared negatives instead of the whole catalogue.

    h [M, d] hidden states, pos [M] their targets, items [N + 1, d] the item vectors. The full softmax's
    denominator is exp(s_pos) + sum over the other items of exp(s_j); the target's term is kept exact and the
    rest is estimated by importance sampling from the draws: each draw counts exp(s_j) / (K * Q(j)), i.e. its
    logit minus log(K * Q(j)) (the log-Q correction; without it popular items are pushed down once per draw, far
    more than the full softmax does). A draw equal to the row's target (an accidental hit) is masked: the
    target is not its own negative. The loss tends to full-softmax CE as K grows, and equals it when the draws
    are every item once under a uniform Q.

    exact = (group [N + 1], lse [M]): a stratum scored exactly, the items of the target's group (lse = the
    logsumexp of their logits, target excluded). Draws inside the row's stratum are masked instead of the
    accidental hits alone, so the draws estimate only the sum outside it and nothing counts twice."""
    pos_logit = (h * items[pos]).sum(-1, keepdim=True)  # [M, 1]
    neg_logits = h @ items[negatives.ids].T - negatives.log_expected  # [M, K]: one matmul for the batch
    if exact is None:
        inside, columns = negatives.ids[None, :] == pos[:, None], [pos_logit]
    else:
        group, lse = exact
        inside, columns = group[negatives.ids][None, :] == group[pos][:, None], [pos_logit, lse[:, None]]
    logits = torch.cat([*columns, neg_logits.masked_fill(inside, float("-inf"))], 1)
    return F.cross_entropy(logits, torch.zeros_like(pos))  # the target is column 0


class SASRec(nn.Module):
    """Item-ID SASRec: one embedding per catalogue item, shared between the input and the output."""

    def __init__(self, n_items: int, cfg: EncoderConfig, loss: str = "ce") -> None:
        super().__init__()
        if loss not in LOSSES:
            raise ValueError(f"loss must be one of {LOSSES}, not {loss!r}")
        self.n_items, self.loss_kind = n_items, loss
        self.items = nn.Embedding(n_items + 1, cfg.hidden, padding_idx=0)
        self.encoder = SequenceEncoder(cfg)
        self.apply(init_weights)
        self.register_buffer("held_out", torch.zeros(n_items + 1, dtype=torch.bool), persistent=False)

    def hold_out(self, items: torch.Tensor) -> None:
        """Items that did not exist when the model was trained (rec_cold_item_share): never a softmax class in
        training, so their rows stay at their initialisation, as in a model trained before they were added."""
        self.held_out[items] = True

    def hidden(self, inputs: torch.Tensor) -> torch.Tensor:
        return self.encoder(self.items(inputs), inputs > 0)

    def loss(
        self, inputs: torch.Tensor, targets: torch.Tensor, negatives: torch.Tensor | SharedNegatives | None = None
    ) -> torch.Tensor:
        """inputs, targets [B, T] (targets[b, t] follows inputs[b, t]; 0 = no target); negatives: [B, T] for bce,
        SharedNegatives for a sampled ce, None for the full-softmax ce."""
        h = self.hidden(inputs)
        has_target = targets > 0
        h, pos = h[has_target], targets[has_target]
        if self.loss_kind == "ce" and isinstance(negatives, SharedNegatives):
            return sampled_softmax_loss(h, pos, self.items.weight, negatives)
        if self.loss_kind == "ce":
            # full softmax over the catalogue: the loss that ranks well under full ranking
            logits = h @ self.items.weight.T
            logits[:, 0] = float("-inf")
            return F.cross_entropy(logits.masked_fill(self.held_out, float("-inf")), pos)
        if negatives is None:
            raise ValueError("the bce loss needs one sampled negative per target")
        # the original: the target against one uniformly sampled item the user never interacted with
        e = self.items.weight
        pos_logit = (h * e[pos]).sum(-1)
        neg_logit = (h * e[negatives[has_target]]).sum(-1)
        return F.binary_cross_entropy_with_logits(
            pos_logit, torch.ones_like(pos_logit)
        ) + F.binary_cross_entropy_with_logits(neg_logit, torch.zeros_like(neg_logit))

    @torch.no_grad()
    def score(self, inputs: torch.Tensor) -> torch.Tensor:
        """[B, N + 1] scores of every catalogue item as the next item; column 0 (padding) = -inf. Inputs may be on
        any device; the scores are on the model's."""
        inputs = inputs.to(self.items.weight.device)
        scores = self.hidden(inputs)[:, -1] @ self.items.weight.T
        scores[:, 0] = float("-inf")
        return scores
