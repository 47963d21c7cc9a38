-- Every line read is either used or a reject: read = valid + rejected, for both raw files.
with meta as (
    select
        (select count(*) from {{ ref('stg_meta') }}) as read_lines,
        (select count(*) from {{ ref('stg_meta') }} where reject_reason is null) as valid_lines,
        (select count(*) from {{ ref('prep_rejects') }} where source = 'meta' and not starts_with(reason, 'duplicate_parent_asin')) as rejected_lines
),
interactions as (
    select
        (select count(*) from {{ ref('stg_interactions') }}) as read_lines,
        (select count(*) from {{ ref('stg_interactions') }} where reject_reason is null) as valid_lines,
        (select count(*) from {{ ref('prep_rejects') }} where source = 'interactions') as rejected_lines
)
select 'meta' as source, * from meta where read_lines <> valid_lines + rejected_lines
union all
select 'interactions', * from interactions where read_lines <> valid_lines + rejected_lines
