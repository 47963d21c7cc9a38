-- Every record is exactly system -> user -> assistant, the system message is the configured prompt and no
-- message is empty: the chat format TRL's SFTTrainer expects. Returns the malformed records.
{{ config(tags=['stage_04']) }}
select record_id, split, task, messages
from {{ ref('conversations') }}
-- Element by element, not list_transform over the list of structs (half the time at 4 M records). The system
-- message must equal the prompt, so its emptiness is the prompt's own (a constant).
where messages is null
   or len(messages) <> 3
   or messages[1].role is distinct from 'system'
   or messages[2].role is distinct from 'user'
   or messages[3].role is distinct from 'assistant'
   or messages[1].content is distinct from {{ ft_system_prompt() }}
   or trim({{ ft_system_prompt() }}) = ''
   or coalesce(trim(messages[2].content), '') = ''
   or coalesce(trim(messages[3].content), '') = ''
