-- Ordered item pairs (i before j) within ft_copurchase_window positions of each other in one user's sequence,
-- the shared input of the co-purchase, category-transition and frequently-bought-together sources.
-- Pairs of an item with itself (a repeat purchase) are left out.
with positions as (
    select split, user_id, sequence, semantic_id_sequence, unnest(range(1, semantic_id_sequence_length)) as i
    from ({{ ft_split_sequences() }})
),

pairs as (
    select
        split, user_id, i,
        unnest(range(i + 1, least(i + {{ var('ft_copurchase_window') | int }}, len(sequence)) + 1)) as j,
        sequence, semantic_id_sequence
    from positions
)

select
    split,
    user_id,
    i::integer as position_i,
    j::integer as position_j,
    (j - i)::integer as distance,
    sequence[i] as item_i,
    sequence[j] as item_j,
    semantic_id_sequence[i] as sid_i,
    semantic_id_sequence[j] as sid_j
from pairs
where sequence[i] <> sequence[j]
order by split, user_id, position_i, position_j
