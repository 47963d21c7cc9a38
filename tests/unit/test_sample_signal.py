"""Sequences carry learnable signal from the latent world, and similar items read alike."""

from __future__ import annotations

import numpy as np
import pytest

from python_jobs.data.sample import SampleConfig
from python_jobs.data.sample import vocab as V
from python_jobs.data.sample.catalogue import build_catalogue
from python_jobs.data.sample.items import game_base, items_for
from python_jobs.data.sample.text import make_record
from python_jobs.data.sample.users import generate_interactions

CFG = SampleConfig(n_items=4_000, n_users=2_500, n_interactions=18_000, bad_lines=0)


@pytest.fixture(scope="module")
def world():
    cat = build_catalogue(CFG)
    return cat, generate_interactions(CFG, cat)


def _pairs(inter) -> tuple[np.ndarray, np.ndarray]:
    user = np.repeat(np.arange(len(inter.user_ids)), inter.lengths)
    same = np.flatnonzero(user[1:] == user[:-1])
    return inter.item[same], inter.item[same + 1]


def test_consecutive_items_share_platform_far_more_than_random(world) -> None:
    cat, inter = world
    a, b = _pairs(inter)
    consecutive = np.mean(cat.platform[a] == cat.platform[b])
    rng = np.random.default_rng(0)
    x, y = rng.choice(inter.item, 20_000), rng.choice(inter.item, 20_000)
    random_pairs = np.mean(cat.platform[x] == cat.platform[y])
    assert consecutive > 2.5 * random_pairs and consecutive > 0.45


def test_games_follow_the_users_genres(world) -> None:
    cat, inter = world
    a, b = _pairs(inter)
    games = (cat.kind[a] == V.GAME) & (cat.kind[b] == V.GAME)
    same_genre = np.mean(cat.genre[a[games]] == cat.genre[b[games]])
    rng = np.random.default_rng(1)
    g = inter.item[cat.kind[inter.item] == V.GAME]
    x, y = rng.choice(g, 20_000), rng.choice(g, 20_000)
    assert same_genre > 1.8 * np.mean(cat.genre[x] == cat.genre[y])


def test_franchise_installments_come_in_order(world) -> None:
    cat, inter = world
    ordered = reversed_ = 0
    for u in range(len(inter.user_ids)):
        items = inter.item[inter.offsets[u] : inter.offsets[u + 1]]
        fr = cat.franchise[items]
        games = (cat.kind[items] == V.GAME) & (fr >= 0)
        for f in np.unique(fr[games]):
            inst = cat.installment[items[games & (fr == f)]]
            if len(inst) >= 2:
                ordered += int(np.all(np.diff(inst) >= 0))
                reversed_ += int(np.all(np.diff(inst) < 0))
    assert ordered > 100 and ordered > 5 * reversed_


def test_popularity_is_skewed(world) -> None:
    _, inter = world
    counts = np.sort(np.bincount(inter.item))[::-1]
    counts = counts[counts > 0]
    top = counts[: max(1, len(counts) // 100)].sum() / counts.sum()
    assert top > 0.05  # the top 1% of items take several times their share (23% at full scale)


def test_console_then_accessory(world) -> None:
    cat, inter = world
    a, b = _pairs(inter)
    after_console = cat.kind[b[cat.kind[a] == V.HARDWARE]]
    assert np.mean(after_console == V.ACCESSORY) > 2 * np.mean(cat.kind[inter.item] == V.ACCESSORY)


def test_same_installment_reads_alike_across_platforms(world) -> None:
    import random

    cat, _ = world
    fr_games = np.flatnonzero((cat.kind == V.GAME) & (cat.franchise >= 0) & (cat.fail_mode == 0) & cat.in_meta)
    items = items_for(cat, fr_games[:400].tolist())
    by_key: dict[tuple[int, int], list] = {}
    for it in items:
        by_key.setdefault((it.franchise, it.installment), []).append(it)
    groups = [g for g in by_key.values() if len({x.platform for x in g}) >= 2]
    assert groups
    r = random.Random(0)
    for group in groups[:20]:
        base = game_base(cat, group[0])
        for it in group:
            record = make_record(cat, it, r, 1.0)
            assert (
                base.lower() in record["title"].lower().replace("&amp;", "&").replace("&#39;", "'")
                or base.split(":")[0].lower() in record["title"].lower()
            )
