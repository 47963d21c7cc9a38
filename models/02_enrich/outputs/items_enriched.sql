-- Notebook 05: items with the cleaned title and description, the extracted metadata, and the final
-- item_context (the text that gets embedded). Leftover tags are removed with the strip_tags UDF; the
-- original title and description are kept beside the cleaned ones.
with merged as (
    select
        i.parent_asin,
        -- if cleaning left nothing (a title or description made only of decoration or sales talk), the
        -- tag-stripped original within the same limits stands in
        coalesce(nullif(strip_tags(t.clean_title), ''),
                 left(strip_tags(i.title), {{ var('enrich_title_max_chars') }})) as title,
        coalesce(nullif(strip_tags(d.clean_description), ''),
                 array_to_string(string_split_regex(strip_tags(i.description_text), '\s+')[1:{{ var('enrich_description_max_words') }}], ' ')
        ) as description_text,
        i.title as original_title,
        i.description_text as original_description_text,
        i.features_text,
        i.main_category,
        -- the seed replaces an empty category path with the main category
        coalesce(nullif(i.categories_text, ''), i.main_category) as categories_text,
        i.store,
        i.average_rating,
        i.rating_number,
        i.price,
        i.price_value,
        i.details,
        m.product_type,
        coalesce(m.platform, []::varchar[]) as platform,
        coalesce(m.genre, []::varchar[]) as genre,
        m.hardware_type,
        m.brand,
        m.multiplayer,
        m.franchise,
        t.status as title_status,
        t.provider as title_provider,
        t.model as title_model,
        d.status as description_status,
        d.provider as description_provider,
        d.model as description_model,
        m.status as metadata_status,
        m.provider as metadata_provider,
        m.model as metadata_model
    from {{ ref('items') }} i
    join {{ ref('int_clean_titles') }} t using (parent_asin)
    join {{ ref('int_clean_descriptions') }} d using (parent_asin)
    left join {{ ref('int_item_metadata') }} m using (parent_asin)
)

select
    *,
    'Product: ' || title
        || E'\nDescription: ' || description_text
        || E'\nCategory: ' || categories_text
        || E'\nProduct Type: ' || coalesce(product_type, 'Unknown')
        || E'\nPlatform: ' || coalesce(nullif(array_to_string(platform, ', '), ''), 'N/A')
        || E'\nGenre: ' || coalesce(nullif(array_to_string(genre, ', '), ''), 'N/A')
        || E'\nBrand: ' || coalesce(brand, 'Unknown')
        || E'\nMultiplayer: ' || coalesce(multiplayer, 'Unknown')
        || E'\nFranchise: ' || coalesce(franchise, 'N/A') as item_context
from merged
order by parent_asin
