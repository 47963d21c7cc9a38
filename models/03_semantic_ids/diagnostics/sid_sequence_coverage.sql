-- Coverage of the sequences by Semantic IDs (must be 100%) and how much of the catalogue the sequences touch
-- (the original: 14,652 of 66,097 items appear in a sequence).
with positions as (
    select unnest(sequence) as parent_asin from {{ ref('sequences_sid') }}
)

select
    (select count(*) from {{ ref('sequences_sid') }}) as n_sequences,
    (select count(*) from {{ ref('sequences_sid') }} where n_mapped = sequence_length) as n_sequences_fully_mapped,
    (select sum(sequence_length) from {{ ref('sequences_sid') }}) as n_sequence_items,
    (select sum(n_mapped) from {{ ref('sequences_sid') }}) as n_sequence_items_mapped,
    (select sum(n_mapped) from {{ ref('sequences_sid') }}) / (select sum(sequence_length) from {{ ref('sequences_sid') }})
        as item_coverage,
    (select count(distinct parent_asin) from positions) as n_distinct_sequence_items,
    (select count(distinct parent_asin) from positions where parent_asin not in (select parent_asin from {{ ref('semantic_ids') }}))
        as n_distinct_items_without_id,
    (select count(*) from {{ ref('semantic_ids') }}) as n_catalogue_items,
    (select count(distinct parent_asin) from positions) / (select count(*) from {{ ref('semantic_ids') }})
        as catalogue_share_in_sequences,
    (select count(*) from {{ ref('sequences_sid') }} where split = 'train') as n_train_users,
    (select count(*) from {{ ref('sequences_sid') }} where split = 'val') as n_val_users
