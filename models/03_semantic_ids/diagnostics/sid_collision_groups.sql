-- Histogram of collision-group sizes: how many (sid_0, sid_1, sid_2) groups hold 1, 2, 3, ... items.
with groups as (
    select count(*) as group_size
    from {{ ref('semantic_ids') }}
    group by sid_0, sid_1, sid_2
)

select
    group_size::integer as group_size,
    count(*) as n_groups,
    sum(group_size) as n_items,
    sum(group_size) / (select count(*) from {{ ref('semantic_ids') }}) as share_items
from groups
group by group_size
order by group_size
