-- Every record is exactly system -> user -> assistant, the system message is the configured prompt and no
-- message is empty: the chat format TRL's SFTTrainer expects. Returns the malformed records.
{{ config(tags=['stage_04']) }}
select record_id, split, task, messages
from {{ ref('conversations') }}
where messages is null
   or len(messages) <> 3
   or list_transform(messages, lambda m: m.role) <> ['system', 'user', 'assistant']
   or messages[1].content <> {{ ft_system_prompt() }}
   or list_bool_or(list_transform(messages, lambda m: coalesce(trim(m.content), '') = ''))
