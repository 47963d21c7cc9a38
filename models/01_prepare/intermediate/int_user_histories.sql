-- Notebook 01, step 3: each user's longest history (their last train interaction).
-- Ties are broken deterministically: latest timestamp, then parent_asin, then file position.
select
    user_id,
    list_filter(string_split(history, ' '), lambda x: x <> '') || [parent_asin] as full_sequence,
    timestamp_ms as last_timestamp,
    parent_asin as target_parent_asin
from {{ ref('stg_interactions') }}
where reject_reason is null
qualify row_number() over (
    partition by user_id
    order by history_length desc, timestamp_ms desc, parent_asin, line_number
) = 1
