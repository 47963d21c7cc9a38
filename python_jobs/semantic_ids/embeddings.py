"""The quantizers' input: item embeddings keyed and sorted by parent_asin, checked on the way in."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq


@dataclass(frozen=True)
class EmbeddingSet:
    """Item embeddings sorted by parent_asin, so row order upstream never changes a model or an ID."""

    asins: np.ndarray  # [N] str
    x: np.ndarray  # [N, D] float32

    @property
    def n(self) -> int:
        return int(self.x.shape[0])

    @property
    def dim(self) -> int:
        return int(self.x.shape[1])

    @classmethod
    def from_arrow(cls, table: pa.Table, key: str = "parent_asin", column: str = "embedding") -> EmbeddingSet:
        missing = {key, column} - set(table.column_names)
        if missing:
            raise ValueError(f"embeddings table lacks column(s) {sorted(missing)}; has {table.column_names}")
        asins = np.asarray(table.column(key).to_pylist(), dtype=object)
        if any(a is None for a in asins):
            raise ValueError(f"embeddings table has {sum(a is None for a in asins)} null {key}")
        emb = table.column(column).combine_chunks()
        if emb.null_count:
            raise ValueError(f"{emb.null_count} items have a null embedding")
        if not pa.types.is_fixed_size_list(emb.type):
            lengths = set(pc.list_value_length(emb).to_pylist())
            if len(lengths) > 1:
                raise ValueError(f"embeddings have different lengths: {sorted(lengths)[:5]}")
        x = emb.flatten().to_numpy(zero_copy_only=False).astype(np.float32).reshape(len(asins), -1)
        return cls.build(asins, x)

    @classmethod
    def build(cls, asins: Any, x: np.ndarray) -> EmbeddingSet:
        asins = np.asarray([str(a) for a in asins], dtype=object)
        x = np.ascontiguousarray(x, dtype=np.float32)
        if len(asins) != x.shape[0]:
            raise ValueError(f"{len(asins)} keys but {x.shape[0]} embeddings")
        order = np.argsort(asins.astype(str), kind="stable")
        asins, x = asins[order], x[order]
        dup = asins[1:][asins[1:] == asins[:-1]]
        if len(dup):
            raise ValueError(f"{len(dup)} duplicate parent_asin in the embeddings, e.g. {list(dup[:3])}")
        if not np.isfinite(x).all():
            bad = asins[~np.isfinite(x).all(1)]
            raise ValueError(f"{len(bad)} embeddings contain NaN/inf, e.g. {list(bad[:3])}")
        return cls(asins, x)

    @classmethod
    def from_parquet(cls, path: Path | str) -> EmbeddingSet:
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(
                f"embeddings file {path} not found; build it with "
                f"`dbt build --select +item_embeddings` (fill the cache first with "
                f"`python -m python_jobs embed` on a GPU machine)"
            )
        return cls.from_arrow(pq.read_table(path, columns=["parent_asin", "embedding"]))

    def content_hash(self) -> str:
        """sha256 over (key, float32 bytes) in key order: identical for identical embeddings of identical items."""
        h = hashlib.sha256()
        h.update(f"{self.n}x{self.dim}".encode())
        for asin, row in zip(self.asins, self.x):
            h.update(asin.encode("utf-8") + b"\0")
            h.update(row.tobytes())
        return h.hexdigest()
