-- Notebook 01 steps 4-5 over the notebook-01 items (see macros/sequences.sql).
{{ build_sequences(ref('int_user_histories'), ref('items')) }}
