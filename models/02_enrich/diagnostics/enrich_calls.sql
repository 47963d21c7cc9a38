-- Calls per task in this build: distinct inputs answered from the cache, answered now, failed for good
-- (the table then carries the offline rules' answer, status 'fallback'; the next run retries the API),
-- and items with no input text. `attempts` adds up the attempts made in this build.
{%- set tasks = [('clean_description', 'int_clean_descriptions'), ('clean_title', 'int_clean_titles'),
                 ('extract_metadata', 'int_item_metadata')] %}
{%- for task, model in tasks %}
select
    '{{ task }}' as task,
    {{ loop.index }} as task_order,
    string_agg(distinct provider || '/' || model, ', ' order by provider || '/' || model) as providers,
    max(prompt_version) as prompt_version,
    count(*) as items,
    count(distinct input_hash) as distinct_inputs,
    count(distinct input_hash) filter (where status = 'ok' and cache_hit) as cached,
    count(distinct input_hash) filter (where status = 'ok' and not cache_hit) as answered,
    count(distinct input_hash) filter (where status in ('fallback', 'pending')) as failed,
    count(*) filter (where status = 'empty') as empty_inputs,
    (select coalesce(sum(attempts), 0) from (select distinct input_hash, attempts from {{ ref(model) }}
                                             where input_hash is not null)) as attempts
from {{ ref(model) }}
{% if not loop.last %}union all{% endif %}
{%- endfor %}
order by task_order
