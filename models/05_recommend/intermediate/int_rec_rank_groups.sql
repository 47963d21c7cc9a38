-- The users behind each row of rec_metrics (breakdown 'all') and rec_metrics_breakdown (one row per bin): per
-- model x seed x protocol x group, the ranks in user_id order (the bootstrap resamples users by position). Every bin
-- has a row for every model and protocol, an empty bin an empty list (n_users 0 downstream).
-- Bins (inclusive edges, high null = no upper edge): target_popularity on target_train_count (0 = cold start),
-- history_length on sequence_length (the target included), cold_start on the flag.
with
ranks as (select * from {{ ref('recommendation_ranks') }}),
bins as (
    select * from (values
        ('all', 'all', 0, null, null),
        ('cold_start', 'cold', 0, 1, 1),
        ('cold_start', 'warm', 1, 0, 0),
        ('target_popularity', '0 (cold)', 0, 0, 0),
        ('target_popularity', '1-4', 1, 1, 4),
        ('target_popularity', '5-19', 2, 5, 19),
        ('target_popularity', '20-99', 3, 20, 99),
        ('target_popularity', '100+', 4, 100, null),
        ('history_length', '3-4', 0, 0, 4),
        ('history_length', '5-9', 1, 5, 9),
        ('history_length', '10-19', 2, 10, 19),
        ('history_length', '20-49', 3, 20, 49),
        ('history_length', '50+', 4, 50, null)
    ) as b(breakdown, bin, bin_order, low, high)
),
members as (
    select r.model, r.seed, r.protocol, r.user_id, r.rank, b.breakdown, b.bin
    from ranks r join bins b on case b.breakdown
        when 'all' then true
        when 'cold_start' then r.cold_start::int between b.low and b.high
        when 'target_popularity' then r.target_train_count >= b.low and (b.high is null or r.target_train_count <= b.high)
        when 'history_length' then r.sequence_length >= b.low and (b.high is null or r.sequence_length <= b.high)
    end
),
grouped as (
    select
        g.model, g.seed, g.protocol, b.breakdown, b.bin, b.bin_order::bigint as bin_order,
        coalesce(list(m.rank order by m.user_id) filter (where m.user_id is not null), []) as ranks
    from (select distinct model, seed, protocol from ranks) g
    cross join bins b
    left join members m
        on m.model = g.model and m.seed = g.seed and m.protocol = g.protocol and m.breakdown = b.breakdown and m.bin = b.bin
    group by all
)
select * from grouped
order by list_position({{ var('rec_models') }}, model), seed, protocol desc, breakdown, bin_order
