-- Notebook 01 sequences: one per user, items without metadata removed, at least min_sequence_length
-- items, the last max_sequence_length kept.
select user_id, sequence, sequence_length, last_timestamp
from {{ ref('int_sequences') }}
order by user_id
