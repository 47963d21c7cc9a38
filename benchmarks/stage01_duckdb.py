"""Notebook 01 as one plain DuckDB script (no dbt, no reject handling): the floor for the dbt stage.

Usage: python benchmarks/stage01_duckdb.py RAW_DIR CATEGORY OUT_DIR
"""

import sys
from pathlib import Path

import duckdb

raw, category, out = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
out.mkdir(parents=True, exist_ok=True)
con = duckdb.connect()
con.execute(f"""
create table items as
select parent_asin, title,
       array_to_string(description, ' ') as description_text,
       array_to_string(features, ' ') as features_text,
       array_to_string(categories, ' > ') as categories_text,
       main_category, store, average_rating, rating_number, price::varchar as price
from read_json('{raw}/{category}/meta_{category}.jsonl.gz', format='newline_delimited', ignore_errors=true,
               columns={{parent_asin: 'VARCHAR', title: 'VARCHAR', description: 'VARCHAR[]', features: 'VARCHAR[]',
                        categories: 'VARCHAR[]', main_category: 'VARCHAR', store: 'VARCHAR',
                        average_rating: 'DOUBLE', rating_number: 'BIGINT', price: 'VARCHAR'}})
where length(title) > 20 and length(array_to_string(description, ' ')) > 100
qualify row_number() over (partition by parent_asin) = 1;
copy items to '{out}/items.parquet';
create table users as
select user_id, list_filter(string_split(coalesce(history, ''), ' '), lambda x: x <> '') || [parent_asin] as full_sequence
from read_csv('{raw}/{category}/{category}.train.csv.gz', header=true,
              columns={{user_id: 'VARCHAR', parent_asin: 'VARCHAR', rating: 'DOUBLE', timestamp: 'BIGINT', history: 'VARCHAR'}})
qualify row_number() over (partition by user_id
                           order by len(coalesce(history, '')) - len(replace(coalesce(history, ''), ' ', '')) desc,
                                    timestamp desc, parent_asin) = 1;
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
