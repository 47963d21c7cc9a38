-- Notebook 01, step 3: each user's longest history (their last train interaction).
-- Ties are broken deterministically: latest timestamp, then parent_asin, then file position.
-- One aggregate per user keeps the winning row (arg_min over the tie-break key, longest/latest first by
-- negation): no sort of every interaction and its history text, as a window would need.
with kept as (
    select
        user_id,
        arg_min(
            {history: history, parent_asin: parent_asin, timestamp_ms: timestamp_ms},
            {history_length: -history_length, timestamp_ms: -timestamp_ms, parent_asin: parent_asin, line_number: line_number}
        ) as row
    from {{ ref('stg_interactions') }}
    where reject_reason is null
    group by user_id
)

select
    user_id,
    list_filter(string_split(row.history, ' '), lambda x: x <> '') || [row.parent_asin] as full_sequence,
    row.timestamp_ms as last_timestamp,
    row.parent_asin as target_parent_asin
from kept
