"""Per epoch of each trained model, from its registry metrics.jsonl (typed by the contract of rec_training_curves)."""


def model(dbt, session):
    from python_jobs.recommend import dbt_models

    ids = dbt.ref("int_rec_model_ranks").project("model_id").distinct().to_arrow_table().column(0).to_pylist()
    return dbt_models.training_curves(ids, dbt_models.settings(dbt, session))
