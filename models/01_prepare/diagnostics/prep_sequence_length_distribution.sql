-- Sequences per length, with share and cumulative share (the notebook's distribution printout).
select
    sequence_length,
    count(*) as sequences,
    round(100.0 * count(*) / sum(count(*)) over (), 2) as pct,
    round(100.0 * sum(count(*)) over (order by sequence_length) / sum(count(*)) over (), 2) as cumulative_pct
from {{ ref('int_sequences') }}
group by sequence_length
order by sequence_length
