"""A fine-tuned LLM from the registry, and the catalogue it speaks about (IDs, codes, titles)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from python_jobs.llm.vocab import format_sid


def load_finetuned(entry: Path, device: str) -> tuple[Any, Any]:
    """(model in eval mode on `device`, bf16 on a CUDA GPU that supports it; tokenizer) of a registry entry."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder = Path(entry) / "model"
    if not (folder / "config.json").is_file():
        raise FileNotFoundError(f"{folder} holds no model: is {Path(entry).name} a complete llm entry?")
    dtype = torch.bfloat16 if device.startswith("cuda") and torch.cuda.is_bf16_supported() else torch.float32
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=dtype).to(device).eval()
    return model, AutoTokenizer.from_pretrained(folder)


@dataclass(frozen=True)
class ItemTable:
    """The catalogue as the trie numbers it: row i = asins[i], codes[i], titles[i]."""

    asins: np.ndarray
    codes: np.ndarray
    titles: list[str]
    codebook_size: int

    @classmethod
    def from_outputs(cls, out_dir: Path, codebook_size: int) -> ItemTable:
        """From stage 3's semantic_ids.parquet and stage 1's items.parquet (titles) in out_dir/<category>."""
        import pyarrow.parquet as pq

        from python_jobs.recommend.data import Catalogue

        paths = [Path(out_dir) / f"{name}.parquet" for name in ("semantic_ids", "items")]
        missing = [str(p) for p in paths if not p.is_file()]
        if missing:
            raise FileNotFoundError(f"missing {', '.join(missing)}: build stages 1-3 first (dbt build)")
        catalogue = Catalogue.from_arrow(pq.read_table(paths[0]))
        items = pq.read_table(paths[1], columns=["parent_asin", "title"]).to_pydict()
        title_of = dict(zip(items["parent_asin"], items["title"]))
        return cls(catalogue.asins, catalogue.codes, [title_of.get(a) or "" for a in catalogue.asins], codebook_size)

    def sid(self, row: int) -> str:
        return format_sid(tuple(int(c) for c in self.codes[row]), self.codebook_size)

    def row_of_codes(self) -> dict[tuple[int, ...], int]:
        return {tuple(int(c) for c in codes): i for i, codes in enumerate(self.codes)}

    def row_of_sid(self) -> dict[str, int]:
        return {self.sid(i): i for i in range(len(self.asins))}

    def trie(self) -> Any:
        from python_jobs.generate.trie import CodeTrie

        return CodeTrie.from_codes(self.codes, self.codebook_size)
