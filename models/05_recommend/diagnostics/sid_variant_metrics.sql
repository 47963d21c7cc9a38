-- The ID-scheme study: per ID scheme x seed x protocol, the IDs' quality and the sid_sasrec trained on them. The
-- build's own IDs are the variant 'build' (model sid_sasrec, when it is in rec_models), each rec_sid_variants
-- entry a variant (model sid_sasrec@<variant>). Quality is that of the learned codes (the collision index excluded):
-- unique_share_codes = distinct code tuples / items (the "unique 3-code share" with 3 levels), perplexity per level =
-- exp(entropy) of the level's code distribution. Metrics and intervals come from rec_metrics, training from recommenders.
with
ids as (
    select
        'build' as variant, 'sid_sasrec' as model, parent_asin, [sid_0, sid_1, sid_2] as codes,
        {{ var('sid_codebook_size') }}::integer as codebook_size, quantizer,
        model_id as quantizer_model_id, (select max(train_seconds) from {{ ref('sid_model') }}) as quantizer_train_seconds
    from {{ ref('semantic_ids') }}
    union all
    select
        variant, 'sid_sasrec@' || variant, parent_asin, codes, codebook_size, quantizer,
        quantizer_model_id, quantizer_train_seconds
    from {{ ref('int_rec_variant_codes') }}
),
schemes as (
    select
        variant, model, any_value(quantizer) as quantizer, any_value(quantizer_model_id) as quantizer_model_id,
        max(len(codes))::integer as levels, any_value(codebook_size) as codebook_size, count(*) as n_items,
        count(distinct codes) / count(*) as unique_share_codes, max(quantizer_train_seconds) as quantizer_train_seconds
    from ids group by variant, model
),
level_counts as (
    select variant, level, count(*) as n
    from (select variant, unnest(codes) as code, generate_subscripts(codes, 1) as level from ids)
    group by variant, level, code
),
perplexity as (
    select variant, list(ppl order by level) as perplexity_per_level
    from (
        select variant, level, exp(-sum(n / total * ln(n / total))) as ppl
        from (select *, sum(n) over (partition by variant, level) as total from level_counts)
        group by variant, level
    )
    group by variant
),
metrics as (
    select
        model, seed, protocol,
        {%- for metric, col in [('hit@10', 'hit_at_10'), ('ndcg@10', 'ndcg_at_10'), ('mrr', 'mrr')] %}
        max(value) filter (where metric = '{{ metric }}') as {{ col }},
        max(ci_low) filter (where metric = '{{ metric }}') as {{ col }}_low,
        max(ci_high) filter (where metric = '{{ metric }}') as {{ col }}_high,
        {%- endfor %}
        max(n_users) filter (where metric = 'hit@10') as n_users
    from {{ ref('rec_metrics') }}
    group by model, seed, protocol
),
trained as (
    select r.model, r.seed, any_value(m.train_seconds) as rec_train_seconds,
        any_value(m.holdout_ndcg_at_10) as holdout_ndcg_at_10, any_value(m.best_epoch) as best_epoch,
        any_value(m.stopped_by) as stopped_by
    from (select distinct model, seed, model_id from {{ ref('recommendation_ranks') }}) r
    join {{ ref('recommenders') }} m using (model_id)
    group by r.model, r.seed
)
select
    s.variant::varchar as variant,
    s.model::varchar as model,
    m.seed::bigint as seed,
    m.protocol::varchar as protocol,
    s.quantizer::varchar as quantizer,
    s.quantizer_model_id::varchar as quantizer_model_id,
    s.levels::integer as levels,
    s.codebook_size::integer as codebook_size,
    s.n_items::bigint as n_items,
    s.unique_share_codes::double as unique_share_codes,
    p.perplexity_per_level::double[] as perplexity_per_level,
    {%- for col in ['hit_at_10', 'ndcg_at_10', 'mrr'] %}
    m.{{ col }}::double as {{ col }},
    m.{{ col }}_low::double as {{ col }}_low,
    m.{{ col }}_high::double as {{ col }}_high,
    {%- endfor %}
    m.n_users::bigint as n_users,
    t.holdout_ndcg_at_10::double as holdout_ndcg_at_10,
    t.best_epoch::bigint as best_epoch,
    t.stopped_by::varchar as stopped_by,
    t.rec_train_seconds::double as rec_train_seconds,
    s.quantizer_train_seconds::double as quantizer_train_seconds
from schemes s
join metrics m on m.model = s.model
join perplexity p on p.variant = s.variant
left join trained t on t.model = m.model and t.seed = m.seed
order by s.variant = 'build' desc, s.variant, m.seed, m.protocol desc
