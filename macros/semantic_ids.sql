{#
  Semantic-ID helpers for ad-hoc SQL (dbt show --inline, analyses) and the stage-3 generic tests.
  An ID looks like <|sid_start|><|sid_12|><|sid_300|><|sid_600|><|sid_768|><|sid_end|>;
  token = level * codebook_size + code. See the README section "Semantic IDs in SQL" for examples.
#}

{# SQL expression: the codes of a Semantic ID as INTEGER[] (level offsets removed), e.g. [12, 44, 88, 0] #}
{% macro sid_codes(semantic_id, codebook_size=none) -%}
  {%- set k = (codebook_size or var('sid_codebook_size')) | int -%}
  list_transform(regexp_extract_all({{ semantic_id }}, '<\|sid_(\d+)\|>', 1), lambda t, i: (t::integer - (i - 1) * {{ k }})::integer)
{%- endmacro %}

{# SQL expression: the code of one level (0-based) of a Semantic ID #}
{% macro sid_code(semantic_id, level, codebook_size=none) -%}
  ({{ sid_codes(semantic_id, codebook_size) }})[{{ level | int + 1 }}]
{%- endmacro %}

{# SQL expression: the first k tokens of a Semantic ID, '<|sid_start|>' included, '<|sid_end|>' not
   (so starts_with(semantic_id, prefix) selects the items under it) #}
{% macro sid_prefix(semantic_id, k) -%}
  ('<|sid_start|>' || array_to_string(regexp_extract_all({{ semantic_id }}, '<\|sid_\d+\|>')[1:{{ k | int }}], ''))
{%- endmacro %}

{# A query: the items whose Semantic ID shares its first k tokens with the item `parent_asin` (itself included),
   closest first (more shared levels, then collision index, then parent_asin) #}
{% macro sid_items_sharing_prefix(parent_asin, k=2) -%}
  {%- set ids = ref('semantic_ids') -%}
  with target as (
      select {{ sid_prefix('semantic_id', k) }} as prefix, semantic_id
      from {{ ids }} where parent_asin = '{{ parent_asin | replace("'", "''") }}'
  )
  select s.parent_asin, s.semantic_id, s.sid_0, s.sid_1, s.sid_2, s.sid_3, s.popularity,
         (s.sid_0 = t.s0)::int + (s.sid_0 = t.s0 and s.sid_1 = t.s1)::int
           + (s.sid_0 = t.s0 and s.sid_1 = t.s1 and s.sid_2 = t.s2)::int as shared_levels
  from {{ ids }} s
  join (select prefix,
               {{ sid_code('semantic_id', 0) }} as s0, {{ sid_code('semantic_id', 1) }} as s1,
               {{ sid_code('semantic_id', 2) }} as s2
        from target) t
    on starts_with(s.semantic_id, t.prefix)
  order by shared_levels desc, s.sid_3, s.parent_asin
{%- endmacro %}


{# ---- generic tests ---- #}

{# Every `column` value of `source` must appear in this model's column ("every item has a Semantic ID") #}
{% test covers_keys_of(model, column_name, source, source_column=none) %}
select {{ source_column or column_name }} as missing_key
from {{ source }}
where {{ source_column or column_name }} not in (select {{ column_name }} from {{ model }} where {{ column_name }} is not null)
{% endtest %}

{# Codes are integers in 0 .. sid_codebook_size - 1 #}
{% test sid_code_in_range(model, column_name) %}
select {{ column_name }} as bad_code
from {{ model }}
where {{ column_name }} is not null and {{ column_name }} not between 0 and {{ (var('sid_codebook_size') | int) - 1 }}
{% endtest %}
