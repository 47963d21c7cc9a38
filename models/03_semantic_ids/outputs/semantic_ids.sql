-- Notebooks 06-07: each item's Semantic ID. sid_0..sid_2 come from the quantizer; sid_3 is the collision index:
-- inside a group of items with identical (sid_0, sid_1, sid_2), items ranked by descending popularity
-- (int_item_popularity: occurrences in the *train* users' sequences, so no ID depends on evaluation data), then
-- parent_asin, numbered from 0 (the original numbered by file row order). Token index = level * codebook_size + code.
-- A group larger than codebook_size cannot be numbered within one level and stops the build.
-- With sid_mode: assign every item's full ID comes from int_sid_assignment instead (kept from the model's ID ledger,
-- or placed around it); with sid_mode: fresh that table is empty and nothing below changes.
{%- set k = var('sid_codebook_size') | int %}
with codes as (
    select
        c.parent_asin,
        coalesce(a.sid_0, c.sid_0) as sid_0,
        coalesce(a.sid_1, c.sid_1) as sid_1,
        coalesce(a.sid_2, c.sid_2) as sid_2,
        a.sid_3 as assigned_sid_3,
        c.quantizer,
        c.model_id
    from {{ ref('int_item_codes') }} c
    left join {{ ref('int_sid_assignment') }} a using (parent_asin)
),

ranked as (
    select
        c.parent_asin,
        c.sid_0,
        c.sid_1,
        c.sid_2,
        c.assigned_sid_3,
        (row_number() over (
            partition by c.sid_0, c.sid_1, c.sid_2
            order by coalesce(p.popularity, 0) desc, c.parent_asin
        ) - 1)::integer as collision_index,
        count(*) over (partition by c.sid_0, c.sid_1, c.sid_2)::integer as collision_group_size,
        coalesce(p.popularity, 0)::integer as popularity,
        c.quantizer,
        c.model_id
    from codes c
    left join {{ ref('int_item_popularity') }} p using (parent_asin)
),

checked as (
    select
        * exclude (collision_index, assigned_sid_3),
        case
            when assigned_sid_3 is not null then assigned_sid_3
            when collision_index < {{ k }} then collision_index
            else error('semantic_ids: ' || collision_group_size || ' items share the codes (' || sid_0 || ', ' || sid_1
                       || ', ' || sid_2 || '); the collision index holds at most {{ k }}. Train a better quantizer '
                       || '(more steps, or var quantizer) before building IDs.')
        end as sid_3
    from ranked
)

select
    parent_asin,
    sid_0,
    sid_1,
    sid_2,
    sid_3,
    '<|sid_start|><|sid_' || sid_0 || '|><|sid_' || ({{ k }} + sid_1) || '|><|sid_' || ({{ 2 * k }} + sid_2)
        || '|><|sid_' || ({{ 3 * k }} + sid_3) || '|><|sid_end|>' as semantic_id,
    collision_group_size,
    popularity,
    quantizer,
    model_id
from checked
order by parent_asin
