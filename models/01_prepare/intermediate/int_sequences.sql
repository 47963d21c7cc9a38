-- Notebook 01 steps 4-5 over the notebook-01 items (see macros/sequences.sql).
-- The items kept are read from int_items_text's filter flags (the same rows `items` selects), not from the
-- items table: so this model runs beside `items` (the widest write of the stage) instead of after it.
{{ build_sequences(
    ref('int_user_histories'),
    '(select parent_asin from ' ~ ref('int_items_text') ~ ' where passes_title_filter and passes_description_filter)'
) }}
