{# Every category builds into its own schema, so one warehouse holds them side by side: sample.items, Video_Games.items #}
{% macro generate_schema_name(custom_schema_name, node) -%}
  {{ var('category') }}
{%- endmacro %}

{# The category names a folder under data/ and a schema; the on-run-start hook checks it (validate_category below:
   letters, digits and underscore only, and not a catalog's name) before any model runs #}
{% macro category() -%}
  {{ return(var('category') | string) }}
{%- endmacro %}

{# A raw file's path, unquoted: its source's external_location (models/01_prepare/staging/_prepare__sources.yml).
   Calling it from a model records the source as the model's parent (lineage starts at the raw files). #}
{% macro raw_path(name) -%}
  {%- set relation = source('raw', name) -%}
  {#- at parse time dbt hands out a placeholder relation without the location -#}
  {{ return((relation.external or "''")[1:-1]) }}
{%- endmacro %}

{# The category's output folder <out_dir>/<category> (python_jobs.common.paths.CategoryPaths.out_dir) and a file in it #}
{% macro out_dir() -%}
  {{ return(var('out_dir') ~ '/' ~ category()) }}
{%- endmacro %}

{% macro out_path(name) -%}
  {{ out_dir() }}/{{ name }}
{%- endmacro %}

{# Run once before any model: a bad category or missing raw files stop the build with a message that says what to do.
   The category is also a schema, so it must not be the name of a catalog of this connection (the warehouse file's:
   office.duckdb is catalog office) or one of DuckDB's own (python_jobs.common.paths.validate_category_schema) #}
{% macro validate_category() -%}
  select validate_category({{ sql_string(category()) }}, (select list(database_name) from duckdb_databases()))
{%- endmacro %}

{% macro require_raw_files() -%}
  {%- set cat = category() -%}
  {%- set hint = "python -m python_jobs download --category " ~ cat -%}
  select
    require_file('{{ raw_path("meta") }}', '{{ hint }}'),
    require_file('{{ raw_path("interactions") }}', '{{ hint }}'),
    ensure_dir('{{ out_dir() }}')
{%- endmacro %}

{# Marts are warehouse tables (queryable from any directory) and are also written out as parquet #}
{% macro export_parquet() -%}
  copy (select * from {{ this }}) to '{{ out_path(this.identifier ~ ".parquet") }}' (format parquet, compression zstd)
{%- endmacro %}

{# Stop the build when a model that must not be empty is empty #}
{% macro fail_if_empty(message) -%}
  select case when (select count(*) from {{ this }}) = 0 then error('{{ this.identifier }} is empty: {{ message }}') end
{%- endmacro %}
