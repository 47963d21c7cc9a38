"""The registry model behind the IDs: one row (id, fingerprint, selected step, timings, full config JSON)."""


def model(dbt, session):
    dbt.config(materialized="table")
    from python_jobs.quantize import model_summary_model

    codes = dbt.ref("item_codes")
    model_id = codes.project("model_id").distinct().to_arrow_table().column("model_id")[0].as_py()
    return model_summary_model(model_id, dbt.config.get("sid_quantizer"))
