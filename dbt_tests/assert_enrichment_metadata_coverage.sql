-- Each metadata field must cover at least its minimum share of items (var enrich_min_coverage).
{{ config(tags=['stage_02']) }}
{%- set minimums = var('enrich_min_coverage') %}
select field, coverage, minimum
from {{ ref('enrich_metadata_coverage') }}
join (
    {%- for field, minimum in minimums.items() %}
    select '{{ field }}' as field, {{ minimum }} as minimum {% if not loop.last %}union all{% endif %}
    {%- endfor %}
) using (field)
where coverage < minimum
