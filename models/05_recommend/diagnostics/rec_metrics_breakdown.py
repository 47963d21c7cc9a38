"""The comparison by target popularity, history length and cold-start targets."""


def model(dbt, session):
    from python_jobs.recommend import dbt_models

    return dbt_models.metrics_breakdown(
        dbt.ref("recommendation_ranks").to_arrow_table(), dbt_models.settings(dbt, session)
    )
