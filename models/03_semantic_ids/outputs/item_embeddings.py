"""Item embeddings of `item_context` (notebook 06 input; the original's embed_items.py).

Thin: the work is python_jobs.semantic_ids; settings are the `embedding_*` vars. Texts already in the embedding
cache (data/cache/<category>/embeddings/, shared with `python -m python_jobs embed`) are not re-embedded, and the
encoder is not loaded at all when every text is cached.
"""


def model(dbt, session):
    from python_jobs.semantic_ids import dbt_models
    from python_jobs.semantic_ids.settings import SemanticIdSettings

    items = dbt.ref("items_enriched").project("parent_asin, item_context").to_arrow_table()
    return dbt_models.item_embeddings(items, SemanticIdSettings.from_dbt(dbt, session))
