{{ config(post_hook=["{{ keep_unreadable_lines('meta_unreadable') }}", "{{ fail_if_empty('the meta file ' ~ raw_path('meta') ~ ' has no lines') }}"]) }}

select line_number, line, null::varchar as unreadable_reason
from ({{ read_lines(raw_path('meta'), 'meta_unreadable') }})
