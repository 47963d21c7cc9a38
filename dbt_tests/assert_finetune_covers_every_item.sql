-- Item-level tasks use the whole catalogue: every item with a Semantic ID has at least one type A and one type B
-- record (in train, or in heldout for the held-out items) before the weights and caps select records
-- (lowering an A/B task's weight is a deliberate choice and does not fail this). Returns the items missing one.
{{ config(tags=['stage_04']) }}
with covered as (
    select parent_asin, type
    from {{ ref('int_conversations_deduplicated') }}
    where drop_reason is null and type in ('A', 'B') and split in ('train', 'heldout')
    group by parent_asin, type
)

select s.parent_asin, t.type as missing_type
from {{ ref('semantic_ids') }} s
cross join (values ('A'), ('B')) as t(type)
where not exists (select 1 from covered c where c.parent_asin = s.parent_asin and c.type = t.type)
