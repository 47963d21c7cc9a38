{# Stage 4: relations shared by several intermediate models #}

{#
  The users' sequences with their split. Sequence-derived tasks (C, E, F) read only these two tables, so a
  training record can only come from a training user and a validation record only from a validation user.
#}
{% macro ft_split_sequences() -%}
  select 'train' as split, user_id, sequence, semantic_id_sequence, semantic_id_sequence_length
  from {{ ref('sequences_train') }}
  union all
  select 'val' as split, user_id, sequence, semantic_id_sequence, semantic_id_sequence_length
  from {{ ref('sequences_val') }}
{%- endmacro %}

{#
  The most frequent value of `value_column` per `key_column` in `relation` (ties: the smaller value), with its
  share of the key's rows; NULL and '' do not count. Used for "what a prefix usually is".
#}
{% macro ft_dominant_value(relation, key_column, value_column) -%}
  select key, value, share
  from (
      select
          {{ key_column }} as key,
          {{ value_column }} as value,
          count(*) / sum(count(*)) over (partition by {{ key_column }}) as share,
          row_number() over (partition by {{ key_column }} order by count(*) desc, {{ value_column }}) as rank
      from {{ relation }}
      where coalesce({{ value_column }}, '') <> ''
      group by {{ key_column }}, {{ value_column }}
  )
  where rank = 1
{%- endmacro %}
