-- sid_mode: assign promises that a catalogue refresh renumbers nothing: an item whose text did not change keeps
-- its exact ID (with sid_changed_items: keep, every item of the reference does), and no item gets an ID the
-- reference holds for another item (a removed item's ID stays reserved). Rows returned = broken promises.
-- Nothing is promised in sid_mode: fresh (sid_assignment_changes then shows what a fresh build renumbered).
{{ config(tags=['stage_03']) }}
select parent_asin, status, old_semantic_id, new_semantic_id, text_changed, id_changed, reuses_reserved_id
from {{ ref('sid_assignment_changes') }}
where {{ 'true' if var('sid_mode') == 'assign' else 'false' }}
    and (
        reuses_reserved_id
        or (id_changed and not coalesce(text_changed, false))
        or (id_changed and {{ 'true' if var('sid_changed_items') == 'keep' else 'false' }})
    )
