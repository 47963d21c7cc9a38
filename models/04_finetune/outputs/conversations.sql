-- The fine-tuning records: one row per conversation, system -> user -> assistant, in the chat format of TRL's
-- SFT trainer (`messages`). From int_conversations_deduplicated: dropped rows left out, validation and held-out
-- records that repeat a training record left out (so a val loss is not measured on training data), each task
-- sampled by its weight (seed `weight`, overridden by var ft_task_weights; a record is kept when its hash bucket
-- is below weight x 10000, so a smaller weight keeps a subset of a larger one) and capped per split by
-- ft_task_caps (the records with the smallest hashes). Ordered by split then record_hash: a fixed shuffle.
{%- set caps = var('ft_task_caps') or {} %}
with candidates as (
    select d.*, {{ ft_task_setting('ft_task_weights', 'd.task', 't.weight') }} as weight
    from {{ ref('int_conversations_deduplicated') }} d
    join {{ ref('finetune_templates') }} t using (task)
    where d.drop_reason is null
),

train_hashes as (
    select record_hash from candidates where split = 'train'
),

kept as (
    select *
    from candidates
    where (split = 'train' or record_hash not in (select record_hash from train_hashes))
      and {{ ft_record_bucket('record_hash') }} < round(weight * 10000)
    {%- if caps %}
    qualify row_number() over (partition by split, task order by record_hash)
            <= {{ ft_task_setting('ft_task_caps', 'task', '9223372036854775807') }}
    {%- endif %}
)

-- sorted before the system prompt is added: the sort moves the short texts only (the projection keeps the order)
select
    lower(printf('%032x', record_hash)) as record_id,
    split,
    type,
    task,
    [
        {'role': 'system', 'content': {{ ft_system_prompt() }}},
        {'role': 'user', 'content': user_content},
        {'role': 'assistant', 'content': assistant_content}
    ] as messages,
    user_id,
    parent_asin,
    copies,
    record_hash
from (
    select split, type, task, user_content, assistant_content, user_id, parent_asin, copies, record_hash
    from kept
    order by split, record_hash
)
