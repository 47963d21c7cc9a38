-- A few real conversations of the fine-tuned LLM (empty unless llm_evaluate), for the report: the <|rec|> prompts
-- of the first val users whose target the beam found (best rank first), then the first held-out ID -> title answers.
with cases as (select * from {{ ref('int_llm_cases') }}),
recs as (
    select * from cases where task = 'next_item'
    order by rank is null, rank, case_id limit {{ var('llm_conversations_shown') }}
),
titles as (
    select * from cases where task = 'sid_to_title' order by case_id limit {{ var('llm_conversations_shown') }}
)
select model_id, task, case_id, prompt, expected, generated, generated_titles, rank from recs
union all
select model_id, task, case_id, prompt, expected, generated, generated_titles, rank from titles
