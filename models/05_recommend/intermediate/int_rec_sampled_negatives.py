"""The sampled protocol's negatives per val user: a seeded numpy draw (python_jobs.recommend.cases)."""


def model(dbt, session):
    from python_jobs.recommend import dbt_models

    return dbt_models.sampled_negatives(dbt.ref("sequences_val").to_arrow_table(), dbt_models.settings(dbt, session))
