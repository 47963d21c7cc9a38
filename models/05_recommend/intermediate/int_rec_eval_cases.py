"""The evaluation cases: per protocol and val user, the history shown, the target, the sampled negatives."""


def model(dbt, session):
    from python_jobs.recommend import dbt_models

    return dbt_models.eval_cases(
        dbt.ref("sequences_train").to_arrow_table(),
        dbt.ref("sequences_val").to_arrow_table(),
        dbt_models.settings(dbt, session),
    )
