-- One row per item with a Semantic ID: the fields that item-level templates (types A, B and D's
-- similar_products) read, taken from the *cleaned* items_enriched (the original read the uncleaned items).
-- Every item is here: item-level tasks cover the whole catalogue, not only items that were bought.
{%- set excerpt_chars = var('ft_description_excerpt_chars') | int %}
with items as (
    select
        s.parent_asin,
        s.semantic_id as sid,
        s.sid_0,
        s.sid_1,
        s.sid_2,
        s.popularity,
        trim(i.title) as title,
        -- whitespace-separated words, for the title fragments
        string_split_regex(trim(i.title), '\s+') as title_word_list,
        trim(i.description_text) as description,
        trim(i.categories_text) as categories,
        trim(coalesce(i.main_category, '')) as main_category,
        trim(coalesce(i.features_text, '')) as features,
        coalesce(i.product_type, '') as product_type,
        array_to_string(i.platform, ', ') as platform,
        array_to_string(i.genre, ', ') as genre,
        coalesce(i.brand, '') as brand,
        coalesce(i.franchise, '') as franchise,
        coalesce(i.hardware_type, '') as hardware_type,
        coalesce(i.multiplayer, '') as multiplayer,
        i.item_context as context
    from {{ ref('semantic_ids') }} s
    join {{ ref('items_enriched') }} i using (parent_asin)
),

-- items sharing the first two codes ("similar products"): closest first (same third code), then the more
-- popular, then parent_asin, so the list is deterministic
neighbours as (
    select
        a.parent_asin,
        list(b.sid order by (b.sid_2 = a.sid_2) desc, b.popularity desc, b.parent_asin)[1:{{ var('ft_similar_max') | int }}]
            as similar_sid_list
    from items a
    join items b on a.sid_0 = b.sid_0 and a.sid_1 = b.sid_1 and a.parent_asin <> b.parent_asin
    group by a.parent_asin
)

select
    i.parent_asin,
    i.sid,
    i.title,
    len(i.title_word_list)::integer as title_words,
    -- the fixed "title prefix": the first half of the words, at least 3 (the original used the whole title)
    array_to_string(i.title_word_list[1:greatest(3, len(i.title_word_list) // 2)], ' ') as title_prefix,
    -- four words from the middle of the title
    array_to_string(i.title_word_list[(len(i.title_word_list) - 4) // 2 + 1:(len(i.title_word_list) - 4) // 2 + 4], ' ')
        as title_middle,
    i.description,
    left(i.description, {{ excerpt_chars }}) as description_excerpt,
    i.categories,
    i.main_category,
    i.features,
    i.product_type,
    i.platform,
    i.genre,
    i.brand,
    i.franchise,
    i.hardware_type,
    i.multiplayer,
    i.context,
    {{ ft_sid_list('coalesce(s.similar_sid_list, []::varchar[])') }} as similar_sids,
    len(coalesce(s.similar_sid_list, []::varchar[]))::integer as n_similar
from items i
left join neighbours s using (parent_asin)
order by i.parent_asin
