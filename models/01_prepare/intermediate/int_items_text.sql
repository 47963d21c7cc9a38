-- Notebook 01, step 2: one row per parent_asin with the list fields joined into text (by stg_meta, and only
-- for the lines that pass the filters) and the filter flags (kept, not applied, so the step counts can report
-- each filter).
select
    parent_asin,
    title,
    description_text,
    features_text,
    categories_text,
    main_category,
    store,
    average_rating,
    rating_number,
    price,
    price_value,
    details,
    line_number,
    passes_title_filter,
    passes_description_filter
from {{ ref('int_items_deduplicated') }}
where not is_duplicate
