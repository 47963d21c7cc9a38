-- Parsed meta records, one per parent_asin. A repeated parent_asin keeps its first line; the others are
-- rejects (reason duplicate_parent_asin) so nothing disappears silently.
-- (An aggregate over the key alone, then a join: much cheaper than a window over the wide records.)
with first_lines as (
    select parent_asin, min(line_number) as first_line_number
    from {{ ref('stg_meta') }}
    where reject_reason is null
    group by parent_asin
)

select m.*, m.line_number > f.first_line_number as is_duplicate
from {{ ref('stg_meta') }} as m
join first_lines as f using (parent_asin)
where m.reject_reason is null
