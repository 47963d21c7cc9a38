{#
  Raw files are read line by line as text, so that nothing about one bad line can fail the whole read:
  JSON and CSV parsing happen in SQL afterwards, where every failure gets a reason. Lines DuckDB cannot
  even read (invalid UTF-8, over-long) land in a temporary rejects table; the model's post-hook
  `keep_unreadable_lines` adds them to it as rejects with their reason and fixes up line numbers.
  chr(31) (unit separator) never occurs unescaped in valid JSON or in our CSVs, so each line is one field.
  Line numbers come from the reader itself (WITH ORDINALITY numbers the rows in file order, also when the file
  is read by several threads), not from a window over rows whose order nothing guarantees.
  `file` is a raw file's source (source('raw', 'meta')), which dbt-duckdb renders as the quoted path.
#}
{% macro read_lines(file, rejects_name) -%}
  select ordinality as line_number, line
  from read_csv({{ file }},
                columns = {'line': 'VARCHAR'}, header = false, auto_detect = false,
                delim = chr(31), quote = '', escape = '', strict_mode = false,
                max_line_size = {{ var('max_line_bytes') }},
                store_rejects = true, rejects_table = '{{ rejects_name }}', rejects_scan = '{{ rejects_name }}_scan')
       with ordinality
{%- endmacro %}

{# The first line of a file as text (a CSV header): the read stops after it #}
{% macro read_first_line(file) -%}
  select line
  from read_csv({{ file }},
                columns = {'line': 'VARCHAR'}, header = false, auto_detect = false,
                delim = chr(31), quote = '', escape = '', strict_mode = false, ignore_errors = true,
                max_line_size = {{ var('max_line_bytes') }})
  limit 1
{%- endmacro %}

{% macro keep_unreadable_lines(rejects_name) -%}
  {# good lines were numbered among good lines only: shift each past the unreadable lines before it #}
  update {{ this }} as t
  set line_number = t.line_number + (
      select count(*) from (select line, row_number() over (order by line) as k from {{ rejects_name }}) r
      where r.line - r.k < t.line_number
  )
  where (select count(*) from {{ rejects_name }}) > 0;
  insert into {{ this }} (line_number, reject_reason, raw_line)
  select line, lower(error_type) || ': ' || error_message, left(csv_line, 2000) from {{ rejects_name }};
  drop table if exists {{ rejects_name }};
  drop table if exists {{ rejects_name }}_scan
{%- endmacro %}
