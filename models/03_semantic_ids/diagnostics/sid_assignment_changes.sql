-- Every item's ID against the reference (int_sid_reference: the model's ID ledger before this build): added (new
-- item), kept (same text, same ID), changed (text or ID changed; with sid_mode: assign and sid_changed_items: keep
-- only the text can), removed (in the reference, not in the catalogue: its ID stays reserved in assign mode).
-- A fresh build (sid_mode: fresh) is compared too: id_changed and reuses_reserved_id then show what it renumbered.
with live as (
    select s.parent_asin, s.semantic_id, e.text_hash
    from {{ ref('semantic_ids') }} s
    join {{ ref('item_embeddings') }} e using (parent_asin)
),

own as (   -- each item's own reference ID: its live one, or the one it had when it was removed
    select parent_asin, semantic_id, text_hash, status
    from {{ ref('int_sid_reference') }}
    where status in ('live', 'removed')
),

reserved_by_another as (
    select l.parent_asin
    from live l
    join {{ ref('int_sid_reference') }} r on r.semantic_id = l.semantic_id and r.parent_asin <> l.parent_asin
),

joined as (
    select
        coalesce(l.parent_asin, o.parent_asin) as parent_asin,
        o.semantic_id as old_semantic_id,
        l.semantic_id as new_semantic_id,
        o.status as reference_status,
        case when l.parent_asin is not null and o.parent_asin is not null and o.text_hash is not null
            then l.text_hash <> o.text_hash end as text_changed,
        case when l.parent_asin is not null and o.parent_asin is not null
            then l.semantic_id <> o.semantic_id end as id_changed,
        l.parent_asin in (select parent_asin from reserved_by_another) as reuses_reserved_id
    from live l
    full outer join own o using (parent_asin)
)

select
    parent_asin,
    case
        when old_semantic_id is null then 'added'
        when new_semantic_id is null then 'removed'
        when id_changed or coalesce(text_changed, false) then 'changed'
        else 'kept'
    end as status,
    old_semantic_id,
    new_semantic_id,
    text_changed,
    id_changed,
    coalesce(reuses_reserved_id, false) as reuses_reserved_id,
    reference_status
from joined
order by parent_asin
