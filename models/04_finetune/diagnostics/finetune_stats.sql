-- What notebook 08 printed, per split x type x task, with totals per split x type, per split and overall
-- (split/type/task = '(all)'): the funnel from rendered rows to written records, and the size and variety of the
-- written records (unique messages, mean words and characters).
with train_hashes as (
    select record_hash from {{ ref('int_conversations_deduplicated') }} where split = 'train' and drop_reason is null
),

funnel as (
    select
        split, type, task,
        sum(copies) as rendered,
        sum(copies - 1) filter (where drop_reason is null) as duplicates_removed,
        sum(copies) filter (where drop_reason = 'heldout_item_text') as dropped_heldout_item_text,
        sum(copies) filter (where drop_reason = 'empty_content') as dropped_empty_content,
        count(*) filter (where drop_reason is null) as distinct_records,
        count(*) filter (where drop_reason is null and split <> 'train'
                         and record_hash in (select record_hash from train_hashes)) as repeats_of_train
    from {{ ref('int_conversations_deduplicated') }}
    group by split, type, task
),

written as (
    -- hashes stand in for the texts in the distinct counts (64-bit: a collision would be one miscount in
    -- ~10^12 pairs); words = whitespace characters + 1, exact for the cleaned single-spaced texts and much
    -- cheaper than a regex split over millions of messages
    select
        split, type, task,
        hash(messages[2].content) as user_hash,
        hash(messages[3].content) as assistant_hash,
        length(messages[2].content) as user_chars,
        length(messages[3].content) as assistant_chars,
        {{ ft_word_count('messages[2].content') }} as user_words,
        {{ ft_word_count('messages[3].content') }} as assistant_words
    from {{ ref('conversations') }}
),

funnel_rollup as (
    select
        coalesce(split, '(all)') as split,
        coalesce(type, '(all)') as type,
        coalesce(task, '(all)') as task,
        sum(rendered)::bigint as rendered,
        coalesce(sum(duplicates_removed), 0)::bigint as duplicates_removed,
        coalesce(sum(dropped_heldout_item_text), 0)::bigint as dropped_heldout_item_text,
        coalesce(sum(dropped_empty_content), 0)::bigint as dropped_empty_content,
        sum(distinct_records)::bigint as distinct_records,
        sum(repeats_of_train)::bigint as repeats_of_train
    from funnel
    group by grouping sets ((split, type, task), (split, type), (split), ())
),

written_rollup as (
    select
        coalesce(split, '(all)') as split,
        coalesce(type, '(all)') as type,
        coalesce(task, '(all)') as task,
        count(*) as records,
        count(distinct user_hash) as unique_user_messages,
        count(distinct assistant_hash) as unique_assistant_messages,
        avg(user_words) as mean_user_words,
        avg(assistant_words) as mean_assistant_words,
        avg(user_chars) as mean_user_chars,
        avg(assistant_chars) as mean_assistant_chars,
        sum(user_words + assistant_words) as total_words,
        sum(user_chars + assistant_chars) as total_chars
    from written
    group by grouping sets ((split, type, task), (split, type), (split), ())
)

select
    f.split,
    f.type,
    f.task,
    coalesce(w.records, 0)::bigint as records,
    f.rendered,
    f.duplicates_removed,
    f.dropped_heldout_item_text,
    f.dropped_empty_content,
    f.repeats_of_train,
    -- distinct records left out by the weights and caps
    (f.distinct_records - f.repeats_of_train - coalesce(w.records, 0))::bigint as sampled_out,
    coalesce(w.unique_user_messages, 0)::bigint as unique_user_messages,
    coalesce(w.unique_assistant_messages, 0)::bigint as unique_assistant_messages,
    round(w.mean_user_words, 2) as mean_user_words,
    round(w.mean_assistant_words, 2) as mean_assistant_words,
    round(w.mean_user_chars, 2) as mean_user_chars,
    round(w.mean_assistant_chars, 2) as mean_assistant_chars,
    coalesce(w.total_words, 0)::bigint as total_words,
    coalesce(w.total_chars, 0)::bigint as total_chars
from funnel_rollup f
left join written_rollup w using (split, type, task)
order by f.split = '(all)', f.split, f.type = '(all)', f.type, f.task = '(all)', f.task
