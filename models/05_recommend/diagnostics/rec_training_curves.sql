-- Per epoch of each trained model: loss and the held-out metrics that early stopping watched.
select
    model::varchar as model,
    model_id::varchar as model_id,
    epoch::bigint as epoch,
    loss::double as loss,
    holdout_hit_at_10::double as holdout_hit_at_10,
    holdout_ndcg_at_10::double as holdout_ndcg_at_10,
    seconds::double as seconds
from {{ ref('int_rec_registry_curves') }}
order by model_id, epoch
