-- The generative next-item ranks on the LLM's val users: the LLM's (int_llm_cases) and, on exactly those users,
-- every stage-5 model's protocol-generative rank (first seed), so llm_metrics compares them on the same users.
with llm as (
    select model_id, case_id as user_id, rank from {{ ref('int_llm_cases') }} where task = 'next_item'
),
first_seed as (select model, min(seed) as first from {{ ref('recommendation_ranks') }} group by model)
select 'llm'::varchar as model, model_id::varchar as model_id, user_id::varchar as user_id, rank::double as rank
from llm
union all
select r.model, r.model_id, r.user_id, r.rank
from {{ ref('recommendation_ranks') }} r
join first_seed f on f.model = r.model and f.first = r.seed
where r.protocol = 'generative' and r.user_id in (select user_id from llm)
