{#
  Check this run's --vars and record them in <category>.run_vars before any model runs (an on-run-start hook).
  check_run_vars (a UDF, udfs/) refuses a var that no stage's settings model declares, or a value one refuses
  (python_jobs.stages), whatever the selection. dbt gives Python models no var(); they read the run's overrides
  from this table and take every other value from the defaults in dbt_project.yml (python_jobs.common.settings).
#}
{% macro record_run_vars() -%}
  {%- set cli_vars = invocation_args_dict.get('vars', {}) -%}
  {%- if cli_vars is string -%}{%- set cli_vars = fromyaml(cli_vars) or {} -%}{%- endif -%}
  create schema if not exists "{{ category() }}";
  create or replace table "{{ category() }}".run_vars as
  select check_run_vars({{ sql_string(tojson(cli_vars, sort_keys=true)) }}) as cli_vars, current_timestamp as started_at
{%- endmacro %}

{# A SQL string literal of any text (quotes doubled) #}
{% macro sql_string(text) -%}
  '{{ text | replace("'", "''") }}'
{%- endmacro %}
