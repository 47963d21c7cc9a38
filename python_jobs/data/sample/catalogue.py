"""The latent world behind the sample: franchises, makers and every item's hidden attributes.

Nothing here is text yet. Each item gets a product kind, platform, genre, franchise installment, maker,
release year, whether its listing will pass notebook 01's filter (and if not, why), whether it ever
occurs in a sequence, and a popularity weight. `text.py` turns these attributes into a listing, and
`users.py` draws sequences from them, so the text and the behaviour share one cause.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import numpy as np

from python_jobs.data.sample import vocab as V
from python_jobs.data.sample.config import SampleConfig

FAMILIES = ("PlayStation", "Xbox", "Nintendo", "PC")
LAST_YEAR = 2021  # the benchmark train split ends in August 2021


@dataclass
class Franchise:
    name: str
    genre: int
    subgenre: int
    families: tuple[str, ...]
    publisher: int
    world: str
    hero: str
    villain: str
    faction: str
    # installments: (number, subtitle or "", release year)
    installments: list[tuple[int, str, int]] = field(default_factory=list)


@dataclass
class World:
    franchises: list[Franchise]
    publishers: list[str]
    brands: list[str]


@dataclass
class Catalogue:
    """Column arrays over every latent item (meta rows plus the interacted ASINs that have no meta)."""

    world: World
    kind: np.ndarray  # int8, vocab.KINDS index
    sub: np.ndarray  # int16, kind-specific form (accessory type, digital form, ...)
    platform: np.ndarray  # int16, vocab.PLATFORMS index
    genre: np.ndarray  # int16, -1 when not a game
    subgenre: np.ndarray  # int16
    franchise: np.ndarray  # int32, -1 when none
    installment: np.ndarray  # int16, index into the franchise's installments, -1 when none
    edition: np.ndarray  # int16: vocab.EDITIONS index for games, vocab.COLORS index for goods
    maker: np.ndarray  # int32: publisher index for games/digital/merch, brand index otherwise
    year: np.ndarray  # int16
    related: np.ndarray  # int32: the game a DLC or bundle belongs to, -1 otherwise
    name_a: np.ndarray  # int16: words of a standalone game's invented name
    name_b: np.ndarray
    name_form: np.ndarray
    fail_mode: np.ndarray  # int8: 0 passes the filter, 1 empty description, 2 short description, 3 short title
    in_meta: np.ndarray  # bool
    interacted: np.ndarray  # bool: in the sequence universe
    popularity: np.ndarray  # float64, 0 outside the universe
    quality: np.ndarray  # float64, the item's true mean rating (drives average_rating and user ratings)
    asin: list[str]
    meta_order: np.ndarray  # int64: item index of each clean meta row, in file order
    spare_asins: list[str]  # unused ASINs for injected bad lines

    @property
    def n(self) -> int:
        return len(self.kind)


# ------------------------------------------------------------------------------------------------ helpers


def _seed_int(seed: int, *stream: int) -> int:
    """A 64-bit integer seed for a named stream, independent of Python's hash randomisation."""
    return int(np.random.SeedSequence([seed, *stream]).generate_state(2, np.uint64)[0])


def gumbel_top_k(rng: np.random.Generator, weights: np.ndarray, k: int) -> np.ndarray:
    """Indices of a weighted sample of k without replacement (stable: ties broken by index)."""
    k = int(min(k, int((weights > 0).sum())))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    with np.errstate(divide="ignore"):
        keys = np.log(weights) - np.log(-np.log(rng.random(len(weights))))
    order = np.argsort(-keys, kind="stable")
    return np.sort(order[:k])


def _counts(total: int, shares: list[float]) -> list[int]:
    """Split total by shares with the largest-remainder rule (sums exactly to total)."""
    raw = np.array(shares, dtype=float) / sum(shares) * total
    base = np.floor(raw).astype(int)
    rest = total - int(base.sum())
    order = np.argsort(-(raw - base), kind="stable")
    base[order[:rest]] += 1
    return [int(x) for x in base]


def _codes_to_strings(codes: np.ndarray, alphabet: str, width: int) -> list[str]:
    """Fixed-width strings of base-len(alphabet) digits, vectorised."""
    base = len(alphabet)
    pows = base ** np.arange(width - 1, -1, -1, dtype=np.int64)
    digits = (codes[:, None] // pows[None, :]) % base
    table = np.frombuffer(alphabet.encode("ascii"), dtype=np.uint8)
    chars = table[digits].astype(np.uint8)
    return np.ascontiguousarray(chars).view(f"S{width}").ravel().astype(str).tolist()


def make_asins(rng: np.random.Generator, n: int) -> list[str]:
    """Unique parent_asins: mostly B0 + 8 base-36 chars, ~1% old-style 10-digit ISBN-like numbers."""
    alnum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    out: list[str] = []
    seen: set[str] = set()
    while len(out) < n:
        need = n - len(out)
        codes = rng.integers(0, 36**8, size=need + 16, dtype=np.int64)
        old = rng.random(need + 16) < 0.01
        strings = _codes_to_strings(codes, alnum, 8)
        digits = _codes_to_strings(codes % 10**9, "0123456789", 9)
        for s, d, is_old in zip(strings, digits, old):
            asin = ("0" + d) if is_old else ("B0" + s)
            if asin not in seen:
                seen.add(asin)
                out.append(asin)
                if len(out) == n:
                    break
    return out


def make_user_ids(rng: np.random.Generator, n: int) -> list[str]:
    """Unique 28-char ids like the real ones: 'A', then E/F/G/H, then 26 base-32 characters; sorted."""
    b32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    out: set[str] = set()
    result: list[str] = []
    while len(result) < n:
        need = n - len(result) + 8
        second = np.array(list("EFGH"))[rng.integers(0, 4, size=need)]
        body = rng.integers(0, 32, size=(need, 26))
        table = np.frombuffer(b32.encode("ascii"), dtype=np.uint8)
        chars = table[body]
        rows = np.ascontiguousarray(chars).view("S26").ravel().astype(str)
        for s, r in zip(second, rows):
            uid = "A" + s + r
            if uid not in out:
                out.add(uid)
                result.append(uid)
                if len(result) == n:
                    break
    return sorted(result)


# ------------------------------------------------------------------------------------------------ world


def _franchise_name(r: random.Random, used: set[str]) -> str:
    for _ in range(50):
        form = r.random()
        adj, noun = r.choice(V.FR_ADJ), r.choice(V.FR_NOUN)
        place = r.choice(V.SYL_A) + r.choice(V.SYL_PLACE)
        if form < 0.45:
            name = f"{adj} {noun}"
        elif form < 0.65:
            name = f"{noun} of {place}"
        elif form < 0.80:
            name = f"{place} {noun}"
        elif form < 0.88:
            name = f"Tales of {place}"
        else:
            name = f"{adj} {noun}: {place}"
        if name not in used and name.lower() not in V.REAL_NAME_BLOCKLIST:
            used.add(name)
            return name
    # very large worlds run out of short names: number the rest
    name = f"{r.choice(V.FR_ADJ)} {r.choice(V.FR_NOUN)} {len(used)}"
    used.add(name)
    return name


def _person(r: random.Random) -> str:
    return r.choice(V.SYL_A) + r.choice(V.SYL_NAME)


def _subtitle(r: random.Random, place: str) -> str:
    form = r.choice(V.SUBTITLE_FORMS)
    return form.format(noun=r.choice(V.FR_NOUN), place=place, adj=r.choice(V.FR_ADJ), word=r.choice(V.SUBTITLE_WORDS))


_ACTIVE: dict[tuple[str, int], list[int]] = {}


def _active_platforms(family: str, year: int) -> list[int]:
    key = (family, year)
    if key not in _ACTIVE:
        _ACTIVE[key] = [
            i
            for i, p in enumerate(V.PLATFORMS)
            if p.family == family and p.launch <= year <= p.end and i != V.UNIVERSAL
        ]
    return _ACTIVE[key]


def _makers(r: random.Random, n_pub: int, n_brand: int) -> tuple[list[str], list[str]]:
    pubs: list[str] = []
    seen: set[str] = set()
    while len(pubs) < n_pub:
        name = f"{r.choice(V.PUB_A)} {r.choice(V.PUB_B)}"
        if name in seen:
            name = f"{name} {len(pubs)}"
        seen.add(name)
        pubs.append(name)
    brands: list[str] = []
    seen = set()
    while len(brands) < n_brand:
        name = r.choice(V.BRAND_A) + r.choice(V.BRAND_B)
        if name in seen:
            name = f"{name}{r.choice('XZQ')}{len(brands)}"
        seen.add(name)
        brands.append(name)
    return pubs, brands


class _Items:
    """Column builder: appends items as plain Python ints, converted to arrays once at the end."""

    COLS = (
        "kind",
        "sub",
        "platform",
        "genre",
        "subgenre",
        "franchise",
        "installment",
        "edition",
        "maker",
        "year",
        "related",
        "name_a",
        "name_b",
        "name_form",
    )

    def __init__(self) -> None:
        self.cols: dict[str, list[int]] = {c: [] for c in self.COLS}

    def __len__(self) -> int:
        return len(self.cols["kind"])

    def add(self, **values: int) -> int:
        for c in self.COLS:
            self.cols[c].append(values.get(c, -1))
        return len(self) - 1

    def extend(self, n: int, **arrays: np.ndarray | int) -> None:
        for c in self.COLS:
            value = arrays.get(c, -1)
            if isinstance(value, np.ndarray):
                self.cols[c].extend(value.astype(np.int64).tolist())
            else:
                self.cols[c].extend([int(value)] * n)


def _platform_weights(exclude: tuple[int, ...] = ()) -> np.ndarray:
    w = np.array([p.weight for p in V.PLATFORMS])
    for i in exclude:
        w[i] = 0.0
    return w / w.sum()


def _years(rng: np.random.Generator, platforms: np.ndarray) -> np.ndarray:
    lo = np.array([max(p.launch, 1998) for p in V.PLATFORMS])[platforms]
    hi = np.array([min(p.end, LAST_YEAR) for p in V.PLATFORMS])[platforms]
    hi = np.maximum(hi, lo)
    return lo + np.floor(rng.random(len(platforms)) * (hi - lo + 1)).astype(np.int64)


def build_catalogue(cfg: SampleConfig) -> Catalogue:
    """The whole latent catalogue for a config; a pure function of the config's seed and counts."""
    rng = np.random.default_rng(_seed_int(cfg.seed, 1))
    r = random.Random(_seed_int(cfg.seed, 2))
    n_total = cfg.n_items + cfg.n_missing_meta
    shares = [k[1] for k in V.KINDS]
    quota = dict(enumerate(_counts(n_total, shares)))

    n_pub = max(12, n_total // 600)
    n_brand = max(20, n_total // 250)
    publishers, brands = _makers(r, n_pub, n_brand)
    items = _Items()
    franchises: list[Franchise] = []
    used_names: set[str] = set()
    genre_w = [g.weight for g in V.GENRES]
    digital_games: list[int] = []  # franchise games that have DLC, for the digital kind

    # -- franchise games: about half of all games belong to a franchise with ordered installments
    target_fr_games = int(0.5 * quota[V.GAME])
    fr_games = 0
    while fr_games < target_fr_games:
        g = r.choices(range(len(V.GENRES)), weights=genre_w)[0]
        roll = r.random()
        if roll < 0.35:
            fams: tuple[str, ...] = (r.choices(FAMILIES, weights=(0.35, 0.25, 0.30, 0.10))[0],)
        else:
            fam_list = ["PlayStation", "Xbox"]
            if r.random() < 0.7:
                fam_list.append("PC")
            if r.random() < 0.4:
                fam_list.append("Nintendo")
            fams = tuple(fam_list)
        place = r.choice(V.SYL_A) + r.choice(V.SYL_PLACE)
        fr = Franchise(
            name=_franchise_name(r, used_names),
            genre=g,
            subgenre=r.randrange(len(V.GENRES[g].subgenres)),
            families=fams,
            publisher=r.randrange(n_pub),
            world=place,
            hero=_person(r),
            villain=_person(r),
            faction=f"{r.choice(V.FR_ADJ)} {r.choice(V.FACTIONS)}",
        )
        fid = len(franchises)
        franchises.append(fr)
        n_inst = 1 + min(int(rng.geometric(0.42)) - 1, 7)
        year = r.randint(2001, 2019)
        for k in range(n_inst):
            if year > LAST_YEAR:
                break
            subtitle = _subtitle(r, place) if (k > 0 and r.random() < 0.6) or (k == 0 and r.random() < 0.25) else ""
            inst = len(fr.installments)
            fr.installments.append((k + 1, subtitle, year))
            for fam in fams:
                active = _active_platforms(fam, year)
                if not active:
                    continue
                newest = max(active, key=lambda i: V.PLATFORMS[i].launch)
                chosen = [newest] + [p for p in active if p != newest and r.random() < 0.3]
                for p in chosen:
                    gi = items.add(
                        kind=V.GAME,
                        sub=0,
                        platform=p,
                        genre=g,
                        subgenre=fr.subgenre,
                        franchise=fid,
                        installment=inst,
                        edition=0,
                        maker=fr.publisher,
                        year=year,
                    )
                    fr_games += 1
                    if r.random() < 0.15:
                        items.add(
                            kind=V.GAME,
                            sub=0,
                            platform=p,
                            genre=g,
                            subgenre=fr.subgenre,
                            franchise=fid,
                            installment=inst,
                            edition=r.randrange(3, len(V.EDITIONS)),
                            maker=fr.publisher,
                            year=year,
                        )
                        fr_games += 1
                    if r.random() < 0.2:
                        digital_games.append(gi)
            year += r.choice((1, 1, 2, 2, 2, 3, 4))

    # -- standalone games
    n_game_items = sum(1 for k in items.cols["kind"] if k == V.GAME)
    n_solo = max(0, quota[V.GAME] - n_game_items)
    plat = rng.choice(len(V.PLATFORMS), size=n_solo, p=_platform_weights((V.UNIVERSAL,)))
    genre = rng.choice(len(V.GENRES), size=n_solo, p=np.array(genre_w) / sum(genre_w))
    n_sub = np.array([len(g.subgenres) for g in V.GENRES])
    items.extend(
        n_solo,
        kind=V.GAME,
        sub=0,
        platform=plat,
        genre=genre,
        subgenre=np.floor(rng.random(n_solo) * n_sub[genre]).astype(np.int64),
        edition=rng.integers(0, len(V.EDITIONS), n_solo) * (rng.random(n_solo) < 0.25),
        maker=rng.integers(0, n_pub, n_solo),
        year=_years(rng, plat),
        name_a=rng.integers(0, 10_000, n_solo),
        name_b=rng.integers(0, 10_000, n_solo),
        name_form=rng.integers(0, 10_000, n_solo),
    )

    # -- accessories: platform, then a type that exists for that platform's family
    n_acc = quota[V.ACCESSORY]
    acc_plat_w = _platform_weights()
    acc_plat_w[V.UNIVERSAL] *= 2.5
    acc_plat_w /= acc_plat_w.sum()
    plat = rng.choice(len(V.PLATFORMS), size=n_acc, p=acc_plat_w)
    sub = np.zeros(n_acc, dtype=np.int64)
    for p in range(len(V.PLATFORMS)):
        idx = np.flatnonzero(plat == p)
        if len(idx) == 0:
            continue
        fam = V.PLATFORMS[p].family
        w = np.array([a.weight if ("*" in a.families or fam in a.families) else 0.0 for a in V.ACCESSORIES])
        sub[idx] = rng.choice(len(V.ACCESSORIES), size=len(idx), p=w / w.sum())
    items.extend(
        n_acc,
        kind=V.ACCESSORY,
        sub=sub,
        platform=plat,
        maker=rng.integers(0, n_brand, n_acc),
        year=_years(rng, plat),
        edition=rng.integers(0, len(V.COLORS), n_acc),
    )

    # -- consoles
    consoles = tuple(i for i, p in enumerate(V.PLATFORMS) if p.family not in ("PC", "Mac", "Universal"))
    n_hw = quota[V.HARDWARE]
    w = np.array([V.PLATFORMS[i].weight for i in consoles])
    plat = np.array(consoles)[rng.choice(len(consoles), size=n_hw, p=w / w.sum())]
    items.extend(
        n_hw,
        kind=V.HARDWARE,
        sub=rng.integers(0, len(V.HARDWARE_VARIANTS), n_hw),
        platform=plat,
        year=_years(rng, plat),
        edition=rng.integers(0, len(V.COLORS), n_hw),
        name_a=rng.integers(0, len(V.HARDWARE_STORAGE), n_hw),
    )

    # -- digital content: DLC of franchise games, then currency, gift cards, memberships
    n_dig = quota[V.DIGITAL]
    game_cols = items.cols
    for gi in digital_games[: int(n_dig * 0.6)]:
        items.add(
            kind=V.DIGITAL,
            sub=r.randrange(0, 4),
            platform=game_cols["platform"][gi],
            genre=game_cols["genre"][gi],
            subgenre=game_cols["subgenre"][gi],
            franchise=game_cols["franchise"][gi],
            installment=game_cols["installment"][gi],
            maker=game_cols["maker"][gi],
            year=game_cols["year"][gi],
            related=gi,
            edition=0,
        )
    n_rest = n_dig - min(len(digital_games), int(n_dig * 0.6))
    plat = rng.choice(len(V.PLATFORMS), size=n_rest, p=_platform_weights((V.UNIVERSAL, V.GENESIS)))
    items.extend(
        n_rest,
        kind=V.DIGITAL,
        sub=rng.choice([3, 4, 4, 5], size=n_rest),
        platform=plat,
        maker=rng.integers(0, n_pub, n_rest),
        year=_years(rng, plat),
        edition=rng.integers(0, len(V.COLORS), n_rest),
    )

    # -- bundles: a console (or several games) of one platform, with one named game
    kind_arr = np.array(items.cols["kind"])
    plat_arr = np.array(items.cols["platform"])
    games_by_platform = {p: np.flatnonzero((kind_arr == V.GAME) & (plat_arr == p)) for p in range(len(V.PLATFORMS))}
    n_bun = quota[V.BUNDLE]
    w = np.array([V.PLATFORMS[i].weight if len(games_by_platform[i]) else 0.0 for i in consoles])
    if w.sum() == 0:  # a tiny world without console games has no bundles
        n_bun = 0
        w = np.ones(len(consoles))
    plat = np.array(consoles)[rng.choice(len(consoles), size=n_bun, p=w / w.sum())]
    related = (
        np.array(
            [games_by_platform[p][rng.integers(0, len(games_by_platform[p]))] for p in plat.tolist()], dtype=np.int64
        )
        if n_bun
        else np.zeros(0, dtype=np.int64)
    )
    fr_arr = np.array(items.cols["franchise"])
    items.extend(
        n_bun,
        kind=V.BUNDLE,
        sub=rng.integers(0, 3, n_bun),
        platform=plat,
        related=related,
        franchise=fr_arr[related] if n_bun else related,
        year=_years(rng, plat),
        edition=rng.integers(0, len(V.COLORS), n_bun),
        name_a=rng.integers(0, len(V.ACCESSORIES), n_bun),
    )

    # -- merchandise of a franchise
    n_m = quota[V.MERCH]
    fr_pick = rng.integers(0, len(franchises), n_m)
    items.extend(
        n_m,
        kind=V.MERCH,
        sub=rng.integers(0, len(V.MERCH_FORMS), n_m),
        platform=np.full(n_m, V.UNIVERSAL),
        franchise=fr_pick,
        genre=np.array([franchises[f].genre for f in fr_pick.tolist()], dtype=np.int64),
        maker=np.array([franchises[f].publisher for f in fr_pick.tolist()], dtype=np.int64),
        year=rng.integers(2005, LAST_YEAR + 1, n_m),
        edition=rng.integers(0, len(V.COLORS), n_m),
    )

    # -- replacement parts for consoles and their controllers
    n_p = quota[V.PART]
    plat = np.array(consoles)[
        rng.choice(
            len(consoles),
            size=n_p,
            p=np.array([V.PLATFORMS[i].weight for i in consoles]) / sum(V.PLATFORMS[i].weight for i in consoles),
        )
    ]
    items.extend(
        n_p,
        kind=V.PART,
        sub=rng.integers(0, len(V.PART_FORMS), n_p),
        platform=plat,
        maker=rng.integers(0, n_brand, n_p),
        year=_years(rng, plat),
        edition=rng.integers(0, len(V.COLORS), n_p),
    )

    # -- other gaming-adjacent goods
    n_o = max(0, n_total - len(items))
    items.extend(
        n_o,
        kind=V.OTHER,
        sub=rng.integers(0, len(V.OTHER_FORMS), n_o),
        platform=np.full(n_o, V.UNIVERSAL),
        maker=rng.integers(0, n_brand, n_o),
        year=rng.integers(2012, LAST_YEAR + 1, n_o),
        edition=rng.integers(0, len(V.COLORS), n_o),
    )

    # a franchise-heavy small world can overshoot the quotas: keep the first n_total, dropping dangling links
    cols = {c: np.array(v[:n_total], dtype=np.int64) for c, v in items.cols.items()}
    n = n_total
    cols["related"][cols["related"] >= n] = -1

    kind = cols["kind"]
    is_fr_game = (kind == V.GAME) & (cols["franchise"] >= 0)
    kind_pass = np.array([k[2] for k in V.KINDS])[kind]
    kind_int = np.array([k[3] for k in V.KINDS])[kind] * np.where(is_fr_game, 2.0, 1.0)

    # -- interacted ASINs without meta rows
    in_meta = np.ones(n, dtype=bool)
    in_meta[gumbel_top_k(rng, kind_int, cfg.n_missing_meta)] = False

    # -- which meta rows pass the filter, and why the others fail
    fail_mode = np.zeros(n, dtype=np.int8)
    meta_idx = np.flatnonzero(in_meta)
    n_pass = round(cfg.pass_fraction * len(meta_idx))
    passing = meta_idx[gumbel_top_k(rng, kind_pass[meta_idx], n_pass)]
    failing_mask = in_meta.copy()
    failing_mask[passing] = False
    failing = np.flatnonzero(failing_mask)
    fail_mode[failing] = rng.choice([1, 2, 3], size=len(failing), p=[0.45, 0.30, 0.25]).astype(np.int8)
    fail_mode[~in_meta] = 0

    # -- the sequence universe: mostly items that pass, all items without meta
    n_u = min(cfg.n_interacted_items, len(meta_idx))
    n_u_pass = min(round(cfg.interacted_pass_share * n_u), len(passing))
    interacted = ~in_meta
    interacted[passing[gumbel_top_k(rng, kind_int[passing], n_u_pass)]] = True
    interacted[failing[gumbel_top_k(rng, kind_int[failing], n_u - n_u_pass)]] = True

    # -- popularity: Zipf over a propensity-biased random ranking of the universe
    uni = np.flatnonzero(interacted)
    with np.errstate(divide="ignore"):
        keys = np.log(kind_int[uni] * np.where(kind[uni] == V.HARDWARE, 3.0, 1.0)) - np.log(
            -np.log(rng.random(len(uni)))
        )
    ranks = np.empty(len(uni), dtype=np.int64)
    ranks[np.argsort(-keys, kind="stable")] = np.arange(len(uni))
    popularity = np.zeros(n)
    popularity[uni] = 1.0 / (ranks + 10.0) ** 0.85

    quality = np.clip(rng.normal(4.25, 0.45, n), 1.5, 5.0)

    n_spare = cfg.bad_lines + 8
    asins = make_asins(rng, n + n_spare)
    meta_order = rng.permutation(meta_idx)

    return Catalogue(
        world=World(franchises=franchises, publishers=publishers, brands=brands),
        kind=kind.astype(np.int8),
        sub=cols["sub"].astype(np.int16),
        platform=cols["platform"].astype(np.int16),
        genre=cols["genre"].astype(np.int16),
        subgenre=cols["subgenre"].astype(np.int16),
        franchise=cols["franchise"].astype(np.int32),
        installment=cols["installment"].astype(np.int16),
        edition=cols["edition"].astype(np.int16),
        maker=cols["maker"].astype(np.int32),
        year=cols["year"].astype(np.int16),
        related=cols["related"].astype(np.int32),
        name_a=cols["name_a"],
        name_b=cols["name_b"],
        name_form=cols["name_form"],
        fail_mode=fail_mode,
        in_meta=in_meta,
        interacted=interacted,
        popularity=popularity,
        quality=quality,
        asin=asins[:n],
        meta_order=meta_order.astype(np.int64),
        spare_asins=asins[n:],
    )
