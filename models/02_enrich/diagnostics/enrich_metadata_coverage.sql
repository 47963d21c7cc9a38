-- Notebook 04, step 5: share of items with a value for each metadata field (list fields: a non-empty list).
{%- set fields = ['product_type', 'platform', 'genre', 'hardware_type', 'brand', 'multiplayer', 'franchise'] %}
{%- set list_fields = ['platform', 'genre'] %}
with m as (select * from {{ ref('items_enriched') }}),
total as (select count(*) as items from m)
{%- for f in fields %}
select
    '{{ f }}' as field,
    {{ loop.index }} as field_order,
    (select items from total) as items,
    {%- if f in list_fields %}
    count(*) filter (where len({{ f }}) > 0) as filled,
    (select count(distinct v) from (select unnest({{ f }}) as v from m)) as distinct_values,
    {%- else %}
    count({{ f }}) as filled,
    count(distinct {{ f }}) as distinct_values,
    {%- endif %}
    round(filled / nullif((select items from total), 0), 4) as coverage
from m
{% if not loop.last %}union all{% endif %}
{%- endfor %}
order by field_order
