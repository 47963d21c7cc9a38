-- Each user's split, decided before any ID exists so that nothing upstream of the evaluation reads validation
-- users: a deterministic bucket of user_id and the salt (macros/hash_bucket.sql: the first 32 bits of md5 mod 10000),
-- independent of row order and of the DuckDB version; users below sid_val_share x 10000 are validation.
{%- set val_buckets = (var('sid_val_share') | float * 10000) | round | int %}
with buckets as (
    select
        user_id,
        {{ hash_bucket('user_id', var('sid_split_salt')) }} as split_bucket
    from {{ ref('sequences_enriched') }}
)

select
    user_id,
    split_bucket,
    case when split_bucket < {{ val_buckets }} then 'val' else 'train' end as split
from buckets
order by user_id
