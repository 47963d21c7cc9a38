{# Stage 4: the leak query behind finetune_leak_check and the dbt test assert_finetune_no_val_window_in_train #}

{#
  Windows of n consecutive IDs as hash(list of n IDs) (a 64-bit DuckDB hash: comparing numbers instead of
  ~70-character strings per ID; a collision could only add a false alarm, never hide a leak).
  ft_sid_windows_of_sequences: of semantic_id_sequence in a sequences relation; ft_sid_windows_of_text: of the
  complete IDs in `text_expr`, with `id_window` (the IDs joined) for reporting.
#}
{% macro ft_sid_windows_of_sequences(relation, n) -%}
  select hash(semantic_id_sequence[i:i + {{ n - 1 }}]) as window_hash
  from {{ relation }}, unnest(range(1, semantic_id_sequence_length - {{ n - 2 }})) as r(i)
{%- endmacro %}

{% macro ft_sid_windows_of_text(relation, text_expr, n, where='true') -%}
  -- the windows as one list per text, unnested once (a lateral unnest(range(...)) slicing per row was 3x slower)
  select hash(ids) as window_hash, array_to_string(ids, '') as id_window
  from (
      select unnest(list_transform(range(1, len(sids) - {{ n - 2 }}), lambda i: sids[i:i + {{ n - 1 }}])) as ids
      from (
          select {{ ft_sids_in_text(text_expr) }} as sids
          from {{ relation }}
          -- only texts with at least n IDs can hold a window (a cheap test before extracting the IDs)
          where ({{ where }}) and len(string_split({{ text_expr }}, '<|sid_end|>')) > {{ n }}
      )
  )
{%- endmacro %}

{#
  Leak query: ID windows (n consecutive IDs) that occur in a validation user's sequence and in no training user's
  sequence, yet appear in a training conversation built from sequences (types C, E, F). A window that training
  users also bought is not evidence of a leak, so it is excluded. Must return no row.
#}
{% macro ft_val_windows_in_train(conversations, n=3) -%}
  with val_only as (
      {{ ft_sid_windows_of_sequences(ref('sequences_val'), n) }}
      except
      {{ ft_sid_windows_of_sequences(ref('sequences_train'), n) }}
  ),
  train_windows as (
      {{ ft_sid_windows_of_text(conversations, "messages[2].content || ' ' || messages[3].content", n,
                                "split = 'train' and type in ('C', 'E', 'F')") }}
  )
  select distinct id_window as leaked_window
  from train_windows
  where window_hash in (select window_hash from val_only)
{%- endmacro %}
