"""Notebook 01 as one plain DuckDB script (no dbt, no rejects table), written directly from the rules.

Not a floor for the dbt stage: it checks every line field by field, where stg_meta first tries one strict parse
and inspects only the lines it refuses (on the full preset this script is slower than `dbt run` for that reason).

It does the dbt models' work, so its time compares like with like: raw lines read as text, the same type rules
(a line whose fields do not have the Amazon 2023 types is not used), the first line of a parent_asin kept
*before* the title/description filters, a user's longest history with the same tie-breaks (latest timestamp,
smallest parent_asin, first line). bench_stage01.py checks its items and sequences equal dbt's before timing.
What it leaves out: reject reasons and line numbers of unreadable lines, the step counts and the statistics.

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


def is_a(path: str, *types: str) -> str:
    allowed = ", ".join(f"'{t}'" for t in ("NULL", *types))
    return f"coalesce(json_type(j, '$.{path}'), 'NULL') in ({allowed})"


usable = " and ".join(
    [
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
con = duckdb.connect()
con.execute(f"""
create table records as
select ordinality as line_number, try_cast(line as json) as j
from {LINES.format(path=f"{raw}/{category}/meta_{category}.jsonl.gz")};

create table items as
with valid as (
    select line_number, trim(j ->> '$.parent_asin') as parent_asin, j from records where j is not null and {usable}
),
first_lines as (  -- the dedup rule comes first: a later repeat is dropped even if the first line fails the filters
    select * from valid qualify row_number() over (partition by parent_asin order by line_number) = 1
),
typed as (
    select parent_asin,
           j ->> '$.title' as title,
           array_to_string(coalesce(from_json(j -> '$.description', '["VARCHAR"]'), []), ' ') as description_text,
           array_to_string(coalesce(from_json(j -> '$.features', '["VARCHAR"]'), []), ' ') as features_text,
           array_to_string(coalesce(from_json(j -> '$.categories', '["VARCHAR"]'), []), ' > ') as categories_text,
           j ->> '$.main_category' as main_category, j ->> '$.store' as store,
           (j ->> '$.average_rating')::double as average_rating, (j ->> '$.rating_number')::bigint as rating_number,
           j ->> '$.price' as price
    from first_lines
)
select parent_asin, coalesce(title, '') as title, description_text, features_text, categories_text,
       coalesce(main_category, '') as main_category, coalesce(store, '') as store, average_rating,
       coalesce(rating_number, 0) as rating_number, coalesce(price, '') as price
from typed
where length(coalesce(title, '')) > 20 and length(description_text) > 100;
copy (select * from items order by parent_asin) to '{out}/items.parquet';

create table users as
with fields as (
    select ordinality as line_number, string_split(rtrim(line, chr(13)), ',') as raw_parts
    from {LINES.format(path=f"{raw}/{category}/{category}.train.csv.gz")}
),
rows as (
    select line_number, list_transform(raw_parts, lambda f: trim(f, '"')) as p,
           list_bool_or(list_transform(raw_parts,
               lambda f: contains(f, '"') and not regexp_full_match(trim(f), '"[^"]*"'))) as bad_quotes
    from fields where line_number > 1
),
valid as (
    select line_number, trim(p[1]) as user_id, trim(p[2]) as parent_asin, trim(p[5]) as history,
           try_cast(p[4] as bigint) as ts
    from rows
    where len(p) = 5 and not bad_quotes and trim(p[1]) <> '' and trim(p[2]) <> ''
      and (try_cast(p[3] as double) is not null or trim(p[3]) = '') and try_cast(p[4] as bigint) is not null
)
select user_id, list_filter(string_split(history, ' '), lambda x: x <> '') || [parent_asin] as full_sequence
from valid
qualify row_number() over (
    partition by user_id
    order by case when history = '' then 0 else len(history) - len(replace(history, ' ', '')) + 1 end desc,
             ts desc, parent_asin, line_number) = 1;
copy (
  with exploded as (select user_id, unnest(full_sequence) as item, generate_subscripts(full_sequence, 1) as pos from users),
  kept as (select user_id, list(item order by pos) as sequence from exploded
           where item in (select parent_asin from items) group by user_id)
  select user_id, sequence[-100:] as sequence, least(len(sequence), 100) as sequence_length
  from kept where len(sequence) >= 3 order by user_id
) to '{out}/sequences.parquet';
""")
print(
    con.execute("select count(*) from items").fetchall(),
    con.execute(f"select count(*) from '{out}/sequences.parquet'").fetchall(),
)
