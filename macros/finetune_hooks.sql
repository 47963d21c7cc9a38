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
  {%- set dir = out_path('finetune') -%}
  select ensure_dir('{{ dir }}')
  {%- for split in ['train', 'val', 'heldout'] %};
  copy (select to_json({messages: messages, type: type, task: task})::varchar from {{ conversations }} where split = '{{ split }}')
      to '{{ dir }}/{{ split }}.jsonl' (format csv, header false, quote '', escape '', delim chr(31));
  copy (select messages, type, task from {{ conversations }} where split = '{{ split }}')
      to '{{ dir }}/{{ split }}.parquet' (format parquet, compression zstd)
  {%- endfor %}
  {%- for type in ft_templates() | map(attribute='type') | unique | sort %};
  copy (select messages, type, task from {{ conversations }} where split = 'train' and type = {{ sql_string(type) }})
      to '{{ dir }}/train_{{ type }}.parquet' (format parquet, compression zstd)
  {%- endfor %}
{%- endmacro %}
