-- The comparison: model x seed x protocol x metric over all val users, with bootstrap 95% intervals, and per
-- model x protocol x metric the mean and sample standard deviation of the value across the model's seeds.
-- n_short_cases: sampled cases with fewer negatives than rec_eval_negatives (the val pool is smaller).
with
per_seed as (
    select model::varchar as model, seed::bigint as seed, protocol::varchar as protocol, {{ rec_metric_values() }}
    from {{ ref('int_rec_group_metrics') }}
    where breakdown = 'all'
),
short as (
    select protocol, count(*) filter (where len(negatives) < {{ var('rec_eval_negatives') }}) as n_short_cases
    from {{ ref('int_rec_eval_cases') }}
    where protocol = 'sampled'
    group by protocol
)
select
    p.model, p.seed, p.protocol, p.metric, p.value, p.ci_low, p.ci_high, p.n_users,
    count(*) over seeds as n_seeds,
    avg(p.value) over seeds as seed_mean,
    stddev_samp(p.value) over seeds as seed_std,
    coalesce(s.n_short_cases, 0)::bigint as n_short_cases
from per_seed p left join short s on s.protocol = p.protocol
window seeds as (partition by p.model, p.protocol, p.metric)
order by list_position({{ var('rec_models') }}, p.model), p.seed, p.protocol desc, p.metric
