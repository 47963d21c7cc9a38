-- Notebooks 02/03 analyses as a table: text quality of titles and descriptions before and after cleaning.
-- One row per (field, stage). Patterns follow the notebooks: HTML entities, >= 3 consecutive whitespace,
-- ALL CAPS, promotional words, decorative symbols, repeated punctuation, >= 3 parentheses, "..." endings.
with texts as (
    select 'title' as field, 'before' as stage, original_title as text from {{ ref('items_enriched') }}
    union all
    select 'title', 'after', title from {{ ref('items_enriched') }}
    union all
    select 'description', 'before', original_description_text from {{ ref('items_enriched') }}
    union all
    select 'description', 'after', description_text from {{ ref('items_enriched') }}
),
measured as (
    select
        field,
        stage,
        coalesce(text, '') as text,
        length(coalesce(text, '')) as chars,
        case when trim(coalesce(text, '')) = '' then 0 else len(string_split_regex(trim(text), '\s+')) end as words
    from texts
)

select
    field,
    stage,
    count(*) as items,
    count(*) filter (where chars = 0) as empty,
    min(chars) as min_chars,
    max(chars) as max_chars,
    round(avg(chars), 2) as mean_chars,
    median(chars) as median_chars,
    round(stddev_pop(chars), 2) as std_chars,
    round(avg(words), 2) as mean_words,
    count(*) filter (where regexp_matches(text, '&(amp|lt|gt|nbsp|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);')) as html_entities,
    count(*) filter (where regexp_matches(text, '</?[A-Za-z][^<>]*>')) as html_tags,
    count(*) filter (where regexp_matches(text, '\s{3,}')) as excess_whitespace,
    count(*) filter (where regexp_matches(text, '[A-Z]{2}') and not regexp_matches(text, '[a-z]')) as all_caps,
    count(*) filter (where regexp_matches(text, '(NEW!|\bSALE\b|\bLIMITED\b|\bEXCLUSIVE\b|\bBEST SELLER\b|\bFREE SHIPPING\b)')) as promotional,
    count(*) filter (where regexp_matches(text, '[★☆♥♡©®™●■◆►✔✓]')) as special_chars,
    count(*) filter (where regexp_matches(text, '(!!|\?\?|\.\.\.\.)')) as excess_punctuation,
    count(*) filter (where length(text) - length(replace(text, '(', '')) >= 3) as many_parentheses,
    count(*) filter (where regexp_matches(text, '(\.\.\.|…)\s*$')) as truncated,
    count(*) filter (where (field = 'title' and chars > {{ var('enrich_title_max_chars') }})
                        or (field = 'description' and words > {{ var('enrich_description_max_words') }})) as over_limit
from measured
group by field, stage
order by field, stage desc
