{{ config(post_hook=["{{ keep_unreadable_lines('interactions_unreadable') }}",
                      "{{ fail_if_empty('the interactions file ' ~ raw_path('interactions') ~ ' has no rows') }}"]) }}
-- One row per interaction line of <category>.train.csv.gz (line 1, the header, is checked and left out):
-- typed fields, or a reject_reason.
-- Layout: user_id,parent_asin,rating,timestamp,history (history = earlier parent_asins, space-separated).
{% set expected_header = 'user_id,parent_asin,rating,timestamp,history' %}

with lines as (
    select line_number, line
    from ({{ read_lines(raw_path('interactions'), 'interactions_unreadable') }})
),

header_check as (
    select case when trim(line, E' \r') <> '{{ expected_header }}'
                then error('{{ raw_path("interactions") }}: the first line must be the header "{{ expected_header }}", found: ' || left(line, 200))
           end as header_ok
    from lines
    where line_number = 1
),

raw_fields as (
    -- fields never contain commas; a writer may still quote a whole field ("" for an empty history)
    select line_number, line, string_split(rtrim(line, E'\r'), ',') as raw_parts
    from lines, header_check
    -- header_ok is null whenever the header is right; the filter is what makes DuckDB evaluate the check at
    -- all (an unused column of a cross-joined CTE is pruned, and error() with it: a wrong header passed silently)
    where line_number > 1 and header_ok is null
),

fields as (
    select
        line_number,
        line,
        list_transform(raw_parts, lambda f: trim(f, '"')) as parts,
        -- a quote anywhere but around a whole field (e.g. an opening quote never closed) makes the line unusable
        list_bool_or(list_transform(raw_parts, lambda f: contains(f, '"') and not regexp_full_match(trim(f), '"[^"]*"')))
            as bad_quotes
    from raw_fields
),

typed as (
    select
        line_number,
        line,
        len(parts) as n_fields,
        trim(parts[1]) as user_id,
        trim(parts[2]) as parent_asin,
        try_cast(parts[3] as double) as rating,
        parts[3] as rating_text,
        try_cast(parts[4] as bigint) as timestamp_ms,
        parts[4] as timestamp_text,
        trim(parts[5]) as history,
        bad_quotes
    from fields
),

checked as (
    select
        *,
        case
            when trim(coalesce(line, ''), E' \r') = '' then 'empty_line'
            when n_fields <> 5 then 'wrong_field_count: expected 5, found ' || n_fields
            when bad_quotes then 'malformed_quotes: a field opens or closes a quote it does not match'
            when user_id = '' then 'missing_field: user_id'
            when parent_asin = '' then 'missing_field: parent_asin'
            when rating is null and trim(rating_text) <> '' then 'wrong_type: rating'
            when timestamp_ms is null then 'wrong_type: timestamp'
        end as reject_reason
    from typed
)

select
    line_number,
    reject_reason,
    user_id,
    parent_asin,
    rating,
    timestamp_ms,
    history,
    -- number of items in the history, counted without splitting it (only each user's kept row is split later)
    case when coalesce(history, '') = '' then 0
         else len(history) - len(replace(history, ' ', '')) + 1 end as history_length,
    case when reject_reason is not null then left(line, 2000) end as raw_line
from checked
