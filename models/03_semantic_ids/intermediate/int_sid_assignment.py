"""With `sid_mode: assign`, every item's full ID (sid_0..sid_3): items of the reference (int_sid_reference) keep
theirs; new items (and, with `sid_changed_items: reencode`, items whose text changed) are encoded by the pinned
model `sid_registry_model` and placed by the collision policy around every ID the reference holds, moving no one.
Empty with `sid_mode: fresh`: semantic_ids then numbers every item from int_item_codes.
Thin: the work is python_jobs.semantic_ids.stable."""


def model(dbt, session):
    from python_jobs.semantic_ids import dbt_models
    from python_jobs.semantic_ids.settings import SemanticIdSettings

    embeddings = dbt.ref("item_embeddings").project("parent_asin, embedding, text_hash").to_arrow_table()
    popularity = dbt.ref("int_item_popularity").to_arrow_table()
    reference = dbt.ref("int_sid_reference").to_arrow_table()
    settings = SemanticIdSettings.from_dbt(dbt, session)
    return dbt_models.stable_assignment(embeddings, popularity, reference, settings)
