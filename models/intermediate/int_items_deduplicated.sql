-- Parsed meta records, one per parent_asin. A repeated parent_asin keeps its first line; the others are
-- rejects (reason duplicate_parent_asin) so nothing disappears silently.
select
    *,
    row_number() over (partition by parent_asin order by line_number) > 1 as is_duplicate
from {{ ref('stg_meta') }}
where reject_reason is null
