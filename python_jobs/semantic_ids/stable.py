"""Stable Semantic IDs across catalogue refreshes (`sid_mode: assign`): keep the IDs an LLM was fine-tuned on.

The reference is the *ID ledger* of the pinned model, `<registry>/<model id>/id_ledger.parquet`: every ID the
model's builds have handed out, one row per ID:

    parent_asin, sid_0..sid_3, semantic_id, text_hash, status, model_id
    status  live        the item's current ID
            removed     the item left the catalogue; its ID stays reserved (given back only to that item)
            superseded  an ID the item had before its text changed under `sid_changed_items: reencode`; reserved

A build in assign mode, against that reference (pure functions here, the I/O in dbt_models):
- `plan_assignment`: an item of the reference keeps its exact (c0, c1, c2, c3), text changed or not
  (`sid_changed_items: keep`, the default: the LLM's vocabulary stays as it is); with `reencode` an item whose
  text changed is placed again like a new item, and its old ID stays reserved;
- `place_new_items`: new items are encoded by the pinned model, the collision policy moves them (never anyone
  else) off the 3-code tuples the ledger holds, and the collision index gives each the smallest 4th code its
  tuple has free (several new items in one tuple: by descending popularity, then parent_asin, as the default);
- `update_ledger`: the next reference: today's IDs + every earlier ID no longer live, still reserved.

With an empty reference the result is exactly the default path's (`sid_mode: fresh`) IDs for the pinned model,
so the first stable build of a model reproduces the IDs its fresh build gave.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from python_jobs.common.files import atomic_write
from python_jobs.semantic_ids.collisions import resolve_collisions
from python_jobs.semantic_ids.quality import format_semantic_id

LEDGER_FILE = "id_ledger.parquet"
LIVE, REMOVED, SUPERSEDED = "live", "removed", "superseded"
STATUSES = (LIVE, REMOVED, SUPERSEDED)
LEVELS = 4  # 3 learned codes + the collision index
LEDGER_SCHEMA = pa.schema(
    [
        ("parent_asin", pa.string()),
        *[(f"sid_{level}", pa.int32()) for level in range(LEVELS)],
        ("semantic_id", pa.string()),
        ("text_hash", pa.string()),
        ("status", pa.string()),
        ("model_id", pa.string()),
    ]
)
MODE_KEY = b"sid_mode"  # parquet metadata: the sid_mode of the build that wrote the ledger


@dataclass(frozen=True)
class Reference:
    """A previous assignment: rows of the ledger schema (text_hash may be None = unknown)."""

    asins: np.ndarray  # [R] str
    codes: np.ndarray  # [R, 4] int64
    text_hash: np.ndarray  # [R] str | None
    status: np.ndarray  # [R] str
    model_ids: frozenset[str]

    @property
    def n(self) -> int:
        return len(self.asins)

    @classmethod
    def empty(cls) -> Reference:
        return cls(
            np.array([], dtype=object),
            np.zeros((0, LEVELS), np.int64),
            np.array([], dtype=object),
            np.array([], dtype=object),
            frozenset(),
        )

    @classmethod
    def from_arrow(cls, table: pa.Table, source: str = "reference") -> Reference:
        """From a ledger, or from any table with parent_asin and sid_0..sid_3 (e.g. a `semantic_ids` export:
        no text_hash = text changes unknown, no status = every row live)."""
        required = ["parent_asin", *[f"sid_{level}" for level in range(LEVELS)]]
        missing = [c for c in required if c not in table.column_names]
        if missing:
            raise ValueError(f"{source}: missing column(s) {missing}; has {table.column_names}")
        n = table.num_rows

        def column(name: str, default: object) -> np.ndarray:
            values = table.column(name).to_pylist() if name in table.column_names else [default] * n
            return np.array(values, dtype=object)

        asins = column("parent_asin", None)
        codes = np.stack([table.column(f"sid_{level}").to_numpy(zero_copy_only=False) for level in range(LEVELS)], 1)
        status = column("status", LIVE)
        model_ids = frozenset(m for m in column("model_id", None) if m)
        ref = cls(asins, codes.astype(np.int64).reshape(n, LEVELS), column("text_hash", None), status, model_ids)
        ref.validate(source)
        return ref

    def validate(self, source: str) -> None:
        if any(a is None for a in self.asins):
            raise ValueError(f"{source}: null parent_asin")
        bad = sorted({str(s) for s in self.status} - set(STATUSES))
        if bad:
            raise ValueError(f"{source}: unknown status {bad}; expected one of {list(STATUSES)}")
        if self.n and len(np.unique(self.codes, axis=0)) != self.n:
            raise ValueError(f"{source}: two rows hold the same Semantic ID")
        own = self.asins[self.status != SUPERSEDED]
        if len(set(own)) != len(own):
            raise ValueError(f"{source}: an item has more than one live or removed ID")

    def own_rows(self) -> dict[str, int]:
        """parent_asin -> the row of its own ID (live, or the one it had when it was removed)."""
        return {str(a): i for i, (a, s) in enumerate(zip(self.asins, self.status)) if s != SUPERSEDED}


def plan_assignment(
    reference: Reference, asins: Sequence[str], text_hashes: Sequence[str | None], changed_items: str
) -> tuple[np.ndarray, np.ndarray]:
    """For each current item: the reference row whose ID it keeps (-1 = place it as new), and whether its text
    changed (None: not in the reference, or the reference has no text hash for it)."""
    if changed_items not in ("keep", "reencode"):
        raise ValueError(f"sid_changed_items must be keep or reencode, not {changed_items!r}")
    own = reference.own_rows()
    keep = np.full(len(asins), -1, dtype=np.int64)
    changed = np.full(len(asins), None, dtype=object)
    for i, (asin, text_hash) in enumerate(zip(asins, text_hashes)):
        row = own.get(str(asin))
        if row is None:
            continue
        old = reference.text_hash[row]
        changed[i] = None if old is None or text_hash is None else bool(old != text_hash)
        if not (changed[i] and changed_items == "reencode"):
            keep[i] = row
    return keep, changed


def place_new_items(
    asins: Sequence[str],
    raw_codes: np.ndarray,
    last_distances: np.ndarray | None,
    popularity: Sequence[int],
    reserved: np.ndarray,
    collision_policy: str,
    codebook_size: int,
) -> np.ndarray:
    """Full IDs [M, 4] for new items, moving no reserved ID.

    raw_codes [M, 3]: the pinned model's nearest codes; last_distances [M, K]: squared distances of each item's
    last-level residual to every code (needed for `last_level`); reserved [R, 4]: every ID already handed out.
    `last_level`: an item whose 3 codes collide with a reserved ID or a closer new item moves to its nearest
    3rd-level code that no reserved ID and no other new item holds (if its prefix has one free). Then each item
    takes the smallest collision index its 3-code tuple has free, by descending popularity then parent_asin.
    """
    m = len(asins)
    raw_codes = np.asarray(raw_codes, dtype=np.int64).reshape(m, LEVELS - 1)
    reserved = np.asarray(reserved, dtype=np.int64).reshape(-1, LEVELS)
    if collision_policy == "last_level" and m:
        if last_distances is None:
            raise ValueError("collision policy last_level needs the last-level distances")
        stacked = np.concatenate([reserved[:, : LEVELS - 1], raw_codes])
        distances = np.concatenate([np.zeros((len(reserved), codebook_size)), np.asarray(last_distances)])
        fixed = np.arange(len(stacked)) < len(reserved)
        codes3 = resolve_collisions(stacked, distances, fixed=fixed)[len(reserved) :]
    elif collision_policy in ("last_level", "none"):
        codes3 = raw_codes.copy()
    else:
        raise ValueError(f"unknown collision policy {collision_policy!r}")
    used: dict[tuple[int, ...], set[int]] = defaultdict(set)
    for row in reserved:
        used[tuple(int(c) for c in row[:3])].add(int(row[3]))
    out = np.zeros((m, LEVELS), dtype=np.int64)
    out[:, :3] = codes3
    for i in sorted(range(m), key=lambda i: (-int(popularity[i]), str(asins[i]))):
        prefix = tuple(int(c) for c in codes3[i])
        taken = used[prefix]
        index = next(j for j in range(len(taken) + 1) if j not in taken)
        if index >= codebook_size:
            raise ValueError(
                f"{len(taken) + 1} items share the codes {prefix}; the collision index holds at most "
                f"{codebook_size}. Train a better quantizer before building IDs."
            )
        taken.add(index)
        out[i, 3] = index
    return out


def semantic_ids(codes: np.ndarray, codebook_size: int) -> list[str]:
    return [format_semantic_id(tuple(int(c) for c in row), codebook_size) for row in np.asarray(codes)]


def update_ledger(
    reference: Reference,
    asins: Sequence[str],
    codes: np.ndarray,
    text_hashes: Sequence[str | None],
    *,
    keep_reserved: bool,
    model_id: str,
    codebook_size: int,
) -> pa.Table:
    """The next reference: one live row per current item and, with `keep_reserved` (assign mode), every
    reference ID that is no longer live, still reserved (removed: its item left; superseded: its item now has
    another ID). Sorted by parent_asin then ID; fails if two rows would hold one ID."""
    codes = np.asarray(codes, dtype=np.int64).reshape(len(asins), LEVELS)
    rows: list[tuple] = [
        (str(a), tuple(int(c) for c in code), h, LIVE) for a, code, h in zip(asins, codes, text_hashes, strict=True)
    ]
    if keep_reserved:
        live = {(str(a), tuple(int(c) for c in code)) for a, code in zip(asins, codes)}
        present = {str(a) for a in asins}
        for asin, code, text_hash, status in zip(
            reference.asins, reference.codes, reference.text_hash, reference.status
        ):
            key = (str(asin), tuple(int(c) for c in code))
            if key in live:
                continue
            if status == LIVE or status == REMOVED:
                status = SUPERSEDED if key[0] in present else REMOVED
            rows.append((*key, text_hash, status))
    rows.sort(key=lambda r: (r[0], r[1]))
    all_codes = np.array([r[1] for r in rows], dtype=np.int64).reshape(len(rows), LEVELS)
    if len(rows) and len(np.unique(all_codes, axis=0)) != len(rows):
        raise ValueError("the new ID ledger would hold one Semantic ID twice; nothing was written")
    asins_out, _, hashes_out, statuses = zip(*rows) if rows else ((), (), (), ())
    return ledger_table(asins_out, all_codes, hashes_out, statuses, model_id, codebook_size)


def ledger_table(
    asins: Sequence[str],
    codes: np.ndarray,
    text_hashes: Sequence[str | None],
    statuses: Sequence[str],
    model_id: str,
    codebook_size: int,
) -> pa.Table:
    """Rows of the ledger schema, in the given order, all of `model_id`."""
    codes = np.asarray(codes, dtype=np.int64).reshape(len(asins), LEVELS)
    columns = {
        "parent_asin": [str(a) for a in asins],
        **{f"sid_{level}": codes[:, level].tolist() for level in range(LEVELS)},
        "semantic_id": semantic_ids(codes, codebook_size),
        "text_hash": list(text_hashes),
        "status": list(statuses),
        "model_id": [model_id] * len(asins),
    }
    return pa.table(columns, schema=LEDGER_SCHEMA)


def read_reference(path: Path | str) -> tuple[Reference, str | None]:
    """A reference from a parquet file (a ledger or a `semantic_ids` export), and the sid_mode that wrote it
    (None for a file that is not a ledger). A missing file is an empty reference."""
    path = Path(path)
    if not path.is_file():
        return Reference.empty(), None
    table = pq.read_table(path)
    mode = (table.schema.metadata or {}).get(MODE_KEY)
    return Reference.from_arrow(table, str(path)), mode.decode() if mode else None


def write_ledger(path: Path | str, ledger: pa.Table, mode: str) -> None:
    """Atomically, with the writing build's sid_mode in the file's metadata (deterministic bytes: no time)."""
    table = ledger.replace_schema_metadata({MODE_KEY: mode.encode()})
    atomic_write(Path(path), lambda p: pq.write_table(table, p))
