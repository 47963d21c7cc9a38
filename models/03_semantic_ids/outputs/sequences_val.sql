-- Notebook 07's validation split (share var sid_val_share, default 10% of users; whole users, not time-based).
select user_id, sequence, sequence_length, last_timestamp, semantic_id_sequence, semantic_id_sequence_length
from {{ ref('sequences_sid') }}
where split = 'val'
order by user_id
