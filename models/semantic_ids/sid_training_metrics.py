"""Training metrics of the chosen registry model (reconstruction, per-level usage and perplexity, collision
rate, ... per logged step), long format; `is_selected_step` marks the evaluation that selected the model."""


def model(dbt, session):
    dbt.config(materialized="table")
    from python_jobs.quantize import training_metrics_model

    codes = dbt.ref("item_codes")
    model_id = codes.project("model_id").distinct().to_arrow_table().column("model_id")[0].as_py()
    return training_metrics_model(model_id, dbt.config.get("sid_quantizer"))
