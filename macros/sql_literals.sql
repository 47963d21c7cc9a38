{# A list of strings as a SQL tuple: ('A', 'B') (one string: sql_string, macros/run_vars.sql) #}
{% macro sql_tuple(values) -%}
  ({% for v in values %}{{ sql_string(v) }}{% if not loop.last %}, {% endif %}{% endfor %})
{%- endmacro %}
