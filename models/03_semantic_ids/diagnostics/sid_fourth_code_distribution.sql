-- Distribution of the collision index sid_3 (0 for every item that is alone or most popular in its group).
select
    sid_3,
    count(*) as n_items,
    count(*) / sum(count(*)) over () as share_items
from {{ ref('semantic_ids') }}
group by sid_3
order by sid_3
