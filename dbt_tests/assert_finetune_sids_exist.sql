-- Every Semantic ID in a user or assistant message of `conversations` is a real one: a complete ID
-- (<|sid_start|> ... <|sid_end|>) must be in semantic_ids, a prefix (D tasks) must be the 1-, 2- or 3-token prefix
-- of one. Also catches the original's old <sid><SID_..> syntax. (The system prompt's format example is not an
-- item and is not checked.) Returns the offending runs.
{{ config(tags=['stage_04']) }}
-- the user and the assistant message as two projections, not unnest(messages[2:3]): unnesting a slice of a
-- list of structs took ~3 min over 4 M records, the two projections seconds
with messages as (
    select messages[2].content as content from {{ ref('conversations') }}
    union all
    select messages[3].content from {{ ref('conversations') }}
),

runs as (
    -- only messages that hold an ID are split and matched (a cheap substring test first: most answers are plain
    -- text, and extracting the runs of millions of messages was this test's whole cost)
    select distinct unnest({{ ft_sid_runs('content') }}) as run
    from messages
    where contains(content, '<|sid_start|>')
),

prefixes as (
    {%- for k in [1, 2, 3] %}
    {% if not loop.first %}union all{% endif %}
    select {{ sid_prefix('semantic_id', k) }} as prefix from {{ ref('semantic_ids') }}
    {%- endfor %}
)

select run, 'unknown semantic id' as problem
from runs
where run like '%<|sid_end|>' and run not in (select semantic_id from {{ ref('semantic_ids') }})
union all
select run, 'unknown semantic id prefix'
from runs
where run not like '%<|sid_end|>' and run not in (select prefix from prefixes)
union all
select distinct content, 'old id syntax'
from messages
where contains(content, '<sid>') or content like '%<SID\_%' escape '\'
