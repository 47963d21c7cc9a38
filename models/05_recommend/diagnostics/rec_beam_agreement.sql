-- Beam search against exhaustive scoring of the same model (protocol generative, rec_beam_width): how much of the
-- exact top 10 the beam recovers, and how fast each is (python_jobs.recommend.generative.beam_agreement).
select
    model::varchar as model,
    model_id::varchar as model_id,
    seed::bigint as seed,
    beam_width::bigint as beam_width,
    n_users::bigint as n_users,
    top10_recall::double as top10_recall,
    top1_match::double as top1_match,
    beam_users_per_second::double as beam_users_per_second,
    exhaustive_users_per_second::double as exhaustive_users_per_second,
    device::varchar as device
from {{ ref('int_rec_beam_agreement') }}
order by model, seed
