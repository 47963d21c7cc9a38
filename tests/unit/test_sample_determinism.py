"""The generator is a pure function of its config: same seed, same bytes; any worker count."""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import pytest

from python_jobs.data.sample import SampleConfig, generate, preset
from python_jobs.data.sample.writer import crc32_combine

TINY = dict(n_items=600, n_users=300, n_interactions=2_400, bad_lines=9, items_per_chunk=150, users_per_chunk=80)


def _files(raw: Path, category: str = "sample") -> tuple[bytes, bytes]:
    d = raw / category
    return (d / f"meta_{category}.jsonl.gz").read_bytes(), (d / f"{category}.train.csv.gz").read_bytes()


def test_same_seed_gives_identical_bytes(tmp_path: Path) -> None:
    generate(SampleConfig(**TINY), tmp_path / "a")
    generate(SampleConfig(**TINY), tmp_path / "b")
    assert _files(tmp_path / "a") == _files(tmp_path / "b")


def test_worker_count_does_not_change_bytes(tmp_path: Path) -> None:
    generate(SampleConfig(**TINY, workers=1), tmp_path / "one")
    generate(SampleConfig(**TINY, workers=2), tmp_path / "two")
    assert _files(tmp_path / "one") == _files(tmp_path / "two")


def test_different_seed_differs(tmp_path: Path) -> None:
    generate(SampleConfig(**TINY, seed=1), tmp_path / "a")
    generate(SampleConfig(**TINY, seed=2), tmp_path / "b")
    meta_a, csv_a = _files(tmp_path / "a")
    meta_b, csv_b = _files(tmp_path / "b")
    assert meta_a != meta_b and csv_a != csv_b


def test_gzip_is_standard_single_member_with_zero_mtime(tmp_path: Path) -> None:
    generate(SampleConfig(**TINY), tmp_path)
    for blob in _files(tmp_path):
        assert blob[:4] == b"\x1f\x8b\x08\x00"  # deflate, no name/comment flags
        assert blob[4:8] == b"\x00\x00\x00\x00"  # mtime 0
        data = gzip.decompress(blob)  # verifies CRC and length
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        assert d.decompress(blob) == data and d.unused_data == b""  # exactly one member


def test_category_name_is_validated() -> None:
    with pytest.raises(ValueError):
        SampleConfig(category="../etc")


def test_preset_overrides_and_counts() -> None:
    cfg = preset("full", n_items=1000, bad_lines=None)
    assert cfg.n_items == 1000 and cfg.n_interactions == 736_827 and cfg.bad_lines == 0
    with pytest.raises(ValueError):
        SampleConfig(n_users=10, n_interactions=5)


@pytest.mark.parametrize("split", [0, 1, 1000, 4095, 4096, 10_000])
def test_crc32_combine_matches_zlib(split: int) -> None:
    data = bytes(range(256)) * 40 + b"tail"
    a, b = data[:split], data[split:]
    assert crc32_combine(zlib.crc32(a), zlib.crc32(b), len(b)) == zlib.crc32(data)


def test_committed_sample_is_what_the_generator_writes(tmp_path: Path) -> None:
    """data/raw/sample is `sample --preset small --seed 42`; compared decompressed, so another zlib build
    (which may deflate differently) does not matter."""
    committed = Path(__file__).resolve().parents[2] / "data" / "raw"
    if not (committed / "sample" / "meta_sample.jsonl.gz").exists():
        pytest.skip("committed sample not present")
    generate(preset("small", seed=42), tmp_path)
    for a, b in zip(_files(committed), _files(tmp_path)):
        assert gzip.decompress(a) == gzip.decompress(b)
