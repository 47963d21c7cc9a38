-- What notebook 01 prints, as a table: rows after each step, and how many each step removed.
with steps as (
    select 'items' as stage, 1 as step_order, 'meta lines read' as step, count(*) as rows_out
    from {{ ref('stg_meta') }}
    union all
    select 'items', 2, 'valid meta records (rejects removed)', count(*) from {{ ref('stg_meta') }} where reject_reason is null
    union all
    select 'items', 3, 'unique parent_asin', count(*) from {{ ref('int_items_text') }}
    union all
    select 'items', 4, 'title longer than {{ var("min_title_length") }} chars', count(*)
    from {{ ref('int_items_text') }} where passes_title_filter
    union all
    select 'items', 5, 'and description longer than {{ var("min_description_length") }} chars (items)', count(*)
    from {{ ref('items') }}
    union all
    select 'sequences', 1, 'interaction lines read (header excluded)', count(*) from {{ ref('stg_interactions') }}
    union all
    select 'sequences', 2, 'valid interactions (rejects removed)', count(*) from {{ ref('stg_interactions') }} where reject_reason is null
    union all
    select 'sequences', 3, 'users (longest history per user)', count(*) from {{ ref('int_user_histories') }}
    union all
    select 'sequences', 4, 'sequences with >= {{ var("min_sequence_length") }} items that have metadata', count(*) from {{ ref('int_sequences') }}
)

select
    stage,
    step_order,
    step,
    rows_out,
    lag(rows_out) over (partition by stage order by step_order) - rows_out as rows_removed,
    round(100.0 * (lag(rows_out) over (partition by stage order by step_order) - rows_out)
          / nullif(lag(rows_out) over (partition by stage order by step_order), 0), 2) as pct_removed
from steps
order by stage, step_order
