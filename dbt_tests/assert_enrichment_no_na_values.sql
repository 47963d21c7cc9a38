-- Failed enrichment is never written into the data as a value: no "NA", "N/A", "null", "none" or empty
-- string in the cleaned text or any metadata field (scalars are NULL when unknown, lists are empty).
{{ config(tags=['stage_02']) }}
with ie as (select * from {{ ref('items_enriched') }}),
vals as (
    select parent_asin, 'title' as field, title as value from ie
    union all select parent_asin, 'description_text', description_text from ie where trim(original_description_text) <> ''
    {%- for f in ['product_type', 'hardware_type', 'brand', 'multiplayer', 'franchise'] %}
    union all select parent_asin, '{{ f }}', {{ f }} from ie where {{ f }} is not null
    {%- endfor %}
    union all select parent_asin, 'platform', unnest(platform) from ie
    union all select parent_asin, 'genre', unnest(genre) from ie
)
select parent_asin, field, value
from vals
where value is null
   or upper(trim(value, ' ."''')) in ('', 'NA', 'N/A', 'NULL', 'NONE', 'NAN', 'UNKNOWN')
