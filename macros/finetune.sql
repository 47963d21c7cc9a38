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

{# A deterministic bucket in 0..9999 from md5 (stable across DuckDB versions, unlike hash()) #}
{% macro ft_hash_bucket(expr, salt) -%}
  (md5_number({{ expr }} || {{ ft_sql_literal(salt) }}) % 10000)::integer
{%- endmacro %}

{# A list of Semantic IDs as prompt text #}
{% macro ft_sid_list(list_expr) -%}
  array_to_string({{ list_expr }}, {{ ft_sql_literal(var('ft_sid_separator')) }})
{%- endmacro %}

{# The system prompt as a SQL literal #}
{% macro ft_system_prompt() -%}
  {{ ft_sql_literal(var('ft_system_prompt')) }}
{%- endmacro %}

{# Regex of one complete Semantic ID; and of a run of ID tokens from <|sid_start|> (a complete ID or a prefix) #}
{% macro ft_sid_regex() -%}'<\|sid_start\|>(?:<\|sid_\d+\|>)+<\|sid_end\|>'{%- endmacro %}
{% macro ft_sid_run_regex() -%}'<\|sid_start\|>(?:<\|sid_\d+\|>)*(?:<\|sid_end\|>)?'{%- endmacro %}

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
  Consecutive n-grams of complete Semantic IDs in the text `text_expr` of each row of `relation`, as one string
  per n-gram (IDs in order of appearance). Rows with fewer than n IDs give none.
#}
{% macro ft_sid_ngrams_of_text(relation, text_expr, n, where='true') -%}
  select array_to_string(sids[i:i + {{ n - 1 }}], '') as ngram
  from (
      select regexp_extract_all({{ text_expr }}, {{ ft_sid_regex() }}) as sids
      from {{ relation }}
      where {{ where }}
  ), unnest(range(1, len(sids) - {{ n - 2 }})) as r(i)
{%- endmacro %}

{# Consecutive n-grams of `semantic_id_sequence` in a sequences relation #}
{% macro ft_sid_ngrams_of_sequences(relation, n) -%}
  select array_to_string(semantic_id_sequence[i:i + {{ n - 1 }}], '') as ngram
  from {{ relation }}, unnest(range(1, semantic_id_sequence_length - {{ n - 2 }})) as r(i)
{%- endmacro %}

{#
  Leak query: ID windows (n consecutive IDs) that occur in a validation user's sequence and in no training user's
  sequence, yet appear in a training conversation built from sequences (types C, E, F). A window that training
  users also bought is not evidence of a leak, so it is excluded. Must return no row.
#}
{% macro ft_val_windows_in_train(conversations, n=3) -%}
  with val_only as (
      {{ ft_sid_ngrams_of_sequences(ref('sequences_val'), n) }}
      except
      {{ ft_sid_ngrams_of_sequences(ref('sequences_train'), n) }}
  ),
  train_windows as (
      {{ ft_sid_ngrams_of_text(conversations, "messages[2].content || ' ' || messages[3].content", n,
                               "split = 'train' and type in ('C', 'E', 'F')") }}
  )
  select distinct ngram as leaked_window from train_windows where ngram in (select ngram from val_only)
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
