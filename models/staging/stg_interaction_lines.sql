{{ config(post_hook=["{{ keep_unreadable_lines('interactions_unreadable') }}", "{{ fail_if_empty('the interactions file ' ~ raw_path('interactions') ~ ' has no lines') }}"]) }}

select line_number, line, null::varchar as unreadable_reason
from ({{ read_lines(raw_path('interactions'), 'interactions_unreadable') }})
