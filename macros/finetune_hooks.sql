{# Stage 4: the hooks of its models (dbt_project.yml and finetune_files' config) #}

{# Pre-hook of every stage-4 model: DuckDB's memory limit (var ft_memory_limit; beyond it DuckDB spills to disk).
   The setting is global to the connection, so it stays for the rest of the dbt invocation; '' leaves it alone. #}
{% macro ft_memory_limit() -%}
  {%- set limit = var('ft_memory_limit') | string -%}
  {%- if limit -%}
    {%- if not modules.re.fullmatch('[0-9.]+ *[KMGT]i?B', limit) -%}
      {{ exceptions.raise_compiler_error("var ft_memory_limit must look like 3GB or 3000MB, got " ~ limit) }}
    {%- endif -%}
    set memory_limit = '{{ limit }}'
  {%- else -%}
    select 1
  {%- endif -%}
{%- endmacro %}

{#
  Post-hook of `finetune_files` (a node of its own, so that the writing overlaps the statistics and the leak check
  instead of preceding them): under <out_dir>/<category>/finetune/, train, val and heldout as JSONL and parquet,
  and train_<type>.parquet per type of the seed. Records are {"messages": [...], "type": ..., "task": ...}; rows are
  in the table's order (split, then record_hash), so the same inputs give byte-identical files.
  The per-type files are parquet, not JSONL: as JSONL they held every training record a second time (2.6 GB at the
  full preset, written at ~100 MB/s of kernel time on 2 cores), as parquet they are ~130 MB. So every record is
  written as JSON once, and the JSONL is written straight from the table, no temp table of lines between.
  Each line is to_json of the row, written as a CSV of one column without quoting (a JSON line holds no raw newline
  and no chr(31)): byte for byte what COPY ... (FORMAT json) writes, at a half to a third of its time here.
#}
{% macro ft_export_files(conversations) -%}
  {#- which files: finetune_files' own rows (its SQL is the one list of them) -#}
  {%- set dir = out_path('finetune') -%}
  select ensure_dir('{{ dir }}')
  {%- if execute %}
  {%- for file, split, type, format in run_query('select file, split, type, format from ' ~ this ~ ' order by file') %};
  {%- set where = 'split = ' ~ sql_string(split) ~ (' and type = ' ~ sql_string(type) if type is not none else '') %}
  {%- if format == 'jsonl' %}
  copy (select to_json({messages: messages, type: type, task: task})::varchar from {{ conversations }} where {{ where }})
      to '{{ dir }}/{{ file }}' (format csv, header false, quote '', escape '', delim chr(31))
  {%- else %}
  copy (select messages, type, task from {{ conversations }} where {{ where }})
      to '{{ dir }}/{{ file }}' (format parquet, compression zstd)
  {%- endif %}
  {%- endfor %}
  {%- endif %}
{%- endmacro %}
