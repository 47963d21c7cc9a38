{# Stage 4: SQL expressions over prompt text: Semantic-ID lists written into it, the IDs read back out of it, words #}

{# A list of Semantic IDs as prompt text #}
{% macro ft_sid_list(list_expr) -%}
  array_to_string({{ list_expr }}, {{ sql_string(var('ft_sid_separator')) }})
{%- endmacro %}

{#
  The runs of Semantic-ID tokens in a text, in order, each from <|sid_start|>: a complete ID (ends with
  <|sid_end|>) or a prefix (D tasks). Splitting on the start token (no regex) and matching the tokens anchored at
  the start of each piece is much cheaper than scanning the whole text with a regex.
#}
{% macro ft_sid_runs(text_expr) -%}
  list_transform(string_split({{ text_expr }}, '<|sid_start|>')[2:],
                 lambda piece: '<|sid_start|>' || regexp_extract(piece, '^(?:<\|sid_\d+\|>)*(?:<\|sid_end\|>)?'))
{%- endmacro %}

{# The complete Semantic IDs in a text, in order #}
{% macro ft_sids_in_text(text_expr) -%}
  list_filter({{ ft_sid_runs(text_expr) }}, lambda run: ends_with(run, '<|sid_end|>'))
{%- endmacro %}

{# Words of a cleaned text: its spaces and newlines + 1 (the texts are single-spaced and trimmed) #}
{% macro ft_word_count(text_expr) -%}
  (length({{ text_expr }}) - length(replace(replace({{ text_expr }}, ' ', ''), chr(10), '')) + 1)
{%- endmacro %}
