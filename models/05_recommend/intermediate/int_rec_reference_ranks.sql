{% set exclude = 1 if var('rec_exclude_history') else 0 %}
-- Ranks of the reference rows, scored in SQL: the floor every model must clear and a check on the evaluation.
-- popularity: score = occurrences of the item in the train users' sequences.
-- transition: score = (how often the item directly followed the history's last item in a train sequence, its
--   popularity), compared in that order: items that never followed are ordered by popularity (the back-off), below
--   every item that did.
-- rank = 1 + candidates scored higher + candidates scored equal / 2 (python_jobs.recommend.ranking's rule: ties in
-- a random order), so a tie never helps the target. Full ranking never materialises users x catalogue: the
-- target's rank is counted from the popularity levels and the (few) items that followed the last item. With
-- rec_exclude_history the user's own items are not candidates.
with
counts as (
    select item, count(*) as n from (select unnest(sequence) as item from {{ ref('int_rec_train_sequences') }}) group by item
),
pop as (  -- every catalogue item with its popularity
    select c.parent_asin as item, coalesce(k.n, 0) as n_pop
    from {{ ref('semantic_ids') }} c left join counts k on k.item = c.parent_asin
),
levels as (  -- per popularity: how many catalogue items have it, how many are more popular
    select n_pop, n_items,
        coalesce(sum(n_items) over (order by n_pop desc rows between unbounded preceding and 1 preceding), 0) as n_above
    from (select n_pop, count(*) as n_items from pop group by n_pop)
),
pairs as (
    select unnest(sequence[1:len(sequence) - 1]) as prev_item, unnest(sequence[2:len(sequence)]) as next_item
    from {{ ref('int_rec_train_sequences') }} where len(sequence) >= 2
),
transitions as (select prev_item, next_item, count(*) as n from pairs group by all),
c as (
    select protocol, user_id, target, history[len(history)] as last_item, history, negatives
    from {{ ref('int_rec_eval_cases') }}
),
followers as (  -- per case, the items that followed its last item in training, with their transition counts
    select c.protocol, c.user_id, t.next_item as item, t.n as n_next, p.n_pop
    from c join transitions t on t.prev_item = c.last_item join pop p on p.item = t.next_item
),
tgt as (
    select c.protocol, c.user_id, c.target, coalesce(f.n_next, 0) as t_next, p.n_pop as t_pop
    from c join pop p on p.item = c.target
    left join followers f on f.protocol = c.protocol and f.user_id = c.user_id and f.item = c.target
),
-- sampled protocol: the explicit candidates
neg as (select protocol, user_id, unnest(negatives) as item from c where protocol = 'sampled'),
neg_scored as (
    select n.protocol, n.user_id, n.item, coalesce(f.n_next, 0) as n_next, p.n_pop
    from neg n join pop p on p.item = n.item
    left join followers f on f.protocol = n.protocol and f.user_id = n.user_id and f.item = n.item
),
sampled as (
    select t.protocol, t.user_id,
        1 + count(s.item) filter (where s.n_pop > t.t_pop)
            + count(s.item) filter (where s.n_pop = t.t_pop) / 2 as rank_popularity,
        1 + count(s.item) filter (where s.n_next > t.t_next or (s.n_next = t.t_next and s.n_pop > t.t_pop))
            + count(s.item) filter (where s.n_next = t.t_next and s.n_pop = t.t_pop) / 2 as rank_transition,
        1 + count(s.item) as n_candidates
    from tgt t left join neg_scored s on s.protocol = t.protocol and s.user_id = t.user_id
    where t.protocol = 'sampled'
    group by all
),
-- full protocol: counted, not materialised
full_follow as (  -- the followers other than the target, compared with it
    select t.protocol, t.user_id, t.t_next, t.t_pop,
        count(f.item) filter (where f.n_next > t.t_next or (f.n_next = t.t_next and f.n_pop > t.t_pop)) as higher,
        count(f.item) filter (where f.n_next = t.t_next and f.n_pop = t.t_pop) as equal,
        count(f.item) filter (where f.n_pop > t.t_pop) as pop_higher,
        count(f.item) filter (where f.n_pop = t.t_pop) as pop_equal
    from tgt t left join followers f on f.protocol = t.protocol and f.user_id = t.user_id and f.item <> t.target
    where t.protocol = 'full'
    group by all
),
hist as (select distinct protocol, user_id, item from (
    select protocol, user_id, unnest(history) as item from c where protocol = 'full')),
hist_cmp as (  -- history items (other than the target) scored above / equal to the target, for rec_exclude_history
    select t.protocol, t.user_id,
        count(*) as n_items,
        count(*) filter (where p.n_pop > t.t_pop) as pop_higher,
        count(*) filter (where p.n_pop = t.t_pop) as pop_equal,
        count(*) filter (where coalesce(f.n_next, 0) > t.t_next
                         or (coalesce(f.n_next, 0) = t.t_next and p.n_pop > t.t_pop)) as trans_higher,
        count(*) filter (where coalesce(f.n_next, 0) = t.t_next and p.n_pop = t.t_pop) as trans_equal
    from tgt t join hist h on h.protocol = t.protocol and h.user_id = t.user_id
    join pop p on p.item = h.item
    left join followers f on f.protocol = h.protocol and f.user_id = h.user_id and f.item = h.item
    where h.item <> t.target
    group by all
),
full_counts as (  -- higher / equal among all other catalogue items, before excluding the history
    select f.protocol, f.user_id, l.n_above as pop_higher, l.n_items - 1 as pop_equal,
        -- a target that followed the last item is beaten by followers only; one that never did, by every follower
        -- and by the more popular non-followers, and ties with the equally popular non-followers
        case when f.t_next > 0 then f.higher else f.higher + l.n_above - f.pop_higher end as trans_higher,
        case when f.t_next > 0 then f.equal else l.n_items - 1 - f.pop_equal end as trans_equal
    from full_follow f join levels l on l.n_pop = f.t_pop
),
full_ranks as (
    select k.protocol, k.user_id,
        1 + k.pop_higher - {{ exclude }} * coalesce(h.pop_higher, 0)
            + (k.pop_equal - {{ exclude }} * coalesce(h.pop_equal, 0)) / 2 as rank_popularity,
        1 + k.trans_higher - {{ exclude }} * coalesce(h.trans_higher, 0)
            + (k.trans_equal - {{ exclude }} * coalesce(h.trans_equal, 0)) / 2 as rank_transition,
        (select count(*) from {{ ref('semantic_ids') }}) - {{ exclude }} * coalesce(h.n_items, 0) as n_candidates
    from full_counts k left join hist_cmp h on h.protocol = k.protocol and h.user_id = k.user_id
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
    {{ var('rec_seed') }}::bigint as seed,  -- no seed changes these rows: they appear once, under rec_seed
    protocol::varchar as protocol,
    user_id::varchar as user_id,
    rank::double as rank,
    n_candidates::bigint as n_candidates
from ranked
where model in ({% for m in var('rec_models') %}'{{ m }}'{{ ', ' if not loop.last }}{% endfor %})
order by model, protocol desc, user_id
