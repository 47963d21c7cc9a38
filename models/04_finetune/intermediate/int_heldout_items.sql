-- Items held out from the ID-recall tasks (types in var ft_heldout_types, A and B): a deterministic
-- bucket of parent_asin (macros/hash_bucket.sql, the users' split rule) below ft_heldout_item_share x 10000. Their A/B records form the `heldout` split
-- (the ID-recall measurement set) and no training record shows their text next to their ID.
{%- set buckets = (var('ft_heldout_item_share') | float * 10000) | round | int %}
select parent_asin, sid, title
from {{ ref('int_item_facts') }}
where {{ hash_bucket('parent_asin', var('ft_heldout_salt')) }} < {{ buckets }}
order by parent_asin
