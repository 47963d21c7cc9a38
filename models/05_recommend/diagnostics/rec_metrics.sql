-- The comparison: model x protocol x metric over all val users, with bootstrap 95% intervals.
select model::varchar as model, protocol::varchar as protocol, {{ rec_metric_values() }}
from {{ ref('int_rec_group_metrics') }}
where breakdown = 'all'
order by list_position({{ var('rec_models') }}, model), protocol desc, metric
