{#
  Notebook 01 steps 4-5, shared by the first build and by the re-filter after enrichment:
  drop sequence items that are not in `items_relation`, keep sequences with at least min_sequence_length
  items, keep the last max_sequence_length items. Items are filtered with a semi-join on the exploded
  lists (a per-row list lookup would be quadratic).
#}
{% macro build_sequences(histories_relation, items_relation) -%}
  with exploded as (
      select user_id, unnest(full_sequence) as item, generate_subscripts(full_sequence, 1) as position
      from {{ histories_relation }}
  ),
  kept as (
      select user_id, list(item order by position) as sequence
      from exploded
      where item in (select parent_asin from {{ items_relation }})
      group by user_id
  )
  select
      h.user_id,
      k.sequence[-{{ var('max_sequence_length') }}:] as sequence,
      least(len(k.sequence), {{ var('max_sequence_length') }})::integer as sequence_length,
      len(k.sequence) as untruncated_length,
      h.last_timestamp,
      -- the original keeps a sequence whose last item had no metadata (its previous item becomes the target)
      k.sequence[-1] = h.target_parent_asin as target_has_metadata
  from kept k
  join {{ histories_relation }} h using (user_id)
  where len(k.sequence) >= {{ var('min_sequence_length') }}
{%- endmacro %}
