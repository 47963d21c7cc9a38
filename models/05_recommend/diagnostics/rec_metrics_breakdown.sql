-- rec_metrics per bin of target popularity, history length and cold start (bins: int_rec_rank_groups).
select
    model::varchar as model,
    seed::bigint as seed,
    protocol::varchar as protocol,
    breakdown::varchar as breakdown,
    bin::varchar as bin,
    bin_order::bigint as bin_order,
    {{ rec_metric_values() }}
from {{ ref('int_rec_group_metrics') }}
where breakdown <> 'all'
order by list_position({{ var('rec_models') }}, model), seed, protocol desc, breakdown, bin_order, metric
