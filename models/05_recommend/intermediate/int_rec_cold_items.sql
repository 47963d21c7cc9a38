-- Items held out of every model's training (var rec_cold_item_share): the catalogue items whose hash bucket of
-- parent_asin (macros/hash_bucket.sql, the project's one bucket rule, salt 'rec_cold_items') falls under the share.
-- They stay in the catalogue and in the val users' cases, so val targets include items no model saw in training
-- (the cold_start breakdown of rec_metrics_breakdown). 0.0 (the default) holds out nothing.
select parent_asin
from {{ ref('semantic_ids') }}
where {{ hash_bucket('parent_asin', 'rec_cold_items') }} < {{ var('rec_cold_item_share') }} * 10000
order by parent_asin
