-- The trained models behind the ranks: registry id, size, epochs, held-out score, training time.
select
    model::varchar as model,
    model_id::varchar as model_id,
    parameters::bigint as parameters,
    n_items::bigint as n_items,
    train_sequences::bigint as train_sequences,
    holdout_users::bigint as holdout_users,
    epochs_run::bigint as epochs_run,
    best_epoch::bigint as best_epoch,
    stopped_by::varchar as stopped_by,
    steps::bigint as steps,
    holdout_ndcg_at_10::double as holdout_ndcg_at_10,
    train_seconds::double as train_seconds,
    seconds_per_epoch::double as seconds_per_epoch,
    device::varchar as device,
    config::varchar as config
from {{ ref('int_rec_registry_models') }}
order by model_id
