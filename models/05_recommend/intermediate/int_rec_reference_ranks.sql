-- Ranks of the reference rows, scored in SQL: the floor every model must clear and a check on the evaluation.
-- popularity: score = occurrences of the item in the train users' sequences.
-- transition: score = how often the item directly followed the history's last item in a train sequence; items
--   that never did are ordered by popularity (the back-off), below every item that did.
-- Ties are broken by parent_asin, so every candidate has a distinct score and the optimistic tie rule cannot help.
-- Full ranking never materialises users x catalogue: the target's rank is counted from the popularity order and
-- the (few) items that followed the last item. With rec_exclude_history the user's own items are not candidates.
with
counts as (select item, count(*) as n from (select unnest(sequence) as item from {{ ref('sequences_train') }}) group by item),
pop as (  -- every catalogue item, 1 = most popular; ties broken by parent_asin
    select c.parent_asin as item, row_number() over (order by coalesce(k.n, 0) desc, c.parent_asin) as pop_rank
    from {{ ref('semantic_ids') }} c left join counts k on k.item = c.parent_asin
),
pairs as (
    select unnest(sequence[1:len(sequence) - 1]) as prev_item, unnest(sequence[2:len(sequence)]) as next_item
    from {{ ref('sequences_train') }} where len(sequence) >= 2
),
transitions as (select prev_item, next_item, count(*) as n from pairs group by all),
c as (select protocol, user_id, target, history[len(history)] as last_item, history, negatives from {{ ref('int_rec_eval_cases') }}),
followers as (  -- per case, the items that followed its last item in training, with their transition counts
    select c.protocol, c.user_id, t.next_item as item, t.n as n_next, p.pop_rank
    from c join transitions t on t.prev_item = c.last_item join pop p on p.item = t.next_item
),
tgt as (
    select c.protocol, c.user_id, c.target, coalesce(f.n_next, 0) as t_next, p.pop_rank as t_pop
    from c join pop p on p.item = c.target
    left join followers f on f.protocol = c.protocol and f.user_id = c.user_id and f.item = c.target
),
-- sampled protocol: the explicit candidates
neg as (select protocol, user_id, unnest(negatives) as item from c where protocol = 'sampled'),
neg_scored as (
    select n.protocol, n.user_id, n.item, coalesce(f.n_next, 0) as n_next, p.pop_rank
    from neg n join pop p on p.item = n.item
    left join followers f on f.protocol = n.protocol and f.user_id = n.user_id and f.item = n.item
),
sampled as (
    select t.protocol, t.user_id,
        1 + count(s.item) filter (where s.pop_rank < t.t_pop) as rank_popularity,
        1 + count(s.item) filter (where s.n_next > t.t_next or (s.n_next = t.t_next and s.pop_rank < t.t_pop))
            as rank_transition,
        1 + count(s.item) as n_candidates
    from tgt t left join neg_scored s on s.protocol = t.protocol and s.user_id = t.user_id
    where t.protocol = 'sampled'
    group by all
),
-- full protocol: counted, not materialised
full_follow as (
    select t.protocol, t.user_id, t.t_next, t.t_pop,
        count(f.item) filter (where f.n_next > t.t_next or (f.n_next = t.t_next and f.pop_rank < t.t_pop)) as beat,
        count(f.item) filter (where f.pop_rank < t.t_pop) as followers_above
    from tgt t left join followers f on f.protocol = t.protocol and f.user_id = t.user_id
    where t.protocol = 'full'
    group by all
),
hist as (select distinct protocol, user_id, item from (
    select protocol, user_id, unnest(history) as item from c where protocol = 'full')),
hist_above as (  -- history items (other than the target) scored above the target, for --exclude-history
    select t.protocol, t.user_id,
        count(*) filter (where p.pop_rank < t.t_pop) as pop_above,
        count(*) filter (where coalesce(f.n_next, 0) > t.t_next
                         or (coalesce(f.n_next, 0) = t.t_next and p.pop_rank < t.t_pop)) as trans_above
    from tgt t join hist h on h.protocol = t.protocol and h.user_id = t.user_id
    join pop p on p.item = h.item
    left join followers f on f.protocol = h.protocol and f.user_id = h.user_id and f.item = h.item
    where h.item <> t.target
    group by all
),
full_ranks as (
    select f.protocol, f.user_id,
        f.t_pop - {{ 1 if var('rec_exclude_history') else 0 }} * coalesce(h.pop_above, 0) as rank_popularity,
        -- an item that followed the last item beats a target that never did; below them, popularity order
        1 + f.beat + case when f.t_next = 0 then (f.t_pop - 1) - f.followers_above else 0 end
            - {{ 1 if var('rec_exclude_history') else 0 }} * coalesce(h.trans_above, 0) as rank_transition,
        (select count(*) from {{ ref('semantic_ids') }}) - {{ 1 if var('rec_exclude_history') else 0 }} * (
            select count(*) from hist x where x.protocol = f.protocol and x.user_id = f.user_id
            and x.item <> (select target from c where c.protocol = f.protocol and c.user_id = f.user_id)
        ) as n_candidates
    from full_follow f left join hist_above h on h.protocol = f.protocol and h.user_id = f.user_id
),
both_protocols as (select * from sampled union all by name select * from full_ranks),
ranked as (
    select 'popularity' as model, protocol, user_id, rank_popularity as rank, n_candidates from both_protocols
    union all
    select 'transition', protocol, user_id, rank_transition, n_candidates from both_protocols
)
select
    model::varchar as model,
    'sql'::varchar as model_id,
    protocol::varchar as protocol,
    user_id::varchar as user_id,
    rank::bigint as rank,
    n_candidates::bigint as n_candidates
from ranked
where model in ({% for m in var('rec_models') %}'{{ m }}'{{ ', ' if not loop.last }}{% endfor %})
order by model, protocol desc, user_id
