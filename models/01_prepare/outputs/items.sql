-- Notebook 01 items: title longer than min_title_length and description longer than
-- min_description_length characters, nulls filled, with the notebook-01 item_context.
select
    parent_asin,
    coalesce(title, '') as title,
    description_text,
    features_text,
    coalesce(main_category, '') as main_category,
    categories_text,
    coalesce(store, '') as store,
    average_rating,
    coalesce(rating_number, 0) as rating_number,
    coalesce(price, '') as price,
    price_value,
    details,
    'Product: ' || coalesce(title, '')
        || E'\n\nDescription: ' || description_text
        || E'\n\nFeatures: ' || features_text
        || E'\n\nCategory: ' || coalesce(main_category, '') || ', Category tree: ' || categories_text
        || E'\n\nStore: ' || coalesce(store, '')
        || E'\n\nAverage rating: ' || coalesce(average_rating::varchar, '') || ', Rating count: ' || coalesce(rating_number, 0)
        || E'\n\nPrice: ' || coalesce(price, '') as item_context
from {{ ref('int_items_text') }}
where passes_title_filter and passes_description_filter
order by parent_asin
