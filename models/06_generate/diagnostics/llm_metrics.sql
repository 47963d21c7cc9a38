-- The fine-tuned LLM's scores (empty unless llm_evaluate): one row per model x task x metric.
-- next_item: stage 5's generative metrics (bootstrap interval) of the LLM and, on the same val users, of every
-- stage-5 model with generative ranks. The rest (the LLM only): a normal-approximation 95% interval of the mean.
with
cases as (select * from {{ ref('int_llm_cases') }}),
levels as (
    select * from (values
        ('level_1_accuracy', 1), ('levels_1_2_accuracy', 2), ('levels_1_3_accuracy', 3),
        ('full_id_accuracy', {{ var('sid_levels') | int + 1 }})
    ) as l(metric, k)
),
per_case as (
    select c.model_id, 'title_to_sid' as task, l.metric, (c.levels_correct >= l.k)::int::double as x
    from cases c cross join levels l where c.task = 'title_to_sid'
    union all
    select model_id, 'sid_to_title', 'exact_match', exact::int::double from cases where task = 'sid_to_title'
    union all
    select model_id, 'sid_to_title', 'token_f1', token_f1 from cases where task = 'sid_to_title'
    union all
    select model_id, 'free_rec', 'invalid_id_rate', (not valid)::int::double from cases where task = 'free_rec'
),
means as (
    select model_id, task, metric, avg(x) as value,
        1.96 * coalesce(stddev_samp(x), 0) / sqrt(count(*)) as half_width, count(*) as n
    from per_case group by all
)
select model::varchar as model, model_id::varchar as model_id, 'next_item'::varchar as task, metric::varchar as metric,
    value::double as value, ci_low::double as ci_low, ci_high::double as ci_high, n_users::bigint as n_cases
from {{ ref('int_llm_next_item_metrics') }}
union all
select 'llm', model_id, task, metric, value, value - half_width, value + half_width, n
from means
order by task, model, metric
