{# The value columns of rec_metrics and rec_metrics_breakdown, typed as their contracts declare
   (int_rec_group_metrics is a Python model: its types are inferred, all-null columns untyped). #}
{% macro rec_metric_values() %}
    metric::varchar as metric,
    value::double as value,
    ci_low::double as ci_low,
    ci_high::double as ci_high,
    n_users::bigint as n_users
{% endmacro %}
