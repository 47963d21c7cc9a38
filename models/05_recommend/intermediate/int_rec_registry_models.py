"""The registry summaries of the trained models behind the ranks (typed by the contract of recommenders)."""


def model(dbt, session):
    from python_jobs.recommend import dbt_models

    ids = dbt.ref("int_rec_model_ranks").project("model_id").distinct().to_arrow_table().column(0).to_pylist()
    return dbt_models.recommenders(ids, dbt_models.settings(dbt, session))
