-- Notebook 01, step 2: list fields joined into text, and the filter flags (kept, not applied, so the
-- step counts can report each filter).
select
    parent_asin,
    title,
    array_to_string(description, ' ') as description_text,
    array_to_string(features, ' ') as features_text,
    array_to_string(categories, ' > ') as categories_text,
    main_category,
    store,
    average_rating,
    rating_number,
    price,
    price_value,
    details,
    line_number,
    length(coalesce(title, '')) > {{ var('min_title_length') }} as passes_title_filter,
    length(array_to_string(description, ' ')) > {{ var('min_description_length') }} as passes_description_filter
from {{ ref('int_items_deduplicated') }}
where not is_duplicate
