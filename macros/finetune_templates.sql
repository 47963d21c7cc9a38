{#
  Stage 4 (notebook 08): the template compiler. The tasks are rows of the seed `finetune_templates`: each names a
  `source` (an intermediate model with one row per thing to talk about), a user and an assistant template whose
  {placeholders} are columns of that source, an optional SQL `condition` over those columns and a sampling
  `weight`. ft_expand_templates() turns every row into one SELECT over its source; nothing loops over data rows in
  Python or Jinja. (Literals: sql_string, macros/run_vars.sql; sql_tuple, macros/sql_literals.sql.)
#}

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
        {%- if line != '' %}{% do sql.append(sql_string(line)) %}{% endif -%}
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
        {{ sql_string(t.type) }} as type,
        {{ sql_string(t.task) }} as task,
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
        when {{ sql_string(task) }} then {{ value }}
    {%- endfor %}
        else {{ default_sql }}
    end
  {%- else -%}
    {{ default_sql }}
  {%- endif -%}
{%- endmacro %}

{#
  A record's sampling bucket, record_hash % 10000, without dividing a UHUGEINT: DuckDB divides 128-bit integers bit by bit,
  and that one modulo over 4 M records cost ~25 s. With record_hash = hi * 2^64 + lo, the same remainder is
  ((hi % 10000) * (2^64 % 10000) + lo % 10000) % 10000 in 64-bit arithmetic (hi and lo are shifts and masks).
#}
{% macro ft_record_bucket(hash_expr) -%}
  {%- set buckets = 10000 -%}
  ((((({{ hash_expr }}) >> 64)::ubigint % {{ buckets }}) * {{ (2 ** 64) % buckets }}
    + (({{ hash_expr }}) & {{ 2 ** 64 - 1 }}::uhugeint)::ubigint % {{ buckets }}) % {{ buckets }})
{%- endmacro %}

{# The system prompt as a SQL literal #}
{% macro ft_system_prompt() -%}
  {{ sql_string(var('ft_system_prompt')) }}
{%- endmacro %}
