"""Three codes per item from the quantizer (var `quantizer`: rqvae | rqkmeans).

Thin: the work is python_jobs.semantic_ids. Train-or-load through the model registry (data/registry/<category>/),
keyed by the embeddings' content + quantizer settings + seed, so a re-run (or a model trained beforehand with
`python -m python_jobs train-rqvae` and the same settings) is loaded, not retrained; var `sid_registry_model`
pins a registry entry instead.
"""


def model(dbt, session):
    from python_jobs.semantic_ids import dbt_models
    from python_jobs.semantic_ids.settings import SemanticIdSettings

    embeddings = dbt.ref("item_embeddings").project("parent_asin, embedding").to_arrow_table()
    return dbt_models.item_codes(embeddings, SemanticIdSettings.from_dbt(dbt, session))
