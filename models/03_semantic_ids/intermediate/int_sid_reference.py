"""The earlier IDs this build compares with and, with `sid_mode: assign`, keeps: the ID ledger next to the model in
the registry (<registry>/<model id>/id_ledger.parquet, written by the last build of that model; empty before its
first build), or the parquet named by var `sid_reference_ids`. Read once here, so every later model sees the same
snapshot while sid_id_ledger writes the next one."""


def model(dbt, session):
    from python_jobs.semantic_ids import dbt_models
    from python_jobs.semantic_ids.settings import SemanticIdSettings

    model_id = dbt.ref("int_item_codes").project("model_id").distinct().fetchall()[0][0]
    return dbt_models.reference_ids(model_id, SemanticIdSettings.from_dbt(dbt, session))
