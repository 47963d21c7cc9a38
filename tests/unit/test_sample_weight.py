"""listing_weight="real" (the full and 10x presets): the real catalogue's weight on top of the light listings."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import pytest

from python_jobs.data.sample import SampleConfig, generate, preset
from python_jobs.data.sample.verify import META_FIELDS, classify_meta_line, meta_lines

TINY = dict(n_items=600, n_users=300, n_interactions=2_400, bad_lines=0, items_per_chunk=150, users_per_chunk=80)
LIGHT_FIELDS = tuple(f for f in META_FIELDS if f not in ("features", "images", "videos", "details"))


def _records(raw: Path) -> list[dict]:
    out = []
    for line in meta_lines(raw / "sample" / "meta_sample.jsonl.gz"):
        problem, record = classify_meta_line(line)
        assert problem is None
        out.append(record)
    return out


@pytest.fixture(scope="module")
def light_and_real(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[dict], list[dict], Path]:
    light, real = tmp_path_factory.mktemp("light"), tmp_path_factory.mktemp("real")
    generate(SampleConfig(**TINY), light)
    generate(SampleConfig(**TINY, listing_weight="real", workers=2), real)
    return _records(light), _records(real), real


def test_the_benchmark_presets_are_heavy_and_the_committed_one_light() -> None:
    assert preset("small").listing_weight == "light"
    assert preset("full").listing_weight == preset("10x").listing_weight == "real"
    with pytest.raises(ValueError):
        SampleConfig(listing_weight="heavy")


def test_real_weight_keeps_every_light_field(light_and_real) -> None:
    light, real, _ = light_and_real
    assert [tuple(r) for r in real] == [META_FIELDS] * len(light)
    assert [[r[f] for f in LIGHT_FIELDS] for r in real] == [[r[f] for f in LIGHT_FIELDS] for r in light]
    # what it adds comes on top: the light images, videos, details and features are kept as they were
    for a, b in zip(light, real):
        assert b["images"][: len(a["images"])] == a["images"] and b["videos"][: len(a["videos"])] == a["videos"]
        assert b["features"][: len(a["features"])] == a["features"]
        assert all(b["details"][k] == v for k, v in a["details"].items())


def test_real_weight_has_the_real_catalogues_shape(light_and_real) -> None:
    light, real, _ = light_and_real

    def mean(records: list[dict], f) -> float:
        return statistics.mean(f(r) for r in records)

    line = lambda r: len(json.dumps(r, ensure_ascii=False))
    assert mean(real, line) > 1.7 * mean(light, line)
    assert mean(real, lambda r: len(r["images"])) > 4.5  # light: about 2
    assert all(len(i) == 4 and i["large"].startswith("https://") for r in real for i in r["images"])
    assert 0.18 < mean(real, lambda r: bool(r["videos"])) < 0.35  # light: about 0.1
    assert mean(real, lambda r: len(r["details"])) >= 10  # light: about 8
    assert mean(real, lambda r: len(r["features"])) > 3.5 and mean(real, lambda r: len(" ".join(r["features"]))) > 500


def test_real_weight_is_deterministic_for_any_worker_count(light_and_real, tmp_path: Path) -> None:
    _, _, real = light_and_real  # written with 2 workers
    generate(SampleConfig(**TINY, listing_weight="real", workers=1), tmp_path)
    name = "sample/meta_sample.jsonl.gz"
    assert (tmp_path / name).read_bytes() == (real / name).read_bytes()
