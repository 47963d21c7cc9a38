-- Every raw line is used or rejected, and prep_step_counts says so. The raw line count comes from
-- count_raw_lines (gzip + newline bytes, a UDF), not from the reader that builds stg_*: a reader that
-- skipped or merged lines, a reject that never reached prep_rejects or a step count that forgot one all
-- break an equation below. Per source:
--   raw lines = header lines + rows used + rejects
--   prep_step_counts: lines read = raw lines - header lines; valid rows = lines read - rejects that are not duplicates
-- (meta rows used = one per parent_asin; the later repeats are rejects too, reason duplicate_parent_asin).
{{ config(tags=['stage_01']) }}
with raw as (
    select 'meta' as source, count_raw_lines('{{ raw_path("meta") }}') as raw_lines, 0 as header_lines
    union all
    select 'interactions', count_raw_lines('{{ raw_path("interactions") }}'), 1
),

used as (
    -- distinct: a dedup that kept a repeat without rejecting it leaves a line unaccounted for
    select 'meta' as source, count(distinct parent_asin) as used_rows
    from {{ ref('int_items_deduplicated') }} where not is_duplicate
    union all
    select 'interactions', count(*) from {{ ref('stg_interactions') }} where reject_reason is null
),

rejected as (
    select
        source,
        count(*) as rejects,
        count(*) filter (where not starts_with(reason, 'duplicate_parent_asin')) as rejects_not_duplicate
    from {{ ref('prep_rejects') }}
    group by source
),

steps as (
    select
        case stage when 'items' then 'meta' else 'interactions' end as source,
        max(rows_out) filter (where step_order = 1) as lines_read,
        max(rows_out) filter (where step_order = 2) as valid_rows
    from {{ ref('prep_step_counts') }}
    group by stage
),

reconciled as (
    select
        raw.source,
        raw.raw_lines,
        raw.header_lines,
        used.used_rows,
        coalesce(rejected.rejects, 0) as rejects,
        coalesce(rejected.rejects_not_duplicate, 0) as rejects_not_duplicate,
        steps.lines_read,
        steps.valid_rows
    from raw
    join used using (source)
    left join rejected using (source)
    left join steps using (source)
)

select *
from reconciled
where raw_lines <> header_lines + used_rows + rejects
   or lines_read is distinct from raw_lines - header_lines
   or valid_rows is distinct from raw_lines - header_lines - rejects_not_duplicate
