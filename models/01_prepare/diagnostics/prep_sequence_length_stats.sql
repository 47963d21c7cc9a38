-- Length statistics of the final sequences, and how many were truncated or lost their original target.
select
    count(*) as sequences,
    min(sequence_length) as min_length,
    max(sequence_length) as max_length,
    round(avg(sequence_length), 2) as mean_length,
    median(sequence_length) as median_length,
    quantile_cont(sequence_length, 0.9) as p90_length,
    count(*) filter (where untruncated_length > {{ var('max_sequence_length') }}) as truncated_sequences,
    count(*) filter (where not target_has_metadata) as sequences_whose_target_had_no_metadata,
    sum(sequence_length) as interactions_kept
from {{ ref('int_sequences') }}
