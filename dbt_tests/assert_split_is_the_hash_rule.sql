-- Train and val users are exactly the ones the split rule names, recomputed here another way: the bucket from
-- the md5's first eight hex digits read one by one (not int_user_split's '0x' cast), membership read from the two
-- output tables (not from the split column). Every enriched user is in exactly one of them, and in the one the
-- rule says. (It replaces the train/val disjointness tests, which one split column guaranteed by construction.)
{{ config(tags=['stage_03']) }}
with users as (
    select user_id, md5(user_id || {{ sql_string(var('sid_split_salt')) }}) as digest
    from {{ ref('sequences_enriched') }}
),

expected as (
    select
        user_id,
        list_sum(list_transform(range(8),
            lambda i: (strpos('0123456789abcdef', digest[i + 1]) - 1) * pow(16, 7 - i)))::ubigint % 10000
            < {{ var('sid_val_share') }} * 10000 as is_val
    from users
),

placed as (
    select user_id, count(*) filter (where side = 'val') as in_val, count(*) filter (where side = 'train') as in_train
    from (
        select user_id, 'val' as side from {{ ref('sequences_val') }}
        union all
        select user_id, 'train' from {{ ref('sequences_train') }}
    )
    group by user_id
)

select coalesce(e.user_id, p.user_id) as user_id, e.is_val, p.in_val, p.in_train
from expected as e
full join placed as p on e.user_id = p.user_id
where e.user_id is null
   or p.user_id is null
   or p.in_val + p.in_train <> 1
   or (p.in_val = 1) <> e.is_val
