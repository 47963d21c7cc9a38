"""Time the sample generator and check its data against notebook 01's numbers with a plain DuckDB query.

    .venv/bin/python benchmarks/bench_sample.py --preset full --out /tmp/sample_bench
    .venv/bin/python benchmarks/bench_sample.py --preset small --out /tmp/sample_bench --skip-generate

Writes outside the repository by default. Prints wall time, peak RSS, file sizes and the notebook 01
statistics (meta rows, rows passing the title/description filter, users, sequences with >= 3 items after
dropping items without valid metadata, mean/median/max length), next to the real Video_Games figures.
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

REAL = {
    "meta rows": 137_269,
    "pass filter": 66_133,
    "users": 91_562,
    "sequences": 78_643,
    "mean": 6.5,
    "median": 5.0,
    "max": 100,
    "interacted items": None,
}

STATS_SQL = """
with meta as (
    select title, description, parent_asin
    from read_json('{meta}', format = 'newline_delimited', ignore_errors = true,
                   columns = {{title: 'VARCHAR', description: 'VARCHAR[]', parent_asin: 'VARCHAR'}})
),
valid as (
    select distinct parent_asin from meta
    where title is not null and length(title) > {min_title}
      and length(coalesce(array_to_string(description, ' '), '')) > {min_desc}
),
rows as (
    select * from read_csv('{csv}', header = true, ignore_errors = true,
        columns = {{user_id: 'VARCHAR', parent_asin: 'VARCHAR', rating: 'DOUBLE', timestamp: 'BIGINT',
                    history: 'VARCHAR'}})
),
last as (
    select user_id, coalesce(history, '') as history, parent_asin from rows
    qualify row_number() over (partition by user_id
                               order by length(coalesce(history, '')) desc, timestamp desc) = 1
),
items as (
    select user_id, unnest(list_concat(
        case when history = '' then []::varchar[] else string_split(history, ' ') end, [parent_asin])) as asin
    from last
),
seq as (
    select l.user_id, count(v.parent_asin) as n
    from last l left join items i using (user_id) left join valid v on v.parent_asin = i.asin
    group by l.user_id
),
kept as (select user_id, n from seq where n >= {min_len})
select
    (select count(*) from meta) as meta_rows,
    (select count(*) from valid) as pass_filter,
    (select count(*) from rows) as interactions,
    (select count(distinct user_id) from rows) as users,
    (select count(*) from kept) as sequences,
    (select round(avg(least(n, 100)), 2) from kept) as mean,
    (select median(least(n, 100)) from kept) as median,
    (select max(least(n, 100)) from kept) as max,
    (select count(*) from kept where n > 100) as truncated,
    (select count(distinct parent_asin) from rows) as interacted_items,
    (select count(distinct r.parent_asin) from rows r anti join meta m on m.parent_asin = r.parent_asin)
        as interacted_without_meta,
    (select count(*) from meta m anti join (select distinct parent_asin from rows) r
        on r.parent_asin = m.parent_asin) as meta_never_interacted
"""


def notebook01_stats(meta: Path, csv: Path) -> dict[str, float]:
    import duckdb

    con = duckdb.connect()
    sql = STATS_SQL.format(meta=meta, csv=csv, min_title=20, min_desc=100, min_len=3)
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    return dict(zip(names, cur.fetchone()))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--preset", default="full", help="small, full or 10x")
    ap.add_argument("--out", type=Path, default=Path("/tmp/sample_bench"), help="raw dir to write into")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--workers", type=int, default=None, help="worker processes (default: by CPU count)")
    ap.add_argument("--skip-generate", action="store_true", help="only compute the statistics")
    ap.add_argument("--skip-stats", action="store_true", help="only time the generation")
    args = ap.parse_args()

    from python_jobs.data.sample import generate, preset
    from python_jobs.data.sample.config import default_workers

    cfg = preset(args.preset, seed=args.seed, workers=args.workers or default_workers(), progress=False)
    meta = args.out / cfg.category / f"meta_{cfg.category}.jsonl.gz"
    csv = args.out / cfg.category / f"{cfg.category}.train.csv.gz"
    if not args.skip_generate:
        t = time.perf_counter()
        report = generate(cfg, args.out)
        wall = time.perf_counter() - t
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(
            f"preset {args.preset}: {wall:.1f} s wall with {cfg.workers} workers "
            f"({', '.join(f'{k} {v:.1f} s' for k, v in report.seconds.items())}); "
            f"peak RSS {rss:.0f} MB (largest worker {child:.0f} MB)"
        )
        for path, raw in ((meta, report.meta_bytes), (csv, report.csv_bytes)):
            print(f"  {path}: {path.stat().st_size / 1e6:.1f} MB gzip, {raw / 1e6:.1f} MB raw")
    if not args.skip_stats:
        t = time.perf_counter()
        stats = notebook01_stats(meta, csv)
        print(f"notebook 01 statistics ({time.perf_counter() - t:.1f} s):")
        for key, value in stats.items():
            print(f"  {key:>24}: {value}")
        print(f"  real Video_Games: {REAL}")


if __name__ == "__main__":
    main()
