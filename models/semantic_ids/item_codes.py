"""Three codes per item from the quantizer (var `quantizer`: rqvae | rqkmeans).

Thin: the work is python_jobs.quantize. Train-or-load through the model registry (data/registry/<category>/),
keyed by the embeddings' content + quantizer settings + seed, so a re-run (or a model trained beforehand with
`python -m python_jobs train-rqvae` and the same settings) is loaded, not retrained; var `sid_registry_model`
pins a registry entry instead.
"""


def model(dbt, session):
    dbt.config(materialized="table")
    from python_jobs.quantize import codes_model

    embeddings = dbt.ref("item_embeddings").project("parent_asin, embedding").to_arrow_table()
    return codes_model(embeddings, dbt.config.get("sid_quantizer"))
