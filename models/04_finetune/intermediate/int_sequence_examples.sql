-- Example sequences (type F): for each length L of ft_sequence_example_lengths, the first L IDs of every user
-- with at least L items, ranked per split and length by an md5 of user_id (the original took the first users
-- in file order, which was not deterministic); the seed's condition keeps the first few.
select
    s.split,
    s.user_id,
    l.example_length::integer as example_length,
    row_number() over (
        partition by s.split, l.example_length order by md5(s.user_id || {{ sql_string(var('ft_sample_salt')) }}), s.user_id
    )::integer as example_rank,
    {{ ft_sid_list('s.semantic_id_sequence[1:l.example_length]') }} as sids
from ({{ ft_split_sequences() }}) s
join (select unnest({{ var('ft_sequence_example_lengths') | list | tojson }}::integer[]) as example_length) l
  on s.semantic_id_sequence_length >= l.example_length
order by split, example_length, example_rank
