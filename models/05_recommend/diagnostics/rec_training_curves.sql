-- Per epoch of each trained model: loss and the held-out metrics that early stopping watched. `model` is the name
-- the ranks and rec_metrics give it (sid_sasrec@<variant> for a rec_sid_variants model), as in recommenders.
with ranked as (
    select distinct model, model_id from {{ ref('int_rec_model_ranks') }}
)
select
    r.model::varchar as model,
    c.model_id::varchar as model_id,
    c.epoch::bigint as epoch,
    c.loss::double as loss,
    c.holdout_hit_at_10::double as holdout_hit_at_10,
    c.holdout_ndcg_at_10::double as holdout_ndcg_at_10,
    c.seconds::double as seconds
from {{ ref('int_rec_registry_curves') }} c
join ranked r on r.model_id = c.model_id
order by model_id, epoch
