-- Per code level: how many of the codebook's codes items use, and the perplexity exp(H) of the code
-- distribution (H in nats; codebook_size when items spread evenly, 1 when every item has the same code).
-- Level 3 is the collision index (not learned; shown for completeness).
{%- set k = var('sid_codebook_size') | int %}
with codes as (
    {%- for level in range(4) %}
    select {{ level }} as level, sid_{{ level }} as code from {{ ref('semantic_ids') }}
    {%- if not loop.last %} union all{% endif %}
    {%- endfor %}
),

counts as (
    select level, code, count(*) as n_items from codes group by level, code
),

shares as (
    select level, code, n_items, n_items / sum(n_items) over (partition by level) as p from counts
)

select
    level,
    count(*)::integer as codes_used,
    {{ k }} as codebook_size,
    count(*) / {{ k }} as usage_share,
    exp(-sum(p * ln(p))) as perplexity,
    (0 - sum(p * ln(p))) / ln(2) as entropy_bits,
    sum(n_items)::bigint as n_items
from shares
group by level
order by level
