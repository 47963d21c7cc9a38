-- Notebook 07: every sequence with the Semantic ID of each item beside it, same order
-- (semantic_id_sequence[i] is the ID of sequence[i]; an item without an ID would leave a NULL there and fail
-- the coverage tests, never be dropped), and the user's split (int_user_split).
with positions as (
    select user_id, unnest(sequence) as parent_asin, generate_subscripts(sequence, 1) as position
    from {{ ref('sequences_enriched') }}
),

mapped as (
    select
        p.user_id,
        list(s.semantic_id order by p.position) as semantic_id_sequence,
        count(s.semantic_id)::integer as n_mapped
    from positions p
    left join {{ ref('semantic_ids') }} s using (parent_asin)
    group by p.user_id
)

select
    q.user_id,
    q.sequence,
    q.sequence_length,
    q.last_timestamp,
    coalesce(m.semantic_id_sequence, []::varchar[]) as semantic_id_sequence,
    len(coalesce(m.semantic_id_sequence, []::varchar[]))::integer as semantic_id_sequence_length,
    coalesce(m.n_mapped, 0) as n_mapped,
    u.split_bucket,
    u.split
from {{ ref('sequences_enriched') }} q
join {{ ref('int_user_split') }} u using (user_id)
left join mapped m using (user_id)
order by q.user_id
