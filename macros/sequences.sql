{#
  Notebook 01 steps 4-5, shared by the first build and by the re-filter after enrichment:
  drop sequence items that are not in `items_relation`, keep sequences with at least min_sequence_length
  items, keep the last max_sequence_length items. Items are filtered with a semi-join on the exploded
  lists (a per-row list lookup would be quadratic).
#}
{% macro build_sequences(histories_relation, items_relation) -%}
  with exploded as (
      -- each history is read once (it may be a view): what the result needs besides the items travels along
      select user_id, last_timestamp, target_parent_asin,
             unnest(full_sequence) as item, generate_subscripts(full_sequence, 1) as position
      from {{ histories_relation }}
  ),
  kept as (
      select user_id, any_value(last_timestamp) as last_timestamp, any_value(target_parent_asin) as target_parent_asin,
             list(item order by position) as kept_items
      from exploded
      where item in (select parent_asin from {{ items_relation }})
      group by user_id
  )
  select
      user_id,
      kept_items[-{{ var('max_sequence_length') }}:] as sequence,
      least(len(kept_items), {{ var('max_sequence_length') }})::integer as sequence_length,
      len(kept_items) as untruncated_length,
      last_timestamp,
      -- the original keeps a sequence whose last item had no metadata (its previous item becomes the target)
      kept_items[-1] = target_parent_asin as target_has_metadata
  from kept
  where len(kept_items) >= {{ var('min_sequence_length') }}
{%- endmacro %}
