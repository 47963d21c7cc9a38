"""Generative Hit@K / NDCG@K / MRR with bootstrap intervals per model on the LLM's val users (stage 5's rule)."""


def model(dbt, session):
    from python_jobs.llm import dbt_models

    s = dbt_models.settings(dbt, session)
    ranks = dbt.ref("int_llm_next_item_ranks").to_arrow_table()
    return dbt_models.next_item_metrics(ranks, s.rec_bootstrap_samples, s.rec_eval_seed)
