-- Sequence prediction (type C): one row per user and split point, i.e. every position of the sequence that has
-- at least one item before it. The next item is the target; last_k are the k items before it (fewer when the
-- history is shorter: the seed's conditions require history_length >= k), `history` the last ft_max_history.
with points as (
    select split, user_id, semantic_id_sequence as ids, unnest(range(2, semantic_id_sequence_length + 1)) as position
    from ({{ ft_split_sequences() }})
)

select
    split,
    user_id,
    position::integer as position,
    (position - 1)::integer as history_length,
    {%- for k in [2, 3, 5, 10] %}
    {{ ft_sid_list('ids[greatest(1, position - ' ~ k ~ '):position - 1]') }} as last_{{ k }},
    {%- endfor %}
    {{ ft_sid_list('ids[greatest(1, position - ' ~ (var('ft_max_history') | int) ~ '):position - 1]') }} as history,
    ids[position] as next_sid
from points
order by split, user_id, position
