-- Each item's popularity: occurrences in the *train* users' sequences (so no ID depends on evaluation data); items
-- in no train sequence are absent (popularity 0). Orders the collision index of semantic_ids and, in
-- sid_mode: assign, the new items that share a 3-code tuple (int_sid_assignment).
select item as parent_asin, count(*) as popularity
from (
    select unnest(s.sequence) as item
    from {{ ref('sequences_enriched') }} s
    join {{ ref('int_user_split') }} u using (user_id)
    where u.split = 'train'
)
group by item
order by parent_asin
