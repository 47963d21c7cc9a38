-- Exact duplicates removed and counted: one row per distinct (split, task, user text, assistant text), with
-- how many rendered rows it stands for (`copies`; the original kept them all, e.g. the same co-purchase pair
-- from many users). record_hash = md5 of the salted content: the record's id, its sort and sampling key, and
-- the identity used to drop validation/held-out records that repeat a training record.
select
    split,
    type,
    task,
    drop_reason,
    user_content,
    assistant_content,
    count(*)::integer as copies,
    min(user_id) as user_id,
    min(parent_asin) as parent_asin,
    md5_number({{ sql_string(var('ft_sample_salt')) }} || task || chr(31) || coalesce(user_content, '') || chr(31)
               || coalesce(assistant_content, '')) as record_hash
from {{ ref('int_conversations_rendered') }}
-- grouped on the texts themselves (a GROUP BY that DuckDB can spill to disk); no ORDER BY: conversations sorts
group by split, type, task, drop_reason, user_content, assistant_content
