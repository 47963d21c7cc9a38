"""Embeddings: the cache with a fake encoder (fast), and the real packaged model (python_jobs.semantic_ids.embed)."""

from __future__ import annotations

import dataclasses
import hashlib

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from python_jobs.common.settings import SettingsError
from python_jobs.semantic_ids import embed
from python_jobs.semantic_ids.embed import (
    EmbedConfig,
    EmbeddingCache,
    cosine_per_item,
    embed_items,
    embed_texts,
    length_sorted_batches,
    token_lengths,
)
from python_jobs.semantic_ids.settings import SemanticIdSettings


def embed_config(**changes) -> EmbedConfig:
    """The embedding config of the dbt_project.yml vars, with some fields changed."""
    return dataclasses.replace(SemanticIdSettings.load().embed_config(), **changes)


class FakeEncoder:
    """Deterministic unit vectors from the text's hash; records what it was asked to encode."""

    def __init__(self, dim: int = 8) -> None:
        self.dim = dim
        self.seen: list[str] = []
        self.batches: list[list[str]] = []

    def encode(
        self, texts, batch_size, prompt=None, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
    ):
        self.batches.append(list(texts))
        self.seen.extend(texts)
        out = []
        for t in texts:
            seed = int(hashlib.sha256(((prompt or "") + t).encode()).hexdigest()[:8], 16)
            v = np.random.default_rng(seed).normal(size=self.dim)
            out.append(v / np.linalg.norm(v))
        return np.asarray(out, dtype=np.float32)


@pytest.fixture
def fake(monkeypatch):
    encoder = FakeEncoder()
    monkeypatch.setattr(embed, "load_encoder", lambda config: encoder)
    return encoder


def items(pairs):
    return pa.table({"parent_asin": [a for a, _ in pairs], "item_context": [t for _, t in pairs]})


def test_cache_re_embeds_only_changed_texts(tmp_path, fake):
    config = embed_config()
    first = embed_items(
        items([("B2", "red mouse"), ("A1", "blue keyboard"), ("C3", "green pad")]), config, tmp_path, progress=False
    )
    assert sorted(fake.seen) == ["blue keyboard", "green pad", "red mouse"]
    assert first.stats.n_embedded == 3 and first.stats.n_cached == 0
    fake.seen.clear()
    second = embed_items(
        items([("A1", "blue keyboard"), ("B2", "red mouse v2"), ("C3", "green pad"), ("D4", "yellow cable")]),
        config,
        tmp_path,
        progress=False,
    )
    assert sorted(fake.seen) == ["red mouse v2", "yellow cable"]
    assert second.stats.n_cached == 2 and second.stats.n_embedded == 2
    a = dict(zip(first.table.column("parent_asin").to_pylist(), first.table.column("embedding").to_pylist()))
    b = dict(zip(second.table.column("parent_asin").to_pylist(), second.table.column("embedding").to_pylist()))
    assert a["A1"] == b["A1"] and a["C3"] == b["C3"] and a["B2"] != b["B2"]


def test_fully_cached_run_never_loads_the_encoder(tmp_path, fake, monkeypatch):
    table = items([("A1", "x"), ("B2", "y")])
    embed_items(table, embed_config(), tmp_path, progress=False)

    def boom(config):
        raise AssertionError("encoder loaded although every text was cached")

    monkeypatch.setattr(embed, "load_encoder", boom)
    again = embed_items(table, embed_config(), tmp_path, progress=False)
    assert again.stats.n_cached == 2 and again.stats.n_embedded == 0


def test_model_settings_are_part_of_the_cache_key(tmp_path, fake):
    table = items([("A1", "x")])
    embed_items(table, embed_config(), tmp_path, progress=False)
    fake.seen.clear()
    embed_items(table, embed_config(instruction="Represent: "), tmp_path, progress=False)
    embed_items(table, embed_config(max_length=32), tmp_path, progress=False)
    assert fake.seen == ["x", "x"]
    keys = {
        embed_config().model_key(),
        embed_config(instruction="Represent: ").model_key(),
        embed_config(max_length=32).model_key(),
        embed_config(dtype="float16").model_key(),
        embed_config(model="Qwen/Qwen3-Embedding-0.6B").model_key(),
    }
    assert len(keys) == 5
    # aliases of the packaged model share one key
    assert embed_config(model="all-MiniLM-L6-v2").model_key() == embed_config().model_key()


def test_duplicate_texts_are_embedded_once_and_batches_are_length_sorted(fake):
    texts = ["aa", "a", "aaaa", "aa", "aaa"]
    vectors, stats = embed_texts(texts, embed_config(batch_size=2), cache=None, progress=False, encoder=fake)
    assert stats.n_unique_texts == 4 and sorted(fake.seen) == ["a", "aa", "aaa", "aaaa"]
    assert fake.batches == [["aaaa", "aaa"], ["aa", "a"]]
    assert np.array_equal(vectors[0], vectors[3])
    assert length_sorted_batches(["b", "ccc", "a", "dd"], 3) == [[1, 3, 0], [2]]


def test_output_table_schema_and_order(tmp_path, fake):
    out = embed_items(items([("B2", "y"), ("A1", "x")]), embed_config(), tmp_path, progress=False).table
    assert out.column_names == ["parent_asin", "embedding", "model", "text_hash"]
    assert out.column("parent_asin").to_pylist() == ["A1", "B2"]
    assert out.schema.field("embedding").type == pa.list_(pa.float32(), 8)
    assert out.column("text_hash")[0].as_py() == hashlib.sha256(b"x").hexdigest()
    norms = np.linalg.norm(np.array(out.column("embedding").to_pylist()), axis=1)
    np.testing.assert_allclose(norms, 1.0, rtol=1e-5)


def test_bad_items_are_rejected_with_a_clear_error(tmp_path, fake):
    with pytest.raises(ValueError, match="empty item_context"):
        embed_items(items([("A1", "x"), ("B2", "  ")]), embed_config(), tmp_path, progress=False)
    with pytest.raises(ValueError, match="empty item_context"):
        embed_items(items([("A1", None)]), embed_config(), tmp_path, progress=False)
    with pytest.raises(ValueError, match="duplicate"):
        embed_items(items([("A1", "x"), ("A1", "y")]), embed_config(), tmp_path, progress=False)
    with pytest.raises(ValueError, match="lacks column"):
        embed_items(pa.table({"parent_asin": ["A1"]}), embed_config(), tmp_path, progress=False)


def test_cache_store_round_trip(tmp_path):
    cache = EmbeddingCache(tmp_path / "e.sqlite")
    vecs = np.arange(6, dtype=np.float32).reshape(2, 3)
    cache.put_many("m", ["h1", "h2"], vecs)
    got = cache.get_many("m", ["h1", "h2", "h3"])
    assert set(got) == {"h1", "h2"} and np.array_equal(got["h2"], vecs[1])
    assert cache.get_many("other", ["h1"]) == {}
    assert cache.count("m") == 2
    cache.close()


def test_settings_from_dbt_vars():
    config = SemanticIdSettings.load(
        {
            "embedding_batch_size": "32",
            "embedding_max_length": 0,
            "embedding_instruction": "default",
            "embedding_device": "cpu",
        }
    ).embed_config()
    assert config.batch_size == 32 and config.max_length is None and config.instruction is None
    assert SemanticIdSettings.load({"embedding_instruction": ""}).embed_config().effective_instruction == ""
    qwen = embed_config(model="Qwen/Qwen3-Embedding-0.6B")
    assert qwen.spec.dim == 1024 and qwen.spec.pooling == "lasttoken"
    assert qwen.effective_instruction.startswith("Instruct: ") and qwen.effective_instruction.endswith("Query: ")
    assert embed_config().effective_instruction == ""


def test_cpu_precision_is_in_the_key_and_applies_on_the_cpu_only(tmp_path, fake, monkeypatch):
    fp32 = embed_config(device="cpu", cpu_precision="fp32")
    fast = embed_config(device="cpu", cpu_precision="bf16-autocast")
    assert not fp32.cpu_autocast and fast.cpu_autocast
    # the fp32 key is the one earlier versions wrote (their caches stay valid); the fast one is another
    assert fp32.model_key().endswith("|float32|l2") and fast.model_key().endswith("|float32+cpu-bf16-autocast|l2")
    # different vectors never share a cache entry
    table = items([("A1", "x")])
    embed_items(table, fp32, tmp_path, progress=False)
    embed_items(table, fast, tmp_path, progress=False)
    assert fake.seen == ["x", "x"]
    # half-precision weights keep their own path and key
    half = embed_config(device="cpu", dtype="bfloat16", cpu_precision="bf16-autocast")
    assert not half.cpu_autocast and half.model_key() == embed_config(device="cpu", dtype="bfloat16").model_key()
    # a GPU (explicit, or found by auto) runs as before: same key as fp32
    monkeypatch.setattr(embed, "resolve_device", lambda device: "cuda")
    on_gpu = embed_config(device="auto", cpu_precision="bf16-autocast")
    assert not on_gpu.cpu_autocast and on_gpu.model_key() == fp32.model_key()
    assert not embed_config(device="cuda:0", cpu_precision="bf16-autocast").cpu_autocast
    with pytest.raises(ValueError, match="cpu_precision"):
        embed_config(cpu_precision="int8")


def test_cpu_precision_var_and_flag():
    assert SemanticIdSettings.load({"embedding_cpu_precision": "fp32"}).embed_config().cpu_precision == "fp32"
    with pytest.raises(SettingsError, match="embedding_cpu_precision"):
        SemanticIdSettings.load({"embedding_cpu_precision": "int8"})
    from click.testing import CliRunner

    from python_jobs.semantic_ids.cli import embed as embed_cli

    shown = CliRunner().invoke(embed_cli, ["--help"]).output
    assert "--cpu-precision [bf16-autocast|fp32]" in shown


def test_cosine_per_item():
    a = np.array([[1.0, 0.0], [0.0, 2.0]], dtype=np.float32)
    b = np.array([[3.0, 0.0], [1.0, 1.0]], dtype=np.float32)
    np.testing.assert_allclose(cosine_per_item(a, b), [1.0, np.sqrt(0.5)], rtol=1e-6)
    with pytest.raises(ValueError, match="shapes differ"):
        cosine_per_item(a, b[:1])


# ---- the real packaged model (sentence-transformers import: a few seconds) ----------------------------------


@pytest.fixture(scope="module")
def minilm():
    return embed.load_encoder(embed_config(device="cpu"))


PRODUCT_TEXTS = [
    "Product: SUPCO SPP6 Relay/Capacitor Hard Start Kit\nDescription: increased compressor starting torque for "
    "permanent split capacitor single phase a/c and heat pump systems.",
    "Product: Carrying Case for PlayStation 3\nDescription: holds 20 game cartridges, zipper, mesh pocket.",
    "wireless gaming mouse",
    "Product: 3M Safety Glasses, anti-fog, clear lens, ANSI Z87.1 " * 12,  # truncated at 256 tokens
]


def fp32_and(minilm, config: EmbedConfig, encoder) -> tuple[np.ndarray, np.ndarray]:
    """PRODUCT_TEXTS by the plain fp32 model, and by `encoder` run as `config` says."""
    reference, _ = embed_texts(
        PRODUCT_TEXTS, embed_config(device="cpu", cpu_precision="fp32"), None, progress=False, encoder=minilm
    )
    other, _ = embed_texts(PRODUCT_TEXTS, config, None, progress=False, encoder=encoder)
    return reference, other


def test_bf16_autocast_keeps_the_meaning_of_every_vector(minilm):
    """The acceptance check of the fast CPU path (issue 19): cosine to fp32 >= 0.99 for every item."""
    reference, fast = fp32_and(minilm, embed_config(device="cpu", cpu_precision="bf16-autocast"), minilm)
    assert not np.array_equal(reference, fast)  # the bf16 path really ran
    assert cosine_per_item(reference, fast).min() >= 0.99
    np.testing.assert_allclose(np.linalg.norm(fast, axis=1), 1.0, rtol=1e-5)


def test_the_check_catches_a_path_that_changes_the_meaning(minilm):
    """A deliberately broken fast path (weights rounded to 2 significant bits) fails the same check."""
    import copy

    import torch

    broken = copy.deepcopy(minilm)
    with torch.no_grad():
        for module in broken.modules():
            if isinstance(module, torch.nn.Linear):
                exponent = torch.floor(torch.log2(module.weight.abs().clamp_min(1e-12)))
                module.weight.copy_(torch.round(module.weight / 2.0**exponent * 2) / 2 * 2.0**exponent)
    reference, damaged = fp32_and(minilm, embed_config(device="cpu", cpu_precision="fp32"), broken)
    assert cosine_per_item(reference, damaged).min() < 0.99


def test_batches_follow_token_counts(minilm):
    texts = ["a b c d e f g h", "internationalization", "x " * 1000]
    lengths = token_lengths(minilm, texts, None, 256)
    assert lengths[0] == 10 and lengths[2] == 256  # [CLS] + 8 words + [SEP]; truncated like the encoder
    assert lengths[1] < lengths[0]  # more characters, fewer tokens
    assert token_lengths(minilm, texts[:1], "query: ", 256)[0] == 12  # the prompt is counted
    assert token_lengths(FakeEncoder(), texts, None, 256) is None  # no tokenizer: characters
    assert length_sorted_batches(texts, 2, lengths) == [[2, 0], [1]]


def test_packaged_minilm_gives_normalised_384d_semantic_vectors(minilm, tmp_path):
    texts = ["wireless gaming mouse", "cordless mouse for gaming", "banana bread recipe"]
    vectors, stats = embed_texts(
        texts, embed_config(device="cpu"), EmbeddingCache(tmp_path / "c.sqlite"), progress=False, encoder=minilm
    )
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    assert vectors[0] @ vectors[1] > 0.6 > vectors[0] @ vectors[2]
    # batch composition does not change a vector beyond float noise (the cache may mix batches)
    single, _ = embed_texts(texts[:1], embed_config(device="cpu"), None, progress=False, encoder=minilm)
    np.testing.assert_allclose(single[0], vectors[0], atol=1e-5)


def test_missing_hub_model_fails_fast_with_instructions(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(embed.EmbeddingModelUnavailable, match="huggingface-cli download Qwen/Qwen3-Embedding-0.6B"):
        embed.load_encoder(embed_config(model="Qwen/Qwen3-Embedding-0.6B", device="cpu"))


def test_last_token_pooling_with_instruction_matches_a_manual_computation(minilm, tmp_path, monkeypatch):
    """The Qwen3 path (last-token pooling, instruction prefix, L2 norm) run on a local stand-in model."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    folder = tmp_path / "lasttoken-model"
    minilm[1].pooling_mode = "lasttoken"
    try:
        minilm.save(str(folder))
    finally:
        minilm[1].pooling_mode = "mean"
    spec = embed.ModelSpec(str(folder), 384, "lasttoken", "Instruct: find products\nQuery: ", 64)
    monkeypatch.setitem(embed.KNOWN_MODELS, "stand-in-qwen", spec)
    # fp32 so the manual fp32 computation is the exact reference
    config = embed_config(model="stand-in-qwen", device="cpu", batch_size=4, cpu_precision="fp32")
    texts = ["a very long product description of a racing wheel with pedals", "short pad"]
    vectors, _ = embed_texts(texts, config, None, progress=False)

    tok = AutoTokenizer.from_pretrained(str(folder))
    model = AutoModel.from_pretrained(str(folder)).eval()
    batch = tok(
        [spec.instruction + t for t in texts], padding=True, truncation=True, max_length=64, return_tensors="pt"
    )
    with torch.no_grad():
        hidden = model(**batch).last_hidden_state
    last = batch["attention_mask"].sum(1) - 1
    expected = torch.nn.functional.normalize(hidden[torch.arange(len(texts)), last], dim=-1).numpy()
    np.testing.assert_allclose(vectors, expected, atol=1e-4)

    # a model whose pooling is not what the spec requires is refused
    monkeypatch.setitem(
        embed.KNOWN_MODELS,
        "stand-in-qwen",
        embed.ModelSpec(str(embed._model_location(embed_config())), 384, "lasttoken", "", 64),
    )
    with pytest.raises(embed.EmbeddingModelUnavailable, match="pooling"):
        embed.load_encoder(embed_config(model="stand-in-qwen", device="cpu"))


def test_embed_cli_fills_the_cache_and_leaves_the_dbt_owned_parquet_alone(tmp_path):
    """data/output/<cat>/item_embeddings.parquet has one writer, dbt's item_embeddings model."""
    from click.testing import CliRunner

    from python_jobs.semantic_ids.cli import embed as embed_cli

    items = tmp_path / "items.parquet"
    pq.write_table(pa.table({"parent_asin": ["A1", "B2"], "item_context": ["a red ball", "a blue cup"]}), items)
    data = tmp_path / "data"
    owned = data / "output" / "sample" / "item_embeddings.parquet"
    refused = CliRunner().invoke(
        embed_cli,
        ["--items", str(items), "--data-dir", str(data), "--out-dir", str(data / "output"), "--output", str(owned)],
    )
    assert refused.exit_code != 0 and "written by dbt" in refused.output
    done = CliRunner().invoke(embed_cli, ["--items", str(items), "--data-dir", str(data), "--device", "cpu", "--quiet"])
    assert done.exit_code == 0, done.output
    assert not owned.exists()
    cache = EmbeddingCache(data / "cache" / "sample" / "embeddings" / "embeddings.sqlite")
    assert cache.count() == 2
    cache.close()
