-- Frequently bought together (type F): consecutive pairs (a 2-item window) counted per split and ranked by
-- count, then IDs, so the top-N of the seed's condition is deterministic.
select
    split,
    sid_i as sid,
    sid_j as other_sid,
    count(*)::integer as pair_count,
    row_number() over (partition by split order by count(*) desc, sid_i, sid_j)::integer as pair_rank
from {{ ref('int_sequence_pairs') }}
where distance = 1
group by split, sid_i, sid_j
order by split, pair_rank
