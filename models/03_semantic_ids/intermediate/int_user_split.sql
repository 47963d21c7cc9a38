-- Each user's split, decided before any ID exists so that nothing upstream of the evaluation reads validation
-- users: a deterministic bucket from md5(user_id || salt) (first 32 bits mod 10000), independent of row order and
-- of the DuckDB version; users below sid_val_share x 10000 are validation.
{%- set val_buckets = (var('sid_val_share') | float * 10000) | round | int %}
with buckets as (
    select
        user_id,
        (('0x' || left(md5(user_id || {{ sql_string(var('sid_split_salt')) }}), 8))::ubigint % 10000)::integer
            as split_bucket
    from {{ ref('sequences_enriched') }}
)

select
    user_id,
    split_bucket,
    case when split_bucket < {{ val_buckets }} then 'val' else 'train' end as split
from buckets
order by user_id
