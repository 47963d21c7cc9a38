-- How unique the 3-code IDs are before the collision index (the original: 58,880 / 66,097 = 89.08%), and after.
with groups as (
    select sid_0, sid_1, sid_2, count(*) as group_size
    from {{ ref('semantic_ids') }}
    group by sid_0, sid_1, sid_2
)

select
    (select count(*) from {{ ref('semantic_ids') }}) as n_items,
    count(*) as n_unique_3code_ids,
    count(*) / sum(group_size) as unique_share_3code,
    1 - count(*) / sum(group_size) as collision_rate_3code,
    count(*) filter (where group_size > 1) as n_collision_groups,
    coalesce(sum(group_size) filter (where group_size > 1), 0) as n_items_in_collisions,
    coalesce(sum(group_size) filter (where group_size > 1), 0) / sum(group_size) as share_items_in_collisions,
    max(group_size) as max_group_size,
    (select count(distinct semantic_id) from {{ ref('semantic_ids') }}) / sum(group_size) as unique_share_with_index
from groups
