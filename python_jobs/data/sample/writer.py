"""Deterministic, parallel, streaming gzip writing of the meta JSONL and the interactions CSV.

Rows are produced in fixed chunks (by meta row or by user). Each chunk is deflated on its own and ends
with a sync flush, so the chunks concatenate into one standard single-member gzip stream; the CRC-32 of
the whole file is combined from the chunks' CRCs. The bytes depend only on the config, never on the
number of worker processes. The gzip header carries mtime 0 and no file name.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import struct
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from python_jobs.data.sample.catalogue import Catalogue, _seed_int
from python_jobs.data.sample.config import SampleConfig
from python_jobs.data.sample.items import item_at, items_for
from python_jobs.data.sample.text import make_record
from python_jobs.data.sample.users import Interactions
from python_jobs.data.sample.weight import weigh

META_BAD_KINDS = (
    "malformed_json",
    "invalid_utf8",
    "wrong_type_features",
    "missing_parent_asin",
    "duplicate_parent_asin",
    "wrong_type_title",
)
CSV_BAD_KINDS = ("csv_too_few_fields", "csv_non_numeric_timestamp", "csv_non_numeric_rating")
# the order in which --bad-lines N picks kinds (cycling), so even a small N touches both files
BAD_KINDS = (
    "malformed_json",
    "csv_too_few_fields",
    "invalid_utf8",
    "csv_non_numeric_timestamp",
    "wrong_type_features",
    "csv_non_numeric_rating",
    "missing_parent_asin",
    "duplicate_parent_asin",
    "wrong_type_title",
)
CSV_HEADER = b"user_id,parent_asin,rating,timestamp,history\n"
RATING_TEXT = {1: "1.0", 2: "2.0", 3: "3.0", 4: "4.0", 5: "5.0"}


@dataclass(frozen=True)
class BadLine:
    file: str  # "meta" or "csv"
    kind: str
    after_row: int  # inserted after this many clean rows of its file
    line_number: int  # 1-based physical line in the file (the CSV header is line 1)
    spare_asin: str


def plan_bad_lines(cfg: SampleConfig, cat: Catalogue) -> list[BadLine]:
    """Kinds cycle through BAD_KINDS; within a file, bad lines sit at evenly spaced row positions."""
    kinds = [BAD_KINDS[j % len(BAD_KINDS)] for j in range(cfg.bad_lines)]
    plan: list[BadLine] = []
    for file, rows, header in (("meta", cfg.n_items, 0), ("csv", cfg.n_interactions, 1)):
        mine = [k for k in kinds if (k in META_BAD_KINDS) == (file == "meta")]
        for j, kind in enumerate(mine):
            after = max(1, (j + 1) * rows // (len(mine) + 1))
            spare = cat.spare_asins[len(plan) % len(cat.spare_asins)]
            plan.append(BadLine(file, kind, after, header + after + j + 1, spare))
    return plan


# ------------------------------------------------------------------------------------------------ gzip


def _gf2_times(mat: list[int], vec: int) -> int:
    total, i = 0, 0
    while vec:
        if vec & 1:
            total ^= mat[i]
        vec >>= 1
        i += 1
    return total


def _gf2_square(mat: list[int]) -> list[int]:
    return [_gf2_times(mat, mat[n]) for n in range(32)]


def crc32_combine(crc1: int, crc2: int, len2: int) -> int:
    """CRC-32 of A+B from crc(A), crc(B) and len(B) (zlib's crc32_combine; Python does not expose it)."""
    if len2 <= 0:
        return crc1
    odd = [0xEDB88320] + [1 << n for n in range(31)]
    even = _gf2_square(odd)
    odd = _gf2_square(even)
    while True:
        even = _gf2_square(odd)
        if len2 & 1:
            crc1 = _gf2_times(even, crc1)
        len2 >>= 1
        if not len2:
            break
        odd = _gf2_square(even)
        if len2 & 1:
            crc1 = _gf2_times(odd, crc1)
        len2 >>= 1
        if not len2:
            break
    return crc1 ^ crc2


def deflate_chunk(raw: bytes, level: int) -> tuple[bytes, int, int]:
    """(raw deflate ending in a sync flush, crc32, length): concatenable into one stream."""
    c = zlib.compressobj(level, zlib.DEFLATED, -15, 9)
    return c.compress(raw) + c.flush(zlib.Z_SYNC_FLUSH), zlib.crc32(raw), len(raw)


def write_gzip(path: Path, head: bytes, chunks: Iterator[tuple[bytes, int, int]], level: int) -> int:
    """Write head + chunks as one gzip member, atomically; returns the uncompressed size."""
    tmp = path.with_name(path.name + ".tmp")
    xfl = b"\x02" if level == 9 else (b"\x04" if level == 1 else b"\x00")
    crc, size = zlib.crc32(head), len(head)
    with open(tmp, "wb") as f:
        f.write(b"\x1f\x8b\x08\x00\x00\x00\x00\x00" + xfl + b"\xff")
        if head:
            f.write(deflate_chunk(head, level)[0])
        for data, chunk_crc, n in chunks:
            f.write(data)
            crc = crc32_combine(crc, chunk_crc, n)
            size += n
        f.write(zlib.compressobj(level, zlib.DEFLATED, -15, 9).flush())  # the final, empty block
        f.write(struct.pack("<II", crc & 0xFFFFFFFF, size & 0xFFFFFFFF))
    os.replace(tmp, path)
    return size


# ------------------------------------------------------------------------------------------------ rows

# Set before the worker pool forks, read by the workers (never pickled).
_STATE: dict[str, Any] = {}


def _dumps(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False)


def _bad_meta_line(bad: BadLine, cat: Catalogue, prev_index: int, max_pop: float, seed: int) -> bytes:
    r = random.Random(_seed_int(seed, 9, bad.line_number))
    record = make_record(cat, item_at(cat, prev_index), r, max_pop)
    if bad.kind != "duplicate_parent_asin":
        record["parent_asin"] = bad.spare_asin
    if bad.kind == "malformed_json":
        text = _dumps(record)
        return text[: max(10, len(text) // 2)].encode("utf-8") + b"\n"  # cut mid-object: no closing brace
    if bad.kind == "invalid_utf8":
        record["title"] = "@@BAD@@"
        raw = _dumps(record).encode("utf-8")
        return raw.replace(b"@@BAD@@", b"Caf\xe9 Racer \xff\xfe Edition") + b"\n"  # latin-1 and stray bytes
    if bad.kind == "wrong_type_features":
        record["features"] = "not a list"
    elif bad.kind == "wrong_type_title":
        record["title"] = 123
    elif bad.kind == "missing_parent_asin":
        del record["parent_asin"]
    elif bad.kind == "duplicate_parent_asin":
        record["title"] = f"{record['title']} (Relisted)"
    return (_dumps(record) + "\n").encode("utf-8")


def meta_chunk(k: int) -> tuple[bytes, int, int]:
    cfg: SampleConfig = _STATE["cfg"]
    cat: Catalogue = _STATE["cat"]
    bad_after: dict[int, list[BadLine]] = _STATE["meta_bad"]
    max_pop = float(_STATE["max_pop"])
    lo = k * cfg.items_per_chunk
    hi = min(lo + cfg.items_per_chunk, cfg.n_items)
    order = cat.meta_order[lo:hi].tolist()
    r = random.Random(_seed_int(cfg.seed, 7, k))
    # the real weight draws from a stream of its own: the light fields stay those of the light listing
    heavy = random.Random(_seed_int(cfg.seed, 11, k)) if cfg.listing_weight == "real" else None
    lines: list[bytes] = []
    for row, it in enumerate(items_for(cat, order), start=lo):
        record = make_record(cat, it, r, max_pop)
        if heavy is not None:
            record = weigh(cat, it, record, heavy)
        lines.append((_dumps(record) + "\n").encode("utf-8"))
        for bad in bad_after.get(row + 1, ()):
            lines.append(_bad_meta_line(bad, cat, it.index, max_pop, cfg.seed))
    return deflate_chunk(b"".join(lines), cfg.compresslevel)


def csv_chunk(k: int) -> tuple[bytes, int, int]:
    cfg: SampleConfig = _STATE["cfg"]
    cat: Catalogue = _STATE["cat"]
    inter: Interactions = _STATE["inter"]
    bad_after: dict[int, list[BadLine]] = _STATE["csv_bad"]
    u_lo = k * cfg.users_per_chunk
    u_hi = min(u_lo + cfg.users_per_chunk, len(inter.user_ids))
    s_lo, s_hi = int(inter.offsets[u_lo]), int(inter.offsets[u_hi])
    asin = cat.asin
    items = [asin[i] for i in inter.item[s_lo:s_hi].tolist()]
    ratings = [RATING_TEXT[x] for x in inter.rating[s_lo:s_hi].tolist()]
    stamps = inter.timestamp[s_lo:s_hi].tolist()
    bounds = (inter.offsets[u_lo : u_hi + 1] - s_lo).tolist()
    out: list[str] = []
    for u in range(u_hi - u_lo):
        uid = inter.user_ids[u_lo + u]
        history = ""
        for j in range(bounds[u], bounds[u + 1]):
            row = f"{uid},{items[j]},{ratings[j]},{stamps[j]},{history}\n"
            out.append(row)
            history = f"{history} {items[j]}" if history else items[j]
            for bad in bad_after.get(s_lo + j + 1, ()):
                out.append(_bad_csv_row(bad, row))
    return deflate_chunk("".join(out).encode("ascii"), cfg.compresslevel)


def _bad_csv_row(bad: BadLine, row: str) -> str:
    uid, item, rating, stamp, history = row.rstrip("\n").split(",")
    if bad.kind == "csv_too_few_fields":
        return f"{uid},{item},{rating}\n"
    if bad.kind == "csv_non_numeric_timestamp":
        return f"{uid},{item},{rating},2019-07-14 10:22:31,{history}\n"
    return f"{uid},{item},five,{stamp},{history}\n"


# ------------------------------------------------------------------------------------------------ driver


def run_chunks(
    fn: Callable[[int], tuple[bytes, int, int]], n_chunks: int, workers: int, progress: bool, desc: str
) -> Iterator[tuple[bytes, int, int]]:
    """Chunks in order; in a forked pool when workers > 1."""
    from tqdm import tqdm

    bar = tqdm(total=n_chunks, desc=desc, unit="chunk", disable=not progress, leave=False)
    try:
        if workers <= 1 or n_chunks <= 1:
            for k in range(n_chunks):
                yield fn(k)
                bar.update()
        else:
            ctx = multiprocessing.get_context("fork")
            with ctx.Pool(workers) as pool:
                for result in pool.imap(fn, range(n_chunks), chunksize=1):
                    yield result
                    bar.update()
    finally:
        bar.close()


def write_files(
    cfg: SampleConfig, cat: Catalogue, inter: Interactions, plan: list[BadLine], meta_path: Path, csv_path: Path
) -> tuple[int, int]:
    """Write both files; returns their uncompressed sizes."""
    meta_bad: dict[int, list[BadLine]] = {}
    csv_bad: dict[int, list[BadLine]] = {}
    for bad in plan:
        (meta_bad if bad.file == "meta" else csv_bad).setdefault(bad.after_row, []).append(bad)
    _STATE.update(
        cfg=cfg,
        cat=cat,
        inter=inter,
        meta_bad=meta_bad,
        csv_bad=csv_bad,
        max_pop=float(cat.popularity.max()) if cat.n else 0.0,
    )
    try:
        n_meta = -(-cfg.n_items // cfg.items_per_chunk)
        meta_size = write_gzip(
            meta_path, b"", run_chunks(meta_chunk, n_meta, cfg.workers, cfg.progress, "meta"), cfg.compresslevel
        )
        n_csv = -(-cfg.n_users // cfg.users_per_chunk)
        csv_size = write_gzip(
            csv_path,
            CSV_HEADER,
            run_chunks(csv_chunk, n_csv, cfg.workers, cfg.progress, "interactions"),
            cfg.compresslevel,
        )
    finally:
        _STATE.clear()
    return meta_size, csv_size
