"""Users with latent tastes, and the interaction sequences they produce.

Each user has a main platform (drawn among platforms alive when the user is active), sometimes a second
one, one to three favourite genres, an appetite for accessories and a start date. Every interaction slot
picks a pool (a genre's games on the user's platform, the platform's accessories, other platform goods,
or anything) and draws from it by Zipf popularity. Sequential patterns are laid on top: some users start
with a console, a console is often followed by an accessory for it, a game by its DLC, and franchise fans
play installments in release order. All sampling is vectorised with numpy over the flat slot array
(only the rare leftover duplicates of very heavy users are resolved in a loop).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from python_jobs.data.sample import vocab as V
from python_jobs.data.sample.catalogue import Catalogue, _seed_int, make_user_ids
from python_jobs.data.sample.config import SampleConfig

T_LO = 1_420_070_400_000  # 2015-01-01 UTC, ms
T_HI = 1_628_643_414_042  # the benchmark's train cut-off (2021-08-11); every train timestamp is below it
DAY_MS = 86_400_000
MAX_PER_USER = 400

N_GENRES = len(V.GENRES)
C_ALL_GAMES = N_GENRES
C_ACCESSORY = N_GENRES + 1
C_OTHER = N_GENRES + 2
C_HARDWARE = N_GENRES + 3
N_CAT = N_GENRES + 4
N_PLAT = len(V.PLATFORMS)
GLOBAL_BUCKET = N_PLAT * N_CAT


@dataclass
class Interactions:
    user_ids: list[str]  # sorted; the CSV is ordered by user, then time
    offsets: np.ndarray  # int64, len(users)+1: user u owns slots offsets[u]:offsets[u+1]
    item: np.ndarray  # int64 catalogue index per slot
    rating: np.ndarray  # int8 1..5
    timestamp: np.ndarray  # int64 ms, strictly increasing within a user
    main_platform: np.ndarray  # int16 per user (for tests and reports)

    @property
    def lengths(self) -> np.ndarray:
        return np.diff(self.offsets)


# ------------------------------------------------------------------------------------------------ lengths


def sequence_lengths(rng: np.random.Generator, n_users: int, n_interactions: int, cap: int) -> np.ndarray:
    """Per-user counts summing exactly to n_interactions, shaped like the real 5-core train split.

    5-core users have at least five interactions, many more in a long tail; about a third have part of
    their history cut off by the train/valid time split, which creates the short ones.
    """
    if n_interactions > n_users * cap:
        raise ValueError(f"{n_interactions} interactions cannot fit {n_users} users of at most {cap} items each")
    z = rng.standard_normal(n_users)
    zero = rng.random(n_users) < 0.3
    cut = rng.random(n_users) < 0.22
    frac = rng.random(n_users)
    # a few power users with well over 100 interactions (real Video_Games: 28 sequences truncated at 100)
    power = rng.random(n_users) < 0.0004
    power_n = 110 + np.floor(np.exp(rng.normal(3.5, 0.6, n_users)))

    def lengths(mu: float) -> np.ndarray:
        extra = np.floor(np.exp(mu + 1.0 * z))
        extra[zero] = 0
        n0 = np.minimum(np.where(power, power_n, 5 + extra), cap)
        return np.where(cut, 1 + np.floor(frac * n0), n0).astype(np.int64)

    lo, hi = -6.0, 6.0
    for _ in range(40):  # the mean grows with mu: bisect to the requested total
        mid = (lo + hi) / 2
        if lengths(mid).sum() < n_interactions:
            lo = mid
        else:
            hi = mid
    n = lengths(lo)
    # exact total: add to / take from users in proportion to their length
    while (diff := n_interactions - int(n.sum())) != 0:
        room = (cap - n) if diff > 0 else (n - 1)
        w = (n * (room > 0)).astype(float)
        pick = rng.choice(n_users, size=min(abs(diff), int((room > 0).sum())), p=w / w.sum())
        np.add.at(n, pick, 1 if diff > 0 else -1)
        n = np.clip(n, 1, cap)
    return n


# ------------------------------------------------------------------------------------------------ pools


@dataclass
class Pools:
    """Every pool's members sorted by pool id, with cumulative popularity for inverse-CDF draws."""

    member: np.ndarray  # item per membership, grouped by pool
    cum: np.ndarray  # cumulative weight over all memberships
    start: np.ndarray  # first membership of each pool
    stop: np.ndarray
    lo: np.ndarray  # cumulative weight before each pool
    total: np.ndarray  # weight of each pool

    def draw(self, pool: np.ndarray, u: np.ndarray) -> np.ndarray:
        target = self.lo[pool] + u * self.total[pool]
        idx = np.searchsorted(self.cum, target, side="right")
        idx = np.clip(idx, self.start[pool], self.stop[pool] - 1)
        return self.member[idx]


def build_pools(cat: Catalogue) -> Pools:
    uni = np.flatnonzero(cat.interacted)
    kind, plat, genre, pop = cat.kind[uni], cat.platform[uni].astype(np.int64), cat.genre[uni], cat.popularity[uni]
    pools, items, weights = [], [], []

    def add(mask: np.ndarray, pool: np.ndarray | int, scale: float = 1.0) -> None:
        sel = np.flatnonzero(mask)
        pools.append(np.broadcast_to(pool, len(uni))[sel] if isinstance(pool, np.ndarray) else np.full(len(sel), pool))
        items.append(uni[sel])
        weights.append(pop[sel] * scale)

    games = kind == V.GAME
    add(games, plat * N_CAT + genre.astype(np.int64))
    add(games, plat * N_CAT + C_ALL_GAMES)
    add(kind == V.ACCESSORY, plat * N_CAT + C_ACCESSORY)
    add(kind == V.HARDWARE, plat * N_CAT + C_HARDWARE)
    goods = np.isin(kind, (V.HARDWARE, V.DIGITAL, V.BUNDLE, V.PART))
    add(goods, plat * N_CAT + C_OTHER)
    # gear for any system is bought by players of every platform
    generic = ((kind == V.ACCESSORY) & (plat == V.UNIVERSAL)) | (kind == V.OTHER)
    for p in range(N_PLAT):
        if p != V.UNIVERSAL:
            add(generic, p * N_CAT + C_ACCESSORY, 0.25)
    add(kind == V.MERCH, V.UNIVERSAL * N_CAT + C_OTHER)
    add(np.ones(len(uni), dtype=bool), GLOBAL_BUCKET)

    pool = np.concatenate(pools)
    item = np.concatenate(items)
    weight = np.concatenate(weights)
    order = np.lexsort((item, pool))
    pool, item, weight = pool[order], item[order], weight[order]
    cum = np.cumsum(weight)
    n_pools = GLOBAL_BUCKET + 1
    start = np.searchsorted(pool, np.arange(n_pools), side="left")
    stop = np.searchsorted(pool, np.arange(n_pools), side="right")
    before = np.concatenate([[0.0], cum])
    lo = before[start]
    total = before[stop] - lo
    return Pools(member=item, cum=cum, start=start, stop=stop, lo=lo, total=total)


def _with_fallback(pools: Pools, pool: np.ndarray, plat: np.ndarray) -> np.ndarray:
    """Empty pools fall back to the platform's games, then to everything."""
    pool = np.where(pools.total[pool] > 0, pool, plat * N_CAT + C_ALL_GAMES)
    return np.where(pools.total[pool] > 0, pool, GLOBAL_BUCKET)


# ------------------------------------------------------------------------------------------------ users


def _platform_by_year(rng: np.random.Generator, years: np.ndarray, exclude: np.ndarray | None = None) -> np.ndarray:
    """A platform per user, among those on sale in the user's year (old systems still sell, a little)."""
    out = np.zeros(len(years), dtype=np.int64)
    base = np.array([p.weight for p in V.PLATFORMS])
    base[V.UNIVERSAL] = 0.0
    for y in np.unique(years).tolist():
        idx = np.flatnonzero(years == y)
        alive = np.array([1.0 if p.launch <= y <= p.end else (0.12 if y > p.end else 0.0) for p in V.PLATFORMS])
        w = base * alive
        if exclude is None:
            out[idx] = rng.choice(N_PLAT, size=len(idx), p=w / w.sum())
        else:  # a second platform: any other alive one
            draws = rng.choice(N_PLAT, size=(len(idx), 2), p=w / w.sum())
            out[idx] = np.where(draws[:, 0] != exclude[idx], draws[:, 0], draws[:, 1])
    return out


@dataclass
class Chains:
    """Franchise installment chains (>= 2 interacted installments on one platform), flattened."""

    flat: np.ndarray  # item ids, chain after chain, installments in order
    start: np.ndarray  # per chain
    length: np.ndarray
    platform: np.ndarray
    genre: np.ndarray
    weight: np.ndarray  # summed popularity


def _franchise_chains(cat: Catalogue) -> Chains:
    uni = np.flatnonzero(cat.interacted & (cat.kind == V.GAME) & (cat.franchise >= 0))
    # one item per (platform, franchise, installment): the standard edition when there is one
    order = np.lexsort((uni, cat.edition[uni], cat.installment[uni], cat.franchise[uni], cat.platform[uni]))
    items = uni[order]
    plat, fr, inst = (
        cat.platform[items].astype(np.int64),
        cat.franchise[items].astype(np.int64),
        cat.installment[items].astype(np.int64),
    )
    first = np.ones(len(items), dtype=bool)
    first[1:] = (plat[1:] != plat[:-1]) | (fr[1:] != fr[:-1]) | (inst[1:] != inst[:-1])
    items, plat, fr = items[first], plat[first], fr[first]
    new_chain = np.ones(len(items), dtype=bool)
    new_chain[1:] = (plat[1:] != plat[:-1]) | (fr[1:] != fr[:-1])
    starts = np.flatnonzero(new_chain)
    lengths = np.diff(np.append(starts, len(items)))
    keep = lengths >= 2
    chain_id = np.repeat(np.arange(len(starts)), lengths)
    weight = np.bincount(chain_id, weights=cat.popularity[items], minlength=len(starts))
    genres = np.array([f.genre for f in cat.world.franchises] or [0], dtype=np.int64)
    return Chains(
        flat=items,
        start=starts[keep],
        length=lengths[keep],
        platform=plat[starts][keep],
        genre=genres[fr[starts][keep]],
        weight=weight[keep],
    )


def _positions_below(rng: np.random.Generator, width: int, limit: np.ndarray) -> np.ndarray:
    """A (len(limit), width) array of uniform integer positions, row r in [0, limit[r])."""
    return np.floor(rng.random((len(limit), width)) * limit[:, None]).astype(np.int64)


def _franchise_runs(
    rng: np.random.Generator,
    chains: Chains,
    fans: np.ndarray,
    main: np.ndarray,
    fav: np.ndarray,
    lengths: np.ndarray,
    offsets: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """(slots, items): each fan plays 2-4 consecutive installments of one franchise on their platform,
    in order, at random positions of their sequence. Franchises of a favourite genre are preferred."""
    slots, items = [], []
    for p in np.unique(main[fans]).tolist():
        users = fans[main[fans] == p]
        cids = np.flatnonzero(chains.platform == p)
        if len(cids) == 0:
            continue
        cum = np.cumsum(chains.weight[cids])
        draws = cids[
            np.minimum(np.searchsorted(cum, rng.random((len(users), 3)) * cum[-1], side="right"), len(cids) - 1)
        ]
        liked = (chains.genre[draws][:, :, None] == fav[users][:, None, :]).any(axis=2)
        pick = np.where(liked.any(axis=1), liked.argmax(axis=1), 2)
        chain = draws[np.arange(len(users)), pick]
        m = chains.length[chain]
        start = np.where(rng.random(len(users)) < 0.6, 0, np.floor(rng.random(len(users)) * (m - 1)).astype(np.int64))
        want = 2 + (rng.random(len(users)) < 0.5) + (rng.random(len(users)) < 0.25)
        count = np.minimum(np.minimum(m - start, lengths[users]), want)
        # distinct sorted positions: draw, sort, redraw rows with repeats (count <= length, so always possible)
        width = int(count.max())
        span = lengths[users]
        valid = np.arange(width)[None, :] < count[:, None]  # a prefix of each row
        big = np.iinfo(np.int64).max
        pos = np.sort(np.where(valid, _positions_below(rng, width, span), big), axis=1)
        for _ in range(200):
            bad = ((np.diff(pos, axis=1) == 0) & valid[:, 1:]).any(axis=1)
            if not bad.any():
                break
            pos[bad] = np.sort(np.where(valid[bad], _positions_below(rng, width, span[bad]), big), axis=1)
        row, col = np.nonzero(valid)
        slots.append(offsets[users[row]] + pos[row, col])
        items.append(chains.flat[chains.start[chain[row]] + start[row] + col])
    if not slots:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(slots), np.concatenate(items)


def generate_interactions(cfg: SampleConfig, cat: Catalogue) -> Interactions:
    rng = np.random.default_rng(_seed_int(cfg.seed, 3))
    n_users = cfg.n_users
    user_ids = make_user_ids(rng, n_users)
    cap = int(min(MAX_PER_USER, max(1, int(cat.interacted.sum()) // 2)))
    lengths = sequence_lengths(rng, n_users, cfg.n_interactions, cap)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    n = int(offsets[-1])
    user = np.repeat(np.arange(n_users), lengths)
    pos = np.arange(n) - offsets[user]

    # -- time: a start date and a personal pace; everything stays before the train cut-off
    pace = np.exp(rng.normal(np.log(25 * DAY_MS), 1.0, n_users))
    gaps = np.maximum(rng.exponential(1.0, n) * pace[user], 60_000.0)
    gaps[offsets[:-1]] = 0.0
    rel = np.cumsum(gaps)
    rel -= np.repeat(rel[offsets[:-1]], lengths)
    span = rel[offsets[1:] - 1]
    room = float(T_HI - 1 - T_LO - MAX_PER_USER)  # headroom for the +pos tie-breaker below
    shrink = np.where(span > room * 0.9, room * 0.9 / np.maximum(span, 1.0), 1.0)
    rel *= np.repeat(shrink, lengths)
    span *= shrink
    start = T_LO + rng.beta(1.8, 1.0, n_users) * (room - span)
    ts = (np.repeat(start, lengths) + rel).astype(np.int64)
    ts += pos  # strictly increasing even where gaps round to the same millisecond
    mid_year = 1970 + ((start + span / 2) / (365.2425 * DAY_MS)).astype(np.int64)

    # -- tastes
    main = _platform_by_year(rng, mid_year)
    has_second = rng.random(n_users) < 0.3
    second = np.where(has_second, _platform_by_year(rng, mid_year, exclude=main), main)
    gw = np.array([g.weight for g in V.GENRES])
    fav = rng.choice(N_GENRES, size=(n_users, 3), p=gw / gw.sum())
    fav_w = np.cumsum(rng.dirichlet((3.0, 1.2, 0.6), n_users), axis=1)
    accessory = rng.beta(1.5, 5.0, n_users)
    bias = rng.normal(0.0, 0.45, n_users)

    pools = build_pools(cat)

    # -- each slot picks a pool
    roll = rng.random(n)
    acc_cut = 0.07 + 0.7 * accessory[user]
    slot_plat = np.where((rng.random(n) < 0.25) & has_second[user], second[user], main[user])
    g_pick = (rng.random(n)[:, None] > fav_w[user]).sum(axis=1)
    slot_genre = fav[user, np.minimum(g_pick, 2)]
    pool = slot_plat * N_CAT + slot_genre
    pool = np.where(roll < acc_cut + 0.06, slot_plat * N_CAT + C_OTHER, pool)
    pool = np.where(roll < acc_cut, slot_plat * N_CAT + C_ACCESSORY, pool)
    pool = np.where(roll < 0.07, GLOBAL_BUCKET, pool)
    # some users start with a console
    console_first = (rng.random(n_users) < 0.15) & (lengths >= 2)
    first = offsets[:-1][console_first]
    pool[first] = main[console_first] * N_CAT + C_HARDWARE
    pool = _with_fallback(pools, pool, slot_plat)
    item = pools.draw(pool, rng.random(n))
    locked = np.zeros(n, dtype=bool)

    # -- franchise fans play installments in order
    fans = np.flatnonzero((lengths >= 3) & (rng.random(n_users) < 0.45))
    run_slots, run_items = _franchise_runs(rng, _franchise_chains(cat), fans, main, fav, lengths, offsets)
    item[run_slots] = run_items
    locked[run_slots] = True

    # -- a game is often followed by its DLC, a console by one of its accessories
    dlc_of = np.full(cat.n, -1, dtype=np.int64)
    dlc = np.flatnonzero(cat.interacted & (cat.kind == V.DIGITAL) & (cat.related >= 0))
    dlc_of[cat.related[dlc]] = dlc  # the last DLC of a game wins; deterministic
    dlc_of[~cat.interacted] = -1
    same_user_next = np.zeros(n, dtype=bool)
    same_user_next[:-1] = user[1:] == user[:-1]
    nxt = np.flatnonzero(same_user_next & (dlc_of[item] >= 0) & (rng.random(n) < 0.35))
    nxt = nxt[~locked[nxt + 1]]
    item[nxt + 1] = dlc_of[item[nxt]]
    locked[nxt + 1] = True
    hw = np.flatnonzero(same_user_next & (cat.kind[item] == V.HARDWARE) & (rng.random(n) < 0.55))
    hw = hw[~locked[hw + 1]]
    acc_pool = _with_fallback(
        pools, cat.platform[item[hw]].astype(np.int64) * N_CAT + C_ACCESSORY, cat.platform[item[hw]].astype(np.int64)
    )
    item[hw + 1] = pools.draw(acc_pool, rng.random(len(hw)))
    pool[hw + 1] = acc_pool

    item = _dedupe(rng, pools, user, pos, item, pool, locked)

    # -- ratings: the item's quality, the user's leniency, noise
    score = cat.quality[item] + bias[user] + rng.normal(0.0, 0.8, n) + 0.35
    rating = np.clip(np.rint(score), 1, 5).astype(np.int8)
    # the J-shape of real reviews: a few disappointed buyers give one or two stars whatever the item
    upset = rng.random(n) < 0.08
    rating[upset] = np.where(rng.random(int(upset.sum())) < 0.7, 1, 2).astype(np.int8)
    return Interactions(
        user_ids=user_ids, offsets=offsets, item=item, rating=rating, timestamp=ts, main_platform=main.astype(np.int16)
    )


def _dedupe(
    rng: np.random.Generator,
    pools: Pools,
    user: np.ndarray,
    pos: np.ndarray,
    item: np.ndarray,
    pool: np.ndarray,
    locked: np.ndarray,
) -> np.ndarray:
    """A user never repeats an item: keep the first occurrence (a locked pattern slot wins), redraw the
    others from their pool, then from everything, checking only the redrawn slots each round."""
    item = item.copy()
    m = np.int64(int(pools.member.max()) + 1 if len(pools.member) else 1)
    key = user.astype(np.int64) * m + item
    order = np.argsort((key << 1) | (~locked).astype(np.int64), kind="stable")  # slots stay in time order
    sk = key[order]
    dup = np.zeros(len(order), dtype=bool)
    dup[1:] = sk[1:] == sk[:-1]
    redo = np.sort(order[dup])
    kept = sk[~dup]  # sorted, unique
    for round_ in range(64):
        if len(redo) == 0:
            return item
        p = pool[redo] if round_ < 4 else np.full(len(redo), GLOBAL_BUCKET)
        item[redo] = pools.draw(p, rng.random(len(redo)))
        nk = user[redo].astype(np.int64) * m + item[redo]
        at = np.searchsorted(kept, nk)
        clash = (at < len(kept)) & (kept[np.minimum(at, len(kept) - 1)] == nk)
        # two redrawn slots of one user may pick the same item: the earlier one keeps it
        o = np.argsort(nk, kind="stable")
        again = np.zeros(len(nk), dtype=bool)
        again[o[1:]] = nk[o[1:]] == nk[o[:-1]]
        ok = ~(clash | again)
        fresh = np.sort(nk[ok])  # np.insert keeps the given order among equal positions: sort first
        kept = np.insert(kept, np.searchsorted(kept, fresh), fresh)
        redo = redo[~ok]
    # leftovers (a heavy user who owns most of a pool): the most popular items they do not have
    glob = pools.member[pools.start[GLOBAL_BUCKET] : pools.stop[GLOBAL_BUCKET]]
    w = np.diff(
        np.concatenate([[pools.lo[GLOBAL_BUCKET]], pools.cum[pools.start[GLOBAL_BUCKET] : pools.stop[GLOBAL_BUCKET]]])
    )
    by_pop = glob[np.argsort(-w, kind="stable")].tolist()
    for slot in redo.tolist():
        u = user[slot]
        lo = slot - pos[slot]
        hi = lo + int(np.searchsorted(user[lo:], u, side="right"))
        have = set(item[lo:slot].tolist() + item[slot + 1 : hi].tolist())
        item[slot] = next(x for x in by_pop if x not in have)
    return item
