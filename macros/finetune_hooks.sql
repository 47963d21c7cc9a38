{# Stage 4: the hooks of its models (dbt_project.yml and conversations' config) #}

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
  Post-hook of `conversations`: JSONL plus the same records as parquet, under <out_dir>/<category>/finetune/: train,
  val and heldout, and train_<type> per type of the seed. Records are {"messages": [...], "type": ..., "task": ...};
  rows are in the table's order (split, then record_hash), so the same inputs give byte-identical files.
  Each record is serialised to its JSON line once (to_json of the row, as COPY ... (FORMAT json) does): writing the
  files with FORMAT json serialised every training record twice, for train.jsonl and for train_<type>.jsonl. The
  lines are then written as they are (a CSV of one column, no quoting: a JSON line holds no raw newline and no
  chr(31)), byte for byte what FORMAT json writes.
#}
{% macro ft_export_files() -%}
  {%- set dir = out_path('finetune') -%}
  {%- set files = [('train', "split = 'train'"), ('val', "split = 'val'"), ('heldout', "split = 'heldout'")] -%}
  {%- for type in ft_templates() | map(attribute='type') | unique | sort -%}
    {%- do files.append(('train_' ~ type, "split = 'train' and type = " ~ sql_string(type))) -%}
  {%- endfor -%}
  select ensure_dir('{{ dir }}');
  create or replace temp table ft_jsonl_lines as
  select split, type, to_json({messages: messages, type: type, task: task})::varchar as line from {{ this }};
  {%- for name, where in files %}
  copy (select line from ft_jsonl_lines where {{ where }}) to '{{ dir }}/{{ name }}.jsonl'
      (format csv, header false, quote '', escape '', delim chr(31));
  {%- if not name.startswith('train_') %}
  copy (select messages, type, task from {{ this }} where {{ where }}) to '{{ dir }}/{{ name }}.parquet' (format parquet, compression zstd);
  {%- endif %}
  {%- endfor %}
  drop table ft_jsonl_lines
{%- endmacro %}
