-- Semantic-ID prefixes (type D): one row per 1- and 2-level prefix (in today's token syntax, from the
-- sid_prefix macro; the original's D prompts used an old one) with what its items usually are: the dominant
-- category path and product type (and their shares), and the most popular items under it.
with item_prefixes as (
    {%- for level in [1, 2] %}
    {% if not loop.first %}union all{% endif %}
    select f.parent_asin, f.sid, f.categories, f.product_type, s.popularity, {{ level }} as prefix_level,
           {{ sid_prefix('f.sid', level) }} as prefix
    from {{ ref('int_item_facts') }} f
    join {{ ref('semantic_ids') }} s using (parent_asin)
    {%- endfor %}
),

groups as (
    select
        prefix,
        any_value(prefix_level)::integer as prefix_level,
        count(*)::integer as n_items,
        list(sid order by popularity desc, parent_asin)[1:{{ var('ft_prefix_examples') | int }}] as examples
    from item_prefixes
    group by prefix
),

categories as ({{ ft_dominant_value('item_prefixes', 'prefix', 'categories') }}),
product_types as ({{ ft_dominant_value('item_prefixes', 'prefix', 'product_type') }})

select
    g.prefix,
    g.prefix_level,
    g.n_items,
    coalesce(c.value, '') as dominant_category,
    c.share as dominant_category_share,
    coalesce(t.value, '') as dominant_product_type,
    t.share as dominant_product_type_share,
    {{ ft_sid_list('g.examples') }} as example_sids,
    len(g.examples)::integer as n_examples
from groups g
left join categories c on c.key = g.prefix
left join product_types t on t.key = g.prefix
order by g.prefix_level, g.prefix
