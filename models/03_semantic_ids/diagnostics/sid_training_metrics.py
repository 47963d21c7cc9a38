"""Training metrics of the chosen registry model (reconstruction, per-level usage and perplexity, collision
rate, ... per logged step), long format; `is_selected_step` marks the evaluation that selected the model."""


def model(dbt, session):
    from python_jobs.semantic_ids import dbt_models
    from python_jobs.semantic_ids.settings import SemanticIdSettings

    codes = dbt.ref("int_item_codes")
    model_id = codes.project("model_id").distinct().fetchall()[0][0]
    return dbt_models.training_metrics(model_id, SemanticIdSettings.from_dbt(dbt, session))
