-- Every train user's stage-5 sequence is its sequences_train sequence cut right before its first held-out item,
-- recomputed another way (list functions over the whole list, not int_rec_train_sequences' unnest and join): the
-- kept part is a prefix with no held-out item, items_cut is the rest, and a cut starts at a held-out item.
{{ config(tags=['stage_05']) }}
with
cold as (select list(parent_asin) as items from {{ ref('int_rec_cold_items') }}),
expected as (
    select t.user_id, t.sequence as original,
        coalesce(list_position(list_transform(t.sequence, lambda x: list_contains(c.items, x)), true), len(t.sequence) + 1)
            as first_cold
    from {{ ref('sequences_train') }} t, cold c
)
select e.user_id, e.first_cold, s.sequence, s.items_cut
from expected e full join {{ ref('int_rec_train_sequences') }} s on s.user_id = e.user_id
where e.user_id is null or s.user_id is null
   or s.sequence <> e.original[:e.first_cold - 1]
   or s.items_cut <> len(e.original) - e.first_cold + 1
