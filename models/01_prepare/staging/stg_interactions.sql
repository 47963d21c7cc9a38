{{ config(post_hook=["{{ keep_unreadable_lines('interactions_unreadable') }}",
                      "{{ fail_if_empty('the interactions file ' ~ raw_path('interactions') ~ ' has no rows') }}"]) }}
-- One row per interaction line of <category>.train.csv.gz (line 1, the header, is checked and left out):
-- typed fields, or a reject_reason.
-- Layout: user_id,parent_asin,rating,timestamp,history (history = earlier parent_asins, space-separated).
--
-- Each line is read once (no copy of the file is kept for the header check) and split once; the per-field
-- rules (quotes, spaces, a carriage return: list lambdas, trims, a regex) run only on the few lines they can
-- change (`needs_care` below).
{% set expected_header = 'user_id,parent_asin,rating,timestamp,history' %}

with header_check as (
    -- the first line alone (a read that stops there), so the lines below are scanned once, not kept for a join
    select case when trim(line, E' \r') <> '{{ expected_header }}'
                then error('{{ raw_path("interactions") }}: the first line must be the header "{{ expected_header }}", found: ' || left(line, 200))
           end as header_ok
    from ({{ read_first_line(source('raw', 'interactions')) }})
),

raw_fields as (
    select
        line_number,
        line,
        contains(line, '"') as has_quote,
        -- "needs care": the exact rules below (strip a carriage return, quotes around a field, spaces around a field)
        -- can change this line. They cannot change an ASCII line (byte length = character length, so the only
        -- space trim() removes is ' ') without a quote, a carriage return or a space next to a comma or an end:
        -- such a line (almost all of them) is split once, as is. Trimming every field of every line allocates a
        -- copy of each and was most of this model's time.
        strlen(line) <> length(line) or contains(line, '"') or contains(line, E'\r')
            or contains(line, ' ,') or contains(line, ', ') or starts_with(line, ' ') or ends_with(line, ' ') as needs_care
    from ({{ read_lines(source('raw', 'interactions'), 'interactions_unreadable') }})
    -- header_ok is null whenever the header is right; the filter is what makes DuckDB evaluate the check at
    -- all (an unused value is pruned, and error() with it: a wrong header would pass silently)
    where line_number > 1 and (select header_ok from header_check) is null
),

fields as (
    -- fields never contain commas; a writer may still quote a whole field ("" for an empty history)
    select
        line_number,
        line,
        needs_care,
        case when needs_care then list_transform(string_split(rtrim(line, E'\r'), ','), lambda f: trim(f, '"'))
             else string_split(line, ',') end as parts,
        -- a quote anywhere but around a whole field (e.g. an opening quote never closed) makes the line unusable
        case when has_quote then list_bool_or(list_transform(string_split(rtrim(line, E'\r'), ','),
                 lambda f: contains(f, '"') and not regexp_full_match(trim(f), '"[^"]*"'))) end as bad_quotes
    from raw_fields
),

typed as (
    select
        line_number,
        line,
        len(parts) as n_fields,
        case when needs_care then trim(parts[1]) else parts[1] end as user_id,
        case when needs_care then trim(parts[2]) else parts[2] end as parent_asin,
        try_cast(parts[3] as double) as rating,
        parts[3] as rating_text,
        try_cast(parts[4] as bigint) as timestamp_ms,
        case when needs_care then trim(parts[5]) else parts[5] end as history,
        bad_quotes
    from fields
),

checked as (
    select
        *,
        case
            -- (a line with commas is not blank: only the others need the trim)
            when n_fields is distinct from 5 and trim(coalesce(line, ''), E' \r') = '' then 'empty_line'
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
