{#
  A deterministic bucket in 0..9999 of a key and a salt: the first 32 bits of md5(key || salt) mod 10000 (md5 is
  stable across DuckDB versions, unlike hash()). One rule for every draw: the users' train/val split
  (int_user_split, var sid_split_salt) and the items held out of stage 4's ID-recall tasks (int_heldout_items,
  var ft_heldout_salt). In Python: int(hashlib.md5((key + salt).encode()).hexdigest()[:8], 16) % 10000.
#}
{% macro hash_bucket(key_expr, salt) -%}
  (('0x' || left(md5({{ key_expr }} || {{ sql_string(salt) }}), 8))::ubigint % 10000)::integer
{%- endmacro %}
