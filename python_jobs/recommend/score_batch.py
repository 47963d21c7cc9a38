"""How many users one scoring pass takes (early stopping and evaluation alike).

A pass holds [users, N + 1] float32 scores on the model's device plus what ranking them needs (a scattered copy,
two comparison masks, sid_sasrec's per-level scores): BYTES_PER_SCORE per item and user, generously. On CPU a
larger batch is no faster, so it stays at the 256 it always was; on CUDA the batch fills half the free memory
(the rest is the model, the allocator's slack and whatever else runs). Ranks do not depend on it: every row is
scored and ranked on its own.
"""

from __future__ import annotations

import torch

CPU_USERS = 256
BYTES_PER_SCORE = 32
FREE_SHARE = 0.5


def score_batch_size(requested: int, device: str, n_items: int, max_len: int, hidden: int) -> int:
    """requested > 0: that many users; 0 = auto (CPU_USERS on CPU, from the free memory on CUDA)."""
    if requested > 0:
        return requested
    if not str(device).startswith("cuda"):
        return CPU_USERS
    free, _ = torch.cuda.mem_get_info(torch.device(device))
    # scores and ranking, plus the encoder's activations of one layer (no_grad: layers are not kept)
    per_user = BYTES_PER_SCORE * (n_items + 1) + 4 * max_len * hidden * 16
    return max(1, int(free * FREE_SHARE) // per_user)
