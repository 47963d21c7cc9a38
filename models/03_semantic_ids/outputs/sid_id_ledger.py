"""The ID ledger of the model behind the IDs after this build: one row per ID it ever handed out (status live,
removed, superseded), also written to <registry>/<model id>/id_ledger.parquet, the reference of the model's next
build. Built after sid_assignment_changes and its tests, so a build whose stable-ID checks fail writes nothing.
Thin: the work is python_jobs.semantic_ids.stable."""


def model(dbt, session):
    from python_jobs.semantic_ids import dbt_models
    from python_jobs.semantic_ids.settings import SemanticIdSettings

    dbt.ref("sid_assignment_changes")  # its tests gate the write
    live = dbt.ref("semantic_ids").project("parent_asin, sid_0, sid_1, sid_2, sid_3, model_id").to_arrow_table()
    hashes = dbt.ref("item_embeddings").project("parent_asin, text_hash").to_arrow_table()
    table = live.join(hashes, "parent_asin", join_type="left outer")
    reference = dbt.ref("int_sid_reference").to_arrow_table()
    return dbt_models.id_ledger(table, reference, SemanticIdSettings.from_dbt(dbt, session))
