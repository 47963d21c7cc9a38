"""Notebook 01 as one plain DuckDB script: no dbt, no warehouse, no rejects table, no tests (issue 11's floor).

What the engine under the dbt stage needs for the same items and sequences, written the fastest plain way:
one in-memory connection, each raw file read once as lines, the results written straight to parquet. It keeps the
rules that decide *which* rows are used, so its outputs equal dbt's (bench_stage01.py checks that before timing):
a meta line is used only when it is UTF-8 JSON whose fields have the Amazon 2023 types (one strict parse; only the
lines it refuses are checked field by field), the first line of a parent_asin is kept *before* the
title/description filters, a CSV line needs exactly 5 fields, no stray quote and typed rating/timestamp, and a
user's longest history wins with the same tie-breaks (latest timestamp, smallest parent_asin, first line).
What it leaves out: why a line was refused and its line number, the step counts, the statistics, the warehouse.

Usage: python benchmarks/stage01_duckdb.py RAW_DIR CATEGORY OUT_DIR
"""

import sys
from pathlib import Path

import duckdb

raw, category, out = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
out.mkdir(parents=True, exist_ok=True)
LINES = (
    "read_csv('{path}', columns = {{'line': 'VARCHAR'}}, header = false, auto_detect = false, delim = chr(31), "
    "quote = '', escape = '', strict_mode = false, ignore_errors = true) with ordinality"
)
STRUCTURE = (
    """'{"parent_asin": "JSON", "title": "JSON", "main_category": "JSON", "store": "JSON", "features": "VARCHAR[]", """
    """"description": "VARCHAR[]", "categories": "VARCHAR[]", "details": "JSON", "average_rating": "DOUBLE", """
    """"rating_number": "BIGINT", "price": "JSON"}'"""
)


def is_a(path: str, *types: str) -> str:
    allowed = ", ".join(f"'{t}'" for t in ("NULL", *types))
    return f"coalesce(json_type(j, '$.{path}'), 'NULL') in ({allowed})"


# the field-by-field rules, for the few lines the strict parse refuses (a missing optional key is fine)
USABLE = " and ".join(
    [
        "j is not null",
        "json_type(j) = 'OBJECT'",
        "json_type(j, '$.parent_asin') = 'VARCHAR'",
        "trim(j ->> '$.parent_asin') <> ''",
        *(is_a(f, "VARCHAR") for f in ("title", "main_category", "store")),
        *(is_a(f, "ARRAY") for f in ("features", "description", "categories")),
        is_a("details", "OBJECT"),
        is_a("average_rating", "DOUBLE", "UBIGINT", "BIGINT"),
        is_a("rating_number", "UBIGINT", "BIGINT"),
    ]
)
# the strict parse keeps text fields as JSON, so a number where text belongs is caught by its first character
TEXT_OK = " and ".join(
    [
        "left(r.parent_asin::varchar, 1) = '\"' and trim(r.parent_asin ->> '$') <> ''",
        *(f"coalesce(left(r.{f}::varchar, 1) in ('\"', 'n'), true)" for f in ("title", "main_category", "store")),
    ]
)
# a CSV line that is ASCII, without quote, carriage return or space at a field boundary is split as is;
# only the others need the per-field trims (the same rules as stg_interactions)
CARE = (
    "(strlen(line) <> length(line) or contains(line, '\"') or contains(line, chr(13)) or contains(line, ' ,') "
    "or contains(line, ', ') or starts_with(line, ' ') or ends_with(line, ' '))"
)
HISTORY_LENGTH = "case when history = '' then 0 else len(history) - len(replace(history, ' ', '')) + 1 end"

con = duckdb.connect()
con.execute(f"""
create table items as
with records as (
    select n, coalesce(r, case when {USABLE} then json_transform(j, {STRUCTURE}) end) as r
    from (select n, r, case when r is null then try_cast(line as json) end as j
          from (select n, line, case when {TEXT_OK} then r end as r
                from (select ordinality as n, line, try(json_transform_strict(line, {STRUCTURE})) as r
                      from {LINES.format(path=raw / category / f"meta_{category}.jsonl.gz")})))
),
first_lines as (  -- the dedup rule comes first: a later repeat is dropped even if the first line fails the filters
    select n, trim(r.parent_asin ->> '$') as parent_asin, r.title ->> '$' as title,
           array_to_string(coalesce(r.description, []), ' ') as description_text, r
    from records
    where r is not null
    qualify row_number() over (partition by trim(r.parent_asin ->> '$') order by n) = 1
)
select parent_asin, coalesce(title, '') as title, description_text,
       array_to_string(coalesce(r.features, []), ' ') as features_text,
       array_to_string(coalesce(r.categories, []), ' > ') as categories_text,
       coalesce(r.main_category ->> '$', '') as main_category, coalesce(r.store ->> '$', '') as store,
       r.average_rating, coalesce(r.rating_number, 0) as rating_number, coalesce(r.price ->> '$', '') as price
from first_lines
where length(coalesce(title, '')) > 20 and length(description_text) > 100;
copy (select * from items order by parent_asin) to '{out}/items.parquet' (format parquet, compression zstd);

copy (
    with fields as (
        select ordinality as n, line, {CARE} as care
        from {LINES.format(path=raw / category / f"{category}.train.csv.gz")}
    ),
    parts as (
        select n, care,
               case when care then list_transform(string_split(rtrim(line, chr(13)), ','), lambda f: trim(f, '"'))
                    else string_split(line, ',') end as p,
               case when contains(line, '"') then list_bool_or(list_transform(string_split(rtrim(line, chr(13)), ','),
                   lambda f: contains(f, '"') and not regexp_full_match(trim(f), '"[^"]*"'))) else false end as bad_quotes
        from fields
        where n > 1
    ),
    typed as (
        select n, len(p) as n_fields, bad_quotes,
               case when care then trim(p[1]) else p[1] end as user_id,
               case when care then trim(p[2]) else p[2] end as parent_asin,
               p[3] as rating, try_cast(p[4] as bigint) as ts,
               case when care then trim(p[5]) else p[5] end as history
        from parts
    ),
    valid as (
        select * from typed
        where n_fields = 5 and not bad_quotes and user_id <> '' and parent_asin <> '' and ts is not null
          and (try_cast(rating as double) is not null or trim(rating) = '')
    ),
    users as (  -- each user's longest history, ties: latest timestamp, smallest parent_asin, first line
        select user_id, arg_min({{history: history, parent_asin: parent_asin}},
                                {{l: -{HISTORY_LENGTH}, t: -ts, a: parent_asin, n: n}}) as b
        from valid
        group by user_id
    ),
    exploded as (
        select user_id, unnest(s) as item, generate_subscripts(s, 1) as pos
        from (select user_id, list_filter(string_split(b.history, ' '), lambda x: x <> '') || [b.parent_asin] as s
              from users)
    ),
    kept as (
        select user_id, list(item order by pos) as sequence
        from exploded
        where item in (select parent_asin from items)
        group by user_id
    )
    select user_id, sequence[-100:] as sequence, least(len(sequence), 100) as sequence_length
    from kept
    where len(sequence) >= 3
    order by user_id
) to '{out}/sequences.parquet' (format parquet, compression zstd);
""")
n_items = con.execute("select count(*) from items").fetchone()[0]
n_sequences = con.execute(f"select count(*) from '{out}/sequences.parquet'").fetchone()[0]
print(f"items={n_items} sequences={n_sequences}")
