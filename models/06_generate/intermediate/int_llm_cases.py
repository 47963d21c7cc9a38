"""Every evaluation case of the registry's fine-tuned LLM (python_jobs.llm.evaluate); empty unless llm_evaluate."""


def model(dbt, session):
    from python_jobs.llm import dbt_models

    return dbt_models.llm_cases(dbt.ref("sequences_val").to_arrow_table(), dbt_models.settings(dbt, session))
