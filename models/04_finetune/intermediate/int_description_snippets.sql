-- Description snippets for the "description contains" task: one row per item and offset (var
-- ft_description_snippet_offsets, the original's 50/100/200), ft_description_snippet_chars characters each,
-- only where the description reaches that far.
{%- set chars = var('ft_description_snippet_chars') | int %}
select
    f.parent_asin,
    f.sid,
    o.snippet_offset::integer as snippet_offset,
    trim(substr(f.description, o.snippet_offset + 1, {{ chars }})) as snippet
from {{ ref('int_item_facts') }} f
cross join (select unnest({{ var('ft_description_snippet_offsets') | list | tojson }}::integer[]) as snippet_offset) o
where length(f.description) >= o.snippet_offset + {{ chars }}
order by f.parent_asin, o.snippet_offset
