-- Notebook 07's train split: the users whose md5 bucket is at or above the validation share (see sequences_sid).
select user_id, sequence, sequence_length, last_timestamp, semantic_id_sequence, semantic_id_sequence_length
from {{ ref('sequences_sid') }}
where split = 'train'
order by user_id
