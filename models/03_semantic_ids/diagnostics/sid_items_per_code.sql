-- Per learned level: items per used code (min / mean / max / stddev) and how many codes no item uses.
{%- set k = var('sid_codebook_size') | int %}
with codes as (
    {%- for level in range(3) %}
    select {{ level }} as level, sid_{{ level }} as code from {{ ref('semantic_ids') }}
    {%- if not loop.last %} union all{% endif %}
    {%- endfor %}
),

counts as (
    select level, code, count(*) as n_items from codes group by level, code
)

select
    level,
    min(n_items)::integer as min_items,
    avg(n_items) as mean_items,
    max(n_items)::integer as max_items,
    stddev_pop(n_items) as stddev_items,
    ({{ k }} - count(*))::integer as codes_unused
from counts
group by level
order by level
