"""Item embeddings of `item_context` (notebook 06 input; the original's embed_items.py).

Thin: the work is python_jobs.embed. Settings from the `sid_embedding` config (vars `embedding_*`). Texts already
in the embedding cache (data/cache/<category>/embeddings/, shared with `python -m python_jobs embed`) are not
re-embedded, and the encoder is not loaded at all when every text is cached.
"""


def model(dbt, session):
    dbt.config(materialized="table")
    from python_jobs.embed import embeddings_model

    items = dbt.ref("items_enriched").project("parent_asin, item_context").to_arrow_table()
    return embeddings_model(items, dbt.config.get("sid_embedding"))
