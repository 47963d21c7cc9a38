"""A deterministic generator of a Video-Games-like Amazon Reviews 2023 category.

`generate(cfg, raw_dir)` writes, in the exact raw layout of the real dataset:

* ``<raw_dir>/<category>/meta_<category>.jsonl.gz``: one JSON object per line with the fields of the real
  meta files in their order (main_category, title, average_rating, rating_number, features,
  description, price, images, videos, store, categories, details, parent_asin, bought_together);
* ``<raw_dir>/<category>/<category>.train.csv.gz``: ``user_id,parent_asin,rating,timestamp,history``, one row
  per interaction, grouped by user (users in ascending id order), oldest first; ``history`` holds the
  user's earlier parent_asins, space separated, and is empty on a user's first row.

A latent world (catalogue.py) of product kinds, platforms, genres, invented franchises with ordered
installments, publishers and brands drives both the listing text (text.py) and the users' behaviour
(users.py), so sequences are predictable and similar items read alike. About half of the meta rows fail
notebook 01's filter, most of the catalogue never occurs in a sequence, and a few percent of the
interacted ASINs have no meta row, as in the real data.

Bad lines (``bad_lines`` = N, default 9 for the small preset, 0 otherwise) are extra records on top of the
clean counts. Kinds cycle in this order: malformed_json (meta object cut in half), csv_too_few_fields
(3 fields), invalid_utf8 (raw 0xE9/0xFF/0xFE bytes in a meta title), csv_non_numeric_timestamp
("2019-07-14 10:22:31"), wrong_type_features ("features": "not a list"), csv_non_numeric_rating
("five"), missing_parent_asin, duplicate_parent_asin (the previous meta row's ASIN, relisted), and
wrong_type_title ("title": 123). Within a file they sit at evenly spaced positions: the j-th of m bad
lines follows clean row max(1, floor((j+1) * rows / (m+1))); ``Report.bad_lines`` lists their line numbers.

Output bytes are a pure function of the config (seed and counts): gzip with mtime 0, fixed chunking,
seeded numpy and ``random.Random`` streams, no set or dict-order dependence, no clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from python_jobs.common.paths import CategoryPaths
from python_jobs.data.sample.config import PRESETS, SampleConfig, preset
from python_jobs.data.sample.writer import BAD_KINDS, BadLine

__all__ = ["BAD_KINDS", "PRESETS", "BadLine", "Report", "SampleConfig", "generate", "preset"]


@dataclass
class Report:
    meta_path: Path
    csv_path: Path
    meta_lines: int  # clean rows + bad lines
    csv_rows: int  # clean rows + bad rows (header not counted)
    users: int
    bad_lines: list[BadLine] = field(default_factory=list)
    meta_bytes: int = 0  # uncompressed
    csv_bytes: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


def generate(
    cfg: SampleConfig, raw_dir: Path | str = Path("data/raw"), on_stage: Callable[[str], None] | None = None
) -> Report:
    """Build the world, the users and both files under ``raw_dir/<category>/``.

    ``on_stage`` is called with a short message before each stage (the CLI prints them on big presets).
    """
    say = on_stage or (lambda _message: None)
    from python_jobs.data.sample.catalogue import build_catalogue
    from python_jobs.data.sample.users import generate_interactions
    from python_jobs.data.sample.writer import plan_bad_lines, write_files

    paths = CategoryPaths(cfg.category, data_dir=Path(raw_dir).parent)
    out_dir = Path(raw_dir) / cfg.category
    out_dir.mkdir(parents=True, exist_ok=True)
    meta_path = out_dir / paths.meta_file.name
    csv_path = out_dir / paths.interactions_file.name
    seconds: dict[str, float] = {}
    t = time.perf_counter()
    say(f"building the catalogue ({cfg.n_items:,} meta rows)")
    cat = build_catalogue(cfg)
    seconds["catalogue"] = time.perf_counter() - t
    t = time.perf_counter()
    say(f"drawing {cfg.n_interactions:,} interactions for {cfg.n_users:,} users")
    inter = generate_interactions(cfg, cat)
    seconds["interactions"] = time.perf_counter() - t
    plan = plan_bad_lines(cfg, cat)
    t = time.perf_counter()
    say(f"writing {meta_path.name} and {csv_path.name} with {cfg.workers} worker(s)")
    meta_bytes, csv_bytes = write_files(cfg, cat, inter, plan, meta_path, csv_path)
    seconds["write"] = time.perf_counter() - t
    n_meta_bad = sum(1 for b in plan if b.file == "meta")
    return Report(
        meta_path=meta_path,
        csv_path=csv_path,
        meta_lines=cfg.n_items + n_meta_bad,
        csv_rows=cfg.n_interactions + len(plan) - n_meta_bad,
        users=cfg.n_users,
        bad_lines=plan,
        meta_bytes=meta_bytes,
        csv_bytes=csv_bytes,
        seconds=seconds,
    )
