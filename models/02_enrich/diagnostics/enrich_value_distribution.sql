-- Notebook 04, step 5: how often each value occurs per metadata field (list fields flattened), plus the
-- unknown keys that answers carried and normalisation dropped (field 'dropped_key').
with m as (select * from {{ ref('int_item_metadata') }}),
total as (select count(*) as items from m),
vals as (
    {%- for f in ['product_type', 'hardware_type', 'brand', 'multiplayer', 'franchise'] %}
    select '{{ f }}' as field, {{ f }} as value from m where {{ f }} is not null
    union all
    {%- endfor %}
    select 'platform', unnest(platform) from m
    union all
    select 'genre', unnest(genre) from m
    union all
    select 'dropped_key', unnest(dropped_keys) from m
)

select
    field,
    value,
    count(*) as items,
    round(count(*) / (select items from total), 4) as share,
    row_number() over (partition by field order by count(*) desc, value) as rank
from vals
group by field, value
order by field, rank
