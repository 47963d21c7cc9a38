{#
  Stage 4 (notebook 08): fine-tuning conversations from Semantic IDs, expanded in SQL.

  The tasks are rows of the seed `finetune_templates`: each names a `source` (an intermediate model with one row
  per thing to talk about), a user and an assistant template whose {placeholders} are columns of that source,
  an optional SQL `condition` over those columns and a sampling `weight`. ft_expand_templates() turns every row
  into one SELECT over its source; nothing loops over data rows in Python or Jinja.
#}

{# A Python string as a SQL string literal #}
{% macro ft_sql_literal(text) -%}
  '{{ text | replace("'", "''") }}'
{%- endmacro %}

{#
  A template as a SQL expression: literal text quoted, {column} placeholders as column references, the two
  characters \n as a newline. NULL in a used column makes the whole expression NULL (the record is then dropped
  and counted as empty_content, never written with a hole). `columns` are the source's columns; an unknown
  placeholder stops the build with the task's name.
#}
{% macro ft_render_template(template, columns, task) -%}
  {%- set parts = modules.re.split('([{][A-Za-z_][A-Za-z0-9_]*[}])', template or '') -%}
  {%- set sql = [] -%}
  {%- for part in parts if part != '' -%}
    {%- if part.startswith('{') and part.endswith('}') -%}
      {%- set name = part[1:-1] -%}
      {%- if name not in columns -%}
        {{ exceptions.raise_compiler_error("finetune_templates, task " ~ task ~ ": placeholder {" ~ name
            ~ "} is not a column of its source (columns: " ~ (columns | join(', ')) ~ ")") }}
      {%- endif -%}
      {%- do sql.append('"' ~ name ~ '"::varchar') -%}
    {%- else -%}
      {%- set lines = part.split('\\n') -%}
      {%- for line in lines -%}
        {%- if not loop.first %}{% do sql.append('chr(10)') %}{% endif -%}
        {%- if line != '' %}{% do sql.append(ft_sql_literal(line)) %}{% endif -%}
      {%- endfor -%}
    {%- endif -%}
  {%- endfor -%}
  {{ sql | join(' || ') if sql else "''" }}
{%- endmacro %}

{# The seed's rows (execution time only; at parse time an empty list) #}
{% macro ft_templates() -%}
  {#- ref() before the execute check, so that dbt records the dependency at parse time -#}
  {%- set seed = ref('finetune_templates') -%}
  {%- if not execute -%}{{ return([]) }}{%- endif -%}
  {%- set result = run_query("select type, task, source, user_template, assistant_template, condition, weight from "
                             ~ seed ~ " order by type, task") -%}
  {%- set rows = [] -%}
  {%- for r in result.rows -%}
    {%- do rows.append({'type': r[0], 'task': r[1], 'source': r[2], 'user_template': r[3],
                        'assistant_template': r[4], 'condition': r[5], 'weight': r[6]}) -%}
  {%- endfor -%}
  {{ return(rows) }}
{%- endmacro %}

{#
  Every template over its source, as one UNION ALL. Each branch gives the provenance columns a source may have
  (split: train|val, default train; user_id: the user whose sequence it came from; parent_asin: the item whose
  text it shows) and the rendered user and assistant contents.
#}
{% macro ft_expand_templates() -%}
  {%- set templates = ft_templates() -%}
  {%- if execute and templates | length == 0 -%}
    {{ exceptions.raise_compiler_error("finetune_templates is empty: add at least one task") }}
  {%- endif -%}
  {%- for t in templates %}
    {%- set source = ref(t.source) -%}
    {%- set columns = adapter.get_columns_in_relation(source) | map(attribute='name') | map('lower') | list -%}
    {%- if columns | length == 0 -%}
      {{ exceptions.raise_compiler_error("finetune_templates, task " ~ t.task ~ ": source " ~ t.source ~ " has no columns (not built?)") }}
    {%- endif %}
    {% if not loop.first %}union all{% endif %}
    select
        {{ ft_sql_literal(t.type) }} as type,
        {{ ft_sql_literal(t.task) }} as task,
        {{ 'split' if 'split' in columns else "'train'" }} as source_split,
        {{ 'user_id' if 'user_id' in columns else 'null::varchar' }} as user_id,
        {{ 'parent_asin' if 'parent_asin' in columns else 'null::varchar' }} as parent_asin,
        {{ ft_render_template(t.user_template, columns, t.task) }} as user_content,
        {{ ft_render_template(t.assistant_template, columns, t.task) }} as assistant_content
    from {{ source }}
    {%- if t.condition %}
    where ({{ t.condition }})
    {%- endif %}
  {%- endfor %}
{%- endmacro %}

{# A per-task setting from a var mapping task -> value, else `default_sql`; a task the seed lacks stops the build #}
{% macro ft_task_setting(var_name, task_column, default_sql) -%}
  {%- set mapping = var(var_name) or {} -%}
  {%- if execute -%}
    {%- set known = ft_templates() | map(attribute='task') | list -%}
    {%- for task in mapping if task not in known -%}
      {{ exceptions.raise_compiler_error("var " ~ var_name ~ " names task " ~ task ~ ", which finetune_templates does not have") }}
    {%- endfor -%}
  {%- endif -%}
  {%- if mapping -%}
    case {{ task_column }}
    {%- for task, value in mapping.items() %}
        when {{ ft_sql_literal(task) }} then {{ value }}
    {%- endfor %}
        else {{ default_sql }}
    end
  {%- else -%}
    {{ default_sql }}
  {%- endif -%}
{%- endmacro %}

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

{# A deterministic bucket in 0..9999 from md5 (stable across DuckDB versions, unlike hash()) #}
{% macro ft_hash_bucket(expr, salt) -%}
  (md5_number({{ expr }} || {{ ft_sql_literal(salt) }}) % 10000)::integer
{%- endmacro %}

{# Words of a cleaned text: its spaces and newlines + 1 (the texts are single-spaced and trimmed) #}
{% macro ft_word_count(text_expr) -%}
  (length({{ text_expr }}) - length(replace(replace({{ text_expr }}, ' ', ''), chr(10), '')) + 1)
{%- endmacro %}

{# A list of Semantic IDs as prompt text #}
{% macro ft_sid_list(list_expr) -%}
  array_to_string({{ list_expr }}, {{ ft_sql_literal(var('ft_sid_separator')) }})
{%- endmacro %}

{# The system prompt as a SQL literal #}
{% macro ft_system_prompt() -%}
  {{ ft_sql_literal(var('ft_system_prompt')) }}
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

{#
  The most frequent value of `value_column` per `key_column` in `relation` (ties: the smaller value), with its
  share of the key's rows; NULL and '' do not count. Used for "what a prefix usually is".
#}
{% macro ft_dominant_value(relation, key_column, value_column) -%}
  select key, value, share
  from (
      select
          {{ key_column }} as key,
          {{ value_column }} as value,
          count(*) / sum(count(*)) over (partition by {{ key_column }}) as share,
          row_number() over (partition by {{ key_column }} order by count(*) desc, {{ value_column }}) as rank
      from {{ relation }}
      where coalesce({{ value_column }}, '') <> ''
      group by {{ key_column }}, {{ value_column }}
  )
  where rank = 1
{%- endmacro %}

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
  select hash(sids[i:i + {{ n - 1 }}]) as window_hash, array_to_string(sids[i:i + {{ n - 1 }}], '') as id_window
  from (
      select {{ ft_sids_in_text(text_expr) }} as sids
      from {{ relation }}
      -- only texts with at least n IDs can hold a window (a cheap test before extracting the IDs)
      where ({{ where }}) and len(string_split({{ text_expr }}, '<|sid_end|>')) > {{ n }}
  ), unnest(range(1, len(sids) - {{ n - 2 }})) as r(i)
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

{#
  Post-hook of `conversations`: JSONL written by DuckDB (COPY ... FORMAT json) plus the same records as parquet,
  under <out_dir>/<category>/finetune/: train, val and heldout, and train_<type> per type of the seed. Records are
  {"messages": [...], "type": ..., "task": ...}; rows are in the table's order (split, then record_hash), so the
  same inputs give byte-identical files.
#}
{% macro ft_export_files() -%}
  {%- set dir = out_path('finetune') -%}
  {%- set files = [('train', "split = 'train'"), ('val', "split = 'val'"), ('heldout', "split = 'heldout'")] -%}
  {%- for type in ft_templates() | map(attribute='type') | unique | sort -%}
    {%- do files.append(('train_' ~ type, "split = 'train' and type = " ~ ft_sql_literal(type))) -%}
  {%- endfor -%}
  select ensure_dir('{{ dir }}');
  {%- for name, where in files %}
  copy (select messages, type, task from {{ this }} where {{ where }}) to '{{ dir }}/{{ name }}.jsonl' (format json);
  {%- if not name.startswith('train_') %}
  copy (select messages, type, task from {{ this }} where {{ where }}) to '{{ dir }}/{{ name }}.parquet' (format parquet, compression zstd);
  {%- endif %}
  {%- endfor %}
{%- endmacro %}

{#
  The users' sequences with their split. Sequence-derived tasks (C, E, F) read only these two tables, so a
  training record can only come from a training user and a validation record only from a validation user.
#}
{% macro ft_split_sequences() -%}
  select 'train' as split, user_id, sequence, semantic_id_sequence, semantic_id_sequence_length
  from {{ ref('sequences_train') }}
  union all
  select 'val' as split, user_id, sequence, semantic_id_sequence, semantic_id_sequence_length
  from {{ ref('sequences_val') }}
{%- endmacro %}

{# A list of strings as a SQL tuple: ('A', 'B') #}
{% macro ft_sql_tuple(values) -%}
  ({% for v in values %}{{ ft_sql_literal(v) }}{% if not loop.last %}, {% endif %}{% endfor %})
{%- endmacro %}
