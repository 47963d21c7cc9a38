-- Every raw line the pipeline could not use, with the reason. Nothing is dropped silently.
select 'meta' as source, line_number, reject_reason as reason, parent_asin, raw_line
from {{ ref('stg_meta') }}
where reject_reason is not null

union all

select 'meta', line_number, 'duplicate_parent_asin: first seen earlier in the file', parent_asin, null
from {{ ref('int_items_deduplicated') }}
where is_duplicate

union all

select 'interactions', line_number, reject_reason, parent_asin, raw_line
from {{ ref('stg_interactions') }}
where reject_reason is not null

order by source, line_number
