-- Category transitions (type E): from the category path of an item to that of the next item in the same
-- sequence, counted per split (the seed's condition keeps the frequent ones). The category path is more
-- telling than main_category, which is one value for most items of a category.
select
    p.split,
    fi.categories as from_category,
    fj.categories as to_category,
    count(*)::integer as n_transitions,
    count(distinct p.user_id)::integer as n_users
from {{ ref('int_sequence_pairs') }} p
join {{ ref('int_item_facts') }} fi on fi.parent_asin = p.item_i
join {{ ref('int_item_facts') }} fj on fj.parent_asin = p.item_j
where p.distance = 1 and fi.categories <> '' and fj.categories <> ''
group by all
order by split, from_category, to_category
