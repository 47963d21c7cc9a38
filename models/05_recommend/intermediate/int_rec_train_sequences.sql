-- The train users' sequences every stage-5 model learns from: sequences_train with each sequence cut before its first
-- held-out item (int_rec_cold_items). Cut, not spliced: removing a held-out item from the middle would join two
-- items that were never adjacent (false transitions for the transition row and the sequence models), and keeping
-- what follows it would train on a history that contains it. Every train user keeps a row (items_cut counts what
-- was removed; a sequence cut to fewer than 2 items teaches nothing and the trainers skip it, as they skip any
-- 1-item sequence). With rec_cold_item_share = 0 this is sequences_train's user_id and sequence, unchanged.
with
items as (
    select user_id, unnest(sequence) as item, unnest(range(1, len(sequence) + 1)) as pos
    from {{ ref('sequences_train') }}
),
first_cold as (
    select i.user_id, min(i.pos) as pos
    from items i join {{ ref('int_rec_cold_items') }} c on c.parent_asin = i.item
    group by i.user_id
)
select
    t.user_id,
    case when f.pos is null then t.sequence else t.sequence[:f.pos - 1] end as sequence,
    coalesce(len(t.sequence) - f.pos + 1, 0)::bigint as items_cut
from {{ ref('sequences_train') }} t left join first_cold f on f.user_id = t.user_id
order by t.user_id
