-- Notebook 05, step 5: the users' sequences rebuilt over the enriched items (same rules as notebook 01,
-- see macros/sequences.sql).
select user_id, sequence, sequence_length, last_timestamp, untruncated_length, target_has_metadata
from ({{ build_sequences(ref('int_user_histories'), ref('items_enriched')) }})
order by user_id
