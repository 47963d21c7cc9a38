-- One row per protocol and val user with at least 2 items: the items shown, the hidden target, the negatives.
-- sampled: the sequence cut to its last rec_eval_max_items items, negatives from int_rec_sampled_negatives;
-- full: the whole sequence, every catalogue item a candidate (negatives null). generative: the full protocol's users
-- and histories; each model generates a ranked list instead of scoring candidates. Only the rec_protocols rows.
with
val as (select user_id, sequence from {{ ref('sequences_val') }} where len(sequence) >= 2),
train_counts as (
    select item, count(*) as n from (select unnest(sequence) as item from {{ ref('int_rec_train_sequences') }}) group by item
),
shown as (
    select 'sampled' as protocol, v.user_id,
        v.sequence[greatest(len(v.sequence) - {{ var('rec_eval_max_items') }} + 1, 1):] as items, n.negatives
    from val v join {{ ref('int_rec_sampled_negatives') }} n on n.user_id = v.user_id
    union all
    select 'full', user_id, sequence, null from val
    union all
    select 'generative', user_id, sequence, null from val
)
select
    s.protocol::varchar as protocol,
    s.user_id::varchar as user_id,
    s.items[:len(s.items) - 1]::varchar[] as history,
    s.items[len(s.items)]::varchar as target,
    s.negatives::varchar[] as negatives,
    len(s.items)::bigint as sequence_length,
    coalesce(c.n, 0)::bigint as target_train_count,
    c.n is null as cold_start
from shown s left join train_counts c on c.item = s.items[len(s.items)]
where s.protocol in ({% for p in var('rec_protocols') %}'{{ p }}'{{ ', ' if not loop.last }}{% endfor %})
order by s.protocol desc, s.user_id
