"""The registry model behind the IDs: one row (id, fingerprint, selected step, timings, full config JSON), with
the ID quality of these items' codes (also when a pinned model was trained on another catalogue)."""


def model(dbt, session):
    from python_jobs.semantic_ids import dbt_models
    from python_jobs.semantic_ids.settings import SemanticIdSettings

    dbt.ref("int_item_codes")  # built after the codes, from the same registry entry
    embeddings = dbt.ref("item_embeddings").project("parent_asin, embedding").to_arrow_table()
    return dbt_models.model_summary(embeddings, SemanticIdSettings.from_dbt(dbt, session))
