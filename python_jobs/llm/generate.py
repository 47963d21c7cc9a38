"""The fine-tuned LLM as a generator of Semantic IDs: prompts, constrained step scores, free generation.

Constrained decoding is python_jobs.generate.beam's beam search; this module supplies its step scores. A prompt
is the chat template over (system, user) with the generation prompt and `<|sid_start|>` appended, so the next
token is the first code. The score of appending code c at position p is the LLM's next-token log-probability of
the token `<|sid_{p*K+c}|>` (a softmax over the whole vocabulary: the sum over an ID's steps is log p(ID | prompt));
beam search reads it only where the code exists under the prefix. The prompt is run once per user; each level
then feeds one token per beam through the KV cache, reordered by the beams' parents.
"""

from __future__ import annotations

from typing import Any

from python_jobs.llm.vocab import REC, SID_START


def rec_prompt(history_sids: list[str], separator: str, max_history: int) -> str:
    """The `<|rec|>` prompt of stage 4's seq_rec template and the original's demo: the recent history, then <|rec|>."""
    return f"User: {separator.join(history_sids[-max_history:])}\n{REC}"


def chat_text(tokenizer: Any, system: str, user: str) -> str:
    messages = ([{"role": "system", "content": system}] if system else []) + [{"role": "user", "content": user}]
    return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)


def encode_for_ids(tokenizer: Any, system: str, users: list[str]) -> list[list[int]]:
    """Token ids of each prompt, ending with <|sid_start|>: the model's next token is an ID's first code."""
    return [
        tokenizer(chat_text(tokenizer, system, u) + SID_START, add_special_tokens=False)["input_ids"] for u in users
    ]


class LlmStepScores:
    """beam_search's step scores for a batch of prompts (see the module docstring). `token_table` [P, K]: the
    token id of (position, code) (python_jobs.llm.vocab.sid_token_id_table)."""

    def __init__(self, model: Any, token_table: list[list[int]], prompts: list[list[int]], pad_id: int) -> None:
        import torch

        self.model = model
        self.device = next(model.parameters()).device
        self.table = torch.tensor(token_table, dtype=torch.long, device=self.device)
        width = max(len(p) for p in prompts)
        # left padding: every prompt's last token sits in the last column
        self.input_ids = torch.tensor([[pad_id] * (width - len(p)) + p for p in prompts], device=self.device)
        self.mask = torch.tensor([[0] * (width - len(p)) + [1] * len(p) for p in prompts], device=self.device)
        self.cache: Any = None
        self.beams = 1

    def __call__(self, step: Any) -> Any:
        import torch

        users, width, _ = step.valid.shape
        with torch.no_grad():
            if step.level == 0:
                logits = self._prompt_logits()
            else:
                logits = self._beam_logits(step, users)
        log_probs = torch.log_softmax(logits.float(), dim=-1)[:, self.table[step.level]]
        self.beams = width
        return log_probs.view(users, -1, log_probs.shape[-1]).expand(users, width, -1).to(step.valid.device)

    def _prompt_logits(self) -> Any:
        from transformers import DynamicCache

        self.cache = DynamicCache()
        return self._forward(self.input_ids, (self.mask.cumsum(-1) - 1).clamp(min=0))

    def _beam_logits(self, step: Any, users: int) -> Any:
        import torch

        parents = step.parents.to(self.device)
        order = (torch.arange(users, device=self.device)[:, None] * self.beams + parents).flatten()
        self.cache.reorder_cache(order)
        self.mask = torch.cat([self.mask[order], torch.ones_like(self.mask[order, :1])], dim=1)
        codes = step.prefixes[:, :, -1].to(self.device).flatten()
        tokens = self.table[step.level - 1][codes][:, None]
        return self._forward(tokens, (self.mask.sum(-1, keepdim=True) - 1).clamp(min=0))

    def _forward(self, ids: Any, positions: Any) -> Any:
        """Feed `ids` [rows, tokens] at `positions` through the KV cache (under self.mask, which covers the cache and
        `ids`); the cache grows by them. Returns the next-token logits of each row."""
        out = self.model(
            input_ids=ids,
            attention_mask=self.mask,
            position_ids=positions,
            past_key_values=self.cache,
            use_cache=True,
        )
        self.cache = out.past_key_values
        return out.logits[:, -1]


def generate_text(
    model: Any, tokenizer: Any, system: str, users: list[str], max_new_tokens: int, stop: tuple[str, ...] = ()
) -> list[str]:
    """Free greedy generation (no constraint): the assistant's answer to each prompt, special tokens kept; it ends
    at the end of the turn, or at any of the `stop` tokens (e.g. <|sid_end|>: only the first ID is wanted)."""
    import torch

    ends = [tokenizer.eos_token_id, *tokenizer.convert_tokens_to_ids(["<|im_end|>", *stop])]
    ends = [e for e in dict.fromkeys(ends) if e is not None and e != tokenizer.unk_token_id]

    answers = []
    device = next(model.parameters()).device
    for user in users:
        ids = tokenizer(chat_text(tokenizer, system, user), add_special_tokens=False, return_tensors="pt")
        with torch.no_grad():
            out = model.generate(
                **ids.to(device),
                max_new_tokens=max_new_tokens,
                do_sample=False,
                eos_token_id=ends,
                pad_token_id=tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id,
            )
        text = tokenizer.decode(out[0, ids["input_ids"].shape[1] :], skip_special_tokens=False)
        answers.append(text.split("<|im_end|>")[0].strip())
    return answers


def beam_ids(
    model: Any,
    tokenizer: Any,
    trie: Any,
    system: str,
    users: list[str],
    width: int,
    batch_users: int = 4,
    progress: bool = False,
) -> Any:
    """Constrained beam search for each prompt: a TopK (item rows [U, width] best first, -1 = none; scores; codes)."""
    import torch
    from tqdm import tqdm

    from python_jobs.generate.beam import TopK, beam_search
    from python_jobs.llm.vocab import sid_token_id_table

    table = sid_token_id_table(tokenizer, trie.levels, trie.codebook_size)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    parts = []
    starts = range(0, len(users), batch_users)
    for start in tqdm(starts, desc="llm beam search", unit="batch", disable=not progress):
        batch = users[start : start + batch_users]
        scorer = LlmStepScores(model, table, encode_for_ids(tokenizer, system, batch), pad)
        top = beam_search(trie, scorer, n_users=len(batch), width=width, label="llm")
        parts.append(top)
    return TopK(*(torch.cat([getattr(p, f) for p in parts]) for f in ("items", "scores", "codes")))
