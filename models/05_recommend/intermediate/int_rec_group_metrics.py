"""Every metric of every rank group with its percentile-bootstrap interval (python_jobs.recommend.metrics)."""


def model(dbt, session):
    from python_jobs.recommend import dbt_models

    return dbt_models.group_metrics(dbt.ref("int_rec_rank_groups").to_arrow_table(), dbt_models.settings(dbt, session))
