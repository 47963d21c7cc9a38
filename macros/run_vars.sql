{#
  Record this run's --vars in <category>.run_vars before any model runs (an on-run-start hook).
  dbt gives Python models no var(); they read the run's overrides from this table and take every other
  value from the defaults in dbt_project.yml (python_jobs.common.settings), so no setting is listed twice.
#}
{% macro record_run_vars() -%}
  {%- set cli_vars = invocation_args_dict.get('vars', {}) -%}
  {%- if cli_vars is string -%}{%- set cli_vars = fromyaml(cli_vars) or {} -%}{%- endif -%}
  create schema if not exists "{{ category() }}";
  create or replace table "{{ category() }}".run_vars as
  select {{ sql_string(tojson(cli_vars, sort_keys=true)) }} as cli_vars, current_timestamp as started_at
{%- endmacro %}

{# A SQL string literal of any text (quotes doubled) #}
{% macro sql_string(text) -%}
  '{{ text | replace("'", "''") }}'
{%- endmacro %}
