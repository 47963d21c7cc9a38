-- One row per leak check over `conversations`; every `violations` must be 0 (a dbt test enforces it), and
-- `examples` shows up to 5 offenders when one is not. `checked` says how much each check looked at.
{%- set c = ref('conversations') %}
with val_users as (select user_id from {{ ref('sequences_val') }}),
train_users as (select user_id from {{ ref('sequences_train') }}),
heldout as (select * from {{ ref('int_heldout_items') }}),
leaked_windows as ({{ ft_val_windows_in_train(c) }}),

checks as (
    select
        1 as check_order,
        'val_users_in_train' as check_name,
        'training records built from a validation user''s sequence' as description,
        count(*) filter (where split = 'train') as checked,
        count(*) filter (where split = 'train' and user_id in (select user_id from val_users)) as violations,
        list(distinct user_id) filter (where split = 'train' and user_id in (select user_id from val_users)) as examples
    from {{ c }}
    where user_id is not null
    union all
    select
        2, 'train_users_in_val',
        'validation records built from a training user''s sequence',
        count(*) filter (where split = 'val'),
        count(*) filter (where split = 'val' and user_id in (select user_id from train_users)),
        list(distinct user_id) filter (where split = 'val' and user_id in (select user_id from train_users))
    from {{ c }}
    where user_id is not null
    union all
    select
        3, 'val_windows_in_train',
        'windows of 3 consecutive IDs bought only by validation users that appear in a training record of type C, E or F',
        (select count(*) from {{ c }} where split = 'train' and type in ('C', 'E', 'F')),
        count(*),
        list(leaked_window)
    from leaked_windows
    union all
    select
        4, 'heldout_items_in_train_recall_tasks',
        'training records of an ID-recall type (' || {{ sql_string(var('ft_heldout_types') | join(', ')) }} || ') about a held-out item',
        count(*) filter (where c.type in {{ sql_tuple(var('ft_heldout_types')) }}),
        count(*) filter (where c.type in {{ sql_tuple(var('ft_heldout_types')) }} and h.parent_asin is not null),
        list(distinct c.parent_asin) filter (where c.type in {{ sql_tuple(var('ft_heldout_types')) }} and h.parent_asin is not null)
    from {{ c }} c
    left join heldout h using (parent_asin)
    where c.split = 'train'
    union all
    select
        5, 'heldout_item_text_in_train',
        'training records about a held-out item that show its title',
        count(*),
        count(*) filter (where contains(c.messages[2].content || chr(10) || c.messages[3].content, h.title)),
        list(distinct c.parent_asin) filter (where contains(c.messages[2].content || chr(10) || c.messages[3].content, h.title))
    from {{ c }} c
    join heldout h using (parent_asin)
    where c.split = 'train'
    union all
    select
        6, 'eval_records_repeating_train',
        'validation or held-out records identical to a training record (same task and texts)',
        count(*) filter (where split <> 'train'),
        count(*) filter (where split <> 'train' and record_hash in (select record_hash from {{ c }} where split = 'train')),
        list(record_id) filter (where split <> 'train' and record_hash in (select record_hash from {{ c }} where split = 'train'))
    from {{ c }}
)

select
    check_order,
    check_name,
    description,
    checked::bigint as checked,
    violations::bigint as violations,
    coalesce(examples, []::varchar[])[1:5]::varchar[] as examples
from checks
order by check_order
