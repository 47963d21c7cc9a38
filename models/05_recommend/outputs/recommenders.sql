-- The trained models behind the ranks: registry id, size, epochs, held-out score, training time. `model` is the
-- name the ranks and rec_metrics give it (sid_sasrec@<variant> for a rec_sid_variants model), not the registry's.
with ranked as (
    select distinct model, model_id from {{ ref('int_rec_model_ranks') }}
)
select
    r.model::varchar as model,
    m.model_id::varchar as model_id,
    m.parameters::bigint as parameters,
    m.n_items::bigint as n_items,
    m.train_sequences::bigint as train_sequences,
    m.holdout_users::bigint as holdout_users,
    m.epochs_run::bigint as epochs_run,
    m.best_epoch::bigint as best_epoch,
    m.stopped_by::varchar as stopped_by,
    m.steps::bigint as steps,
    m.holdout_ndcg_at_10::double as holdout_ndcg_at_10,
    m.train_seconds::double as train_seconds,
    m.seconds_per_epoch::double as seconds_per_epoch,
    m.device::varchar as device,
    m.config::varchar as config
from {{ ref('int_rec_registry_models') }} m
join ranked r on r.model_id = m.model_id
order by model_id
