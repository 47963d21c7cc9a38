"""Per epoch of each trained model: loss and the held-out metrics that early stopping watched."""


def model(dbt, session):
    from python_jobs.recommend import dbt_models

    ids = dbt.ref("recommenders").project("model_id").to_arrow_table().column(0).to_pylist()
    return dbt_models.training_curves(ids, dbt_models.settings(dbt, session))
