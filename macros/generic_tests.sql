{# Rows for which `expression` is false fail the test (a dependency-free version of dbt_utils.expression_is_true). #}
{% test expression_is_true(model, expression, column_name=none) %}
select * from {{ model }} where not ({{ expression }})
{% endtest %}

{# Every element of the list column must exist in `to`.`field`: list coverage, which `relationships` cannot express. #}
{% test list_items_exist_in(model, column_name, to, field) %}
with items as (select unnest({{ column_name }}) as item from {{ model }})
select item from items
where item is null or item not in (select {{ field }} from {{ to }})
{% endtest %}
