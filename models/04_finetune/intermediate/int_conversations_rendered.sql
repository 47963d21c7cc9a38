-- Every task of the seed expanded over its source: one row per (template, source row) passing the template's
-- condition, before de-duplication (a view: only int_conversations_deduplicated reads it). Then routed:
--   * records of a held-out item in an ID-recall type (ft_heldout_types, A and B) go to split `heldout`;
--   * any other record anchored on a held-out item that shows its title is dropped (heldout_item_text), so the
--     held-out items' text never sits next to their ID in training;
--   * a record with an empty user or assistant text (a NULL field) is dropped (empty_content).
-- Dropped rows stay here with their reason, so finetune_stats accounts for every rendered row.
-- The sources are named by the seed's `source` column; dbt needs them declared:
-- depends_on: {{ ref('int_item_facts') }} {{ ref('int_description_snippets') }} {{ ref('int_history_windows') }}
-- depends_on: {{ ref('int_prefix_groups') }} {{ ref('int_copurchase_pairs') }} {{ ref('int_category_transitions') }}
-- depends_on: {{ ref('int_frequent_pairs') }} {{ ref('int_sequence_examples') }}
{%- set heldout_types = var('ft_heldout_types') | list %}
with expanded as (
    {{ ft_expand_templates() }}
)

select
    e.type,
    e.task,
    case
        when h.parent_asin is not null and e.type in {{ sql_tuple(heldout_types) }}
            then 'heldout'
        else e.source_split
    end as split,
    case
        when coalesce(trim(e.user_content), '') = '' or coalesce(trim(e.assistant_content), '') = ''
            then 'empty_content'
        when h.parent_asin is not null and e.type not in {{ sql_tuple(heldout_types) }}
             and contains(e.user_content || chr(10) || e.assistant_content, h.title)
            then 'heldout_item_text'
    end as drop_reason,
    e.user_id,
    e.parent_asin,
    e.user_content,
    e.assistant_content
from expanded e
left join {{ ref('int_heldout_items') }} h using (parent_asin)
