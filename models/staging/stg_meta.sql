-- One row per meta line: typed fields, or a reject_reason saying why the line cannot be used.
-- `details` stays JSON: its keys differ per product, so schema inference would break on unseen keys.
with lines as (
    select line_number, line, unreadable_reason,
           case when unreadable_reason is null and json_valid(line) then line::json end as j
    from {{ ref('stg_meta_lines') }}
),

typed as (
    select
        line_number,
        line,
        j,
        unreadable_reason,
        json_type(j) as t_root,
        json_type(j, '$.parent_asin') as t_parent_asin,
        json_type(j, '$.title') as t_title,
        json_type(j, '$.main_category') as t_main_category,
        json_type(j, '$.store') as t_store,
        json_type(j, '$.features') as t_features,
        json_type(j, '$.description') as t_description,
        json_type(j, '$.categories') as t_categories,
        json_type(j, '$.details') as t_details,
        json_type(j, '$.average_rating') as t_average_rating,
        json_type(j, '$.rating_number') as t_rating_number
    from lines
),

checked as (
    select
        *,
        case
            when unreadable_reason is not null then unreadable_reason
            when trim(coalesce(line, '')) = '' then 'empty_line'
            when j is null then 'invalid_json'
            when t_root <> 'OBJECT' then 'not_a_json_object'
            when coalesce(t_parent_asin, 'NULL') = 'NULL' then 'missing_field: parent_asin'
            when t_parent_asin <> 'VARCHAR' or trim(j ->> '$.parent_asin') = '' then 'wrong_type: parent_asin'
            when coalesce(t_title, 'NULL') not in ('NULL', 'VARCHAR') then 'wrong_type: title'
            when coalesce(t_main_category, 'NULL') not in ('NULL', 'VARCHAR') then 'wrong_type: main_category'
            when coalesce(t_store, 'NULL') not in ('NULL', 'VARCHAR') then 'wrong_type: store'
            when coalesce(t_features, 'NULL') not in ('NULL', 'ARRAY') then 'wrong_type: features'
            when coalesce(t_description, 'NULL') not in ('NULL', 'ARRAY') then 'wrong_type: description'
            when coalesce(t_categories, 'NULL') not in ('NULL', 'ARRAY') then 'wrong_type: categories'
            when coalesce(t_details, 'NULL') not in ('NULL', 'OBJECT') then 'wrong_type: details'
            when coalesce(t_average_rating, 'NULL') not in ('NULL', 'DOUBLE', 'UBIGINT', 'BIGINT') then 'wrong_type: average_rating'
            when coalesce(t_rating_number, 'NULL') not in ('NULL', 'UBIGINT', 'BIGINT') then 'wrong_type: rating_number'
        end as reject_reason
    from typed
)

select
    line_number,
    reject_reason,
    -- kept on rejects too when readable, so a reject can be traced to its item
    nullif(trim(j ->> '$.parent_asin'), '') as parent_asin,
    j ->> '$.title' as title,
    j ->> '$.main_category' as main_category,
    j ->> '$.store' as store,
    coalesce(json_extract_string(j, '$.features[*]'), []::varchar[]) as features,
    coalesce(json_extract_string(j, '$.description[*]'), []::varchar[]) as description,
    coalesce(json_extract_string(j, '$.categories[*]'), []::varchar[]) as categories,
    case when t_details = 'OBJECT' then j -> '$.details' end as details,
    case when reject_reason is null then (j ->> '$.average_rating')::double end as average_rating,
    case when reject_reason is null then (j ->> '$.rating_number')::bigint end as rating_number,
    -- price is a number, null, or free text in the wild ("$19.99", "from 12.99"): keep the text, parse what parses
    j ->> '$.price' as price,
    try_cast(regexp_extract(replace(j ->> '$.price', ',', ''), '[0-9]+(\.[0-9]+)?') as double) as price_value,
    case when reject_reason is not null then left(line, 2000) end as raw_line
from checked
