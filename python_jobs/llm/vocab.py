"""The Semantic-ID vocabulary: the tokens stage 4 writes, added to a tokenizer and a model.

Stage 4 writes an ID as `<|sid_start|><|sid_t0|>...<|sid_tP-1|><|sid_end|>` with t = position * codebook_size + code
(macros/semantic_ids.sql), P = sid_levels + 1 (the last position is the collision index); the `<|rec|>` prompt
ends a user's history. Each of these strings becomes one special token, so an ID is exactly P + 2 tokens.

New embedding rows start at the mean of the existing rows plus Gaussian noise with each dimension's standard
deviation times INIT_NOISE (so they sit inside the cloud of real tokens, distinct from each other, without the
outliers a random init gives). An untied output head gets the same initialisation for its new rows; a tied one
shares the input rows.
"""

from __future__ import annotations

import re
from typing import Any

SID_START, SID_END, REC = "<|sid_start|>", "<|sid_end|>", "<|rec|>"
INIT_NOISE = 0.1
_SID_TOKEN = re.compile(r"<\|sid_(\d+)\|>")


def code_token(position: int, code: int, codebook_size: int) -> str:
    return f"<|sid_{position * codebook_size + code}|>"


def sid_tokens(positions: int, codebook_size: int) -> list[str]:
    """Every token a Semantic ID can contain, in the order they are added: start, end, rec, then the codes."""
    codes = [code_token(p, c, codebook_size) for p in range(positions) for c in range(codebook_size)]
    return [SID_START, SID_END, REC, *codes]


def format_sid(codes: tuple[int, ...] | list[int], codebook_size: int) -> str:
    return SID_START + "".join(code_token(p, c, codebook_size) for p, c in enumerate(codes)) + SID_END


def parse_sids(text: str, positions: int, codebook_size: int) -> list[tuple[int, ...]]:
    """The complete IDs in a text, as code tuples (position offsets removed); a malformed one is skipped
    (the invalid-ID rate counts them: see evaluate.py)."""
    found = []
    for body in re.findall(re.escape(SID_START) + r"(.*?)" + re.escape(SID_END), text):
        tokens = [int(t) for t in _SID_TOKEN.findall(body)]
        if (
            len(tokens) == positions
            and _SID_TOKEN.sub("", body) == ""
            and all(t // codebook_size == p for p, t in enumerate(tokens))
        ):
            found.append(tuple(t - p * codebook_size for p, t in enumerate(tokens)))
    return found


def extend_vocabulary(model: Any, tokenizer: Any, positions: int, codebook_size: int, seed: int) -> list[int]:
    """Adds the Semantic-ID tokens to the tokenizer and the rows to the model (see the module docstring for the
    initialisation); returns the new token ids. Tokens already present (a resumed model) are not added again."""
    import torch

    tokens = sid_tokens(positions, codebook_size)
    old_rows = model.get_input_embeddings().weight.shape[0]
    tokenizer.add_tokens(tokens, special_tokens=True)
    new_ids = tokenizer.convert_tokens_to_ids(tokens)
    if max(new_ids) < old_rows:
        return new_ids
    model.resize_token_embeddings(len(tokenizer), mean_resizing=False)
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for matrix in _embedding_matrices(model):
            old = matrix[:old_rows].float()
            mean, std = old.mean(0), old.std(0)
            noise = torch.randn(matrix.shape[0] - old_rows, matrix.shape[1], generator=generator)
            matrix[old_rows:] = (mean + INIT_NOISE * std * noise).to(matrix.dtype)
    return new_ids


def _embedding_matrices(model: Any) -> list[Any]:
    """The input embedding, and the output head when it is not tied to it."""
    inputs = model.get_input_embeddings().weight
    head = model.get_output_embeddings()
    if head is None or head.weight.data_ptr() == inputs.data_ptr():
        return [inputs]
    return [inputs, head.weight]


def mask_old_rows(model: Any, first_new_row: int) -> list[Any]:
    """Phase `vocab`: only the new rows learn. Every other parameter is frozen and the gradient of the old rows of
    the embedding (and an untied head) is zeroed by a hook; returns the hook handles."""
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    handles = []
    for matrix in _embedding_matrices(model):
        matrix.requires_grad_(True)

        def keep_new_rows(grad: Any) -> Any:
            grad = grad.clone()
            grad[:first_new_row] = 0
            return grad

        handles.append(matrix.register_hook(keep_new_rows))
    return handles


def sid_token_id_table(tokenizer: Any, positions: int, codebook_size: int) -> list[list[int]]:
    """token id of (position, code), for the step scores of constrained decoding."""
    return [
        tokenizer.convert_tokens_to_ids([code_token(p, c, codebook_size) for c in range(codebook_size)])
        for p in range(positions)
    ]
