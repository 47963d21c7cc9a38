-- Every model's rank of every val user's target (the SQL reference rows and the torch models) with the case's
-- target and breakdown attributes, in the order of rec_models, then protocol (sampled first), then user_id.
with ranks as (
    select * from {{ ref('int_rec_reference_ranks') }}
    union all by name
    select * from {{ ref('int_rec_model_ranks') }}
)
select
    r.model::varchar as model,
    r.model_id::varchar as model_id,
    r.seed::bigint as seed,
    r.protocol::varchar as protocol,
    r.user_id::varchar as user_id,
    k.target,
    r.rank::double as rank,
    r.n_candidates::bigint as n_candidates,
    k.sequence_length,
    k.target_train_count,
    k.cold_start
from ranks r join {{ ref('int_rec_eval_cases') }} k on k.protocol = r.protocol and k.user_id = r.user_id
order by list_position({{ var('rec_models') }}, r.model), r.seed, r.protocol desc, r.user_id
