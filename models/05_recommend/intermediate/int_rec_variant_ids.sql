-- Each ID variant's full Semantic IDs: its learned codes (int_rec_variant_codes) + a collision index by the rule of
-- semantic_ids (inside a group of identical codes: descending train popularity, then parent_asin, from 0), so a
-- variant differs from the build's IDs only by its stage-3 vars. A group larger than the codebook stops the build.
with ranked as (
    select
        c.variant,
        c.parent_asin,
        c.codes,
        c.codebook_size,
        (row_number() over (
            partition by c.variant, c.codes order by coalesce(p.popularity, 0) desc, c.parent_asin
        ) - 1)::integer as collision_index
    from {{ ref('int_rec_variant_codes') }} c
    left join {{ ref('int_item_popularity') }} p using (parent_asin)
)
select
    variant,
    parent_asin,
    case
        when collision_index < codebook_size then list_append(codes, collision_index)
        else error('int_rec_variant_ids: variant ' || variant || ': more than ' || codebook_size
                   || ' items share the codes ' || codes::varchar || '; the collision index cannot number them')
    end as sid,
    codebook_size
from ranked
order by variant, parent_asin
