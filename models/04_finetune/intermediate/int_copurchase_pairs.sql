-- Co-purchase (type E): each pair of int_sequence_pairs twice, anchored on the earlier item (forward: "who
-- bought i might also buy j") and on the later one (backward: "before buying j, users buy i"). The anchor's
-- title is shown, so parent_asin is the anchor (held-out items' text is kept out of training by the router).
select
    p.split,
    p.user_id,
    d.direction,
    p.distance,
    case d.direction when 'forward' then p.item_i else p.item_j end as parent_asin,
    case d.direction when 'forward' then p.sid_i else p.sid_j end as sid,
    f.title,
    case d.direction when 'forward' then p.sid_j else p.sid_i end as other_sid
from {{ ref('int_sequence_pairs') }} p
cross join (values ('forward'), ('backward')) as d(direction)
join {{ ref('int_item_facts') }} f
  on f.parent_asin = case d.direction when 'forward' then p.item_i else p.item_j end
order by p.split, p.user_id, p.position_i, p.position_j, d.direction
