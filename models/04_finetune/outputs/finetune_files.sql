{{ config(post_hook=["{{ ft_export_files(ref('conversations')) }}"]) }}
-- The files of `conversations` under <out_dir>/<category>/finetune/, one row each with the records it holds; its
-- post-hook writes them (macro ft_export_files). A node of its own: the writing (3 GB of JSONL at the full preset)
-- runs beside finetune_stats and finetune_leak_check, not before them (in `dbt build` all three wait for the tests
-- of `conversations`).
with counts as (
    select split, type, count(*) as records from {{ ref('conversations') }} group by split, type
),

-- one file per type of the seed, as the hook writes them (a type without training records gets an empty file)
types as (
    select distinct type from {{ ref('finetune_templates') }}
)

select s.split || '.' || f.format as file, s.split, null::varchar as type, f.format,
       coalesce(sum(c.records), 0)::bigint as records
from (values ('train'), ('val'), ('heldout')) as s(split)
cross join (values ('jsonl'), ('parquet')) as f(format)
left join counts c using (split)
group by s.split, f.format
union all
select 'train_' || t.type || '.parquet', 'train', t.type, 'parquet', coalesce(c.records, 0)::bigint
from types t
left join counts c on c.split = 'train' and c.type = t.type
order by file
