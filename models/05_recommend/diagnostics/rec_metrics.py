"""The comparison: model x protocol x metric, with bootstrap 95% intervals (python_jobs.recommend.metrics)."""


def model(dbt, session):
    from python_jobs.recommend import dbt_models

    return dbt_models.metrics(dbt.ref("recommendation_ranks").to_arrow_table(), dbt_models.settings(dbt, session))
