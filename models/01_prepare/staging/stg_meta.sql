{{ config(post_hook=["{{ keep_unreadable_lines('meta_unreadable') }}",
                      "{{ fail_if_empty('the meta file ' ~ raw_path('meta') ~ ' has no lines') }}"]) }}
-- One row per line of meta_<category>.jsonl.gz: typed fields, or a reject_reason saying why the line cannot
-- be used. `details` stays JSON: its keys differ per product, so schema inference would break on unseen keys.
-- Notebook 01's title/description filters are decided here, and the wide text fields are kept only for the
-- lines that pass them (see the final select).
--
-- Fast path: one strict parse into the expected structure, which refuses any line with a missing key or a
-- wrong type. Only refused lines take the slow path, which finds the reason field by field.
{# text fields stay JSON here so a number where text belongs is caught, not silently turned into text #}
{% set text_fields = ["parent_asin", "title", "main_category", "store"] %}
{% set structure = {
    "parent_asin": "JSON", "title": "JSON", "main_category": "JSON", "store": "JSON",
    "features": "VARCHAR[]", "description": "VARCHAR[]", "categories": "VARCHAR[]", "details": "JSON",
    "average_rating": "DOUBLE", "rating_number": "BIGINT", "price": "JSON"} %}
{% set structure_sql = "'" ~ (structure | tojson) ~ "'" %}

-- One pass over the lines: the slow path is a CASE branch, which DuckDB evaluates only for the rows it applies
-- to, so the usable lines cost one parse and nothing is materialized or scanned twice.
with parsed as (
    select line_number, line, try(json_transform_strict(line, {{ structure_sql }})) as strict_record
    from ({{ read_lines(source('raw', 'meta'), 'meta_unreadable') }})
),

typed as (
    -- a text field must hold a JSON string or null (parent_asin: a string that is not blank); looking at its
    -- first character needs no parse
    select
        line_number,
        line,
        case when
            left(strict_record.parent_asin::varchar, 1) = '"' and trim(strict_record.parent_asin ->> '$') <> '' and
            {%- for field in text_fields[1:] %}
            coalesce(left(strict_record.{{ field }}::varchar, 1) in ('"', 'n'), true){{ ' and' if not loop.last }}
            {%- endfor %}
        then strict_record end as record
    from parsed
),

refused as (
    -- the lines the strict parse refused (a wrong type, a missing optional key, not JSON at all) as JSON
    select line_number, line, record, case when record is null then try_cast(line as json) end as j
    from typed
),

checked as (
    select
        line_number,
        line,
        record,
        j,
        case when record is null then case
            when trim(coalesce(line, '')) = '' then 'empty_line'
            when j is null then 'invalid_json'
            when json_type(j) <> 'OBJECT' then 'not_a_json_object'
            when coalesce(json_type(j, '$.parent_asin'), 'NULL') = 'NULL' then 'missing_field: parent_asin'
            when json_type(j, '$.parent_asin') <> 'VARCHAR' or trim(j ->> '$.parent_asin') = '' then 'wrong_type: parent_asin'
            {%- for field in text_fields[1:] %}
            when coalesce(json_type(j, '$.{{ field }}'), 'NULL') not in ('NULL', 'VARCHAR') then 'wrong_type: {{ field }}'
            {%- endfor %}
            {%- for field in ['features', 'description', 'categories'] %}
            when coalesce(json_type(j, '$.{{ field }}'), 'NULL') not in ('NULL', 'ARRAY') then 'wrong_type: {{ field }}'
            {%- endfor %}
            when coalesce(json_type(j, '$.details'), 'NULL') not in ('NULL', 'OBJECT') then 'wrong_type: details'
            when coalesce(json_type(j, '$.average_rating'), 'NULL') not in ('NULL', 'DOUBLE', 'UBIGINT', 'BIGINT') then 'wrong_type: average_rating'
            when coalesce(json_type(j, '$.rating_number'), 'NULL') not in ('NULL', 'UBIGINT', 'BIGINT') then 'wrong_type: rating_number'
        end end as reject_reason
    from refused
),

records as (
    select
        line_number,
        reject_reason,
        -- refused for a missing optional key or a list of non-strings: usable, parsed leniently
        case when record is not null then record
             when reject_reason is null then json_transform(j, {{ structure_sql }}) end as record,
        case when reject_reason is not null then left(line, 2000) end as raw_line
    from checked
),

item_fields as (
    select
        line_number,
        reject_reason,
        nullif(trim(coalesce(record.parent_asin ->> '$', try(json_extract_string(raw_line, '$.parent_asin')))), '') as parent_asin,
        record.title ->> '$' as title,
        array_to_string(coalesce(record.description, []), ' ') as description_text,
        record,
        raw_line
    from records
),

flagged as (
    -- notebook 01's two filters, decided here so that the wide fields below are kept only where they can be used
    select
        *,
        length(coalesce(title, '')) > {{ var('min_title_length') }} as passes_title_filter,
        length(description_text) > {{ var('min_description_length') }} as passes_description_filter
    from item_fields
),

kept as (
    select *, passes_title_filter and passes_description_filter as passes_both from flagged
)

select
    line_number,
    reject_reason,
    parent_asin,
    title,
    record.main_category ->> '$' as main_category,
    record.store ->> '$' as store,
    record.average_rating,
    record.rating_number,
    -- price is a number, null, or free text in the wild ("$19.99", "from 12.99"): keep the text, parse what parses
    record.price ->> '$' as price,
    try_cast(regexp_extract(replace(record.price ->> '$', ',', ''), '[0-9]+(\.[0-9]+)?') as double) as price_value,
    passes_title_filter,
    passes_description_filter,
    -- The wide fields (over 90% of the text the parse keeps) only for a line that passes both filters: the
    -- others never reach `items`, and writing their text and details to the warehouse was most of this model's
    -- time. The lists are stored joined, as `items` uses them (a list column costs more to write than its text).
    case when passes_both then description_text end as description_text,
    case when passes_both then array_to_string(coalesce(record.features, []), ' ') end as features_text,
    case when passes_both then array_to_string(coalesce(record.categories, []), ' > ') end as categories_text,
    -- a details value that is not an object is dropped (the strict parse accepts any JSON there); the parse wrote
    -- it minified, so an object is the value that starts with "{" (no second parse of every details value)
    case when passes_both and starts_with(record.details::varchar, '{')
         then record.details end as details,
    raw_line
from kept
