"""Notebook 02: cleaned descriptions, one row per item (provider, model and status on every row).

Thin: the work is python_jobs.enrich (tasks, providers, cache). Settings come from the `enrich` config
(vars `enrich_*`, see _enrichment.yml); the API key only from the environment or .env.
"""


def model(dbt, session):
    dbt.config(materialized="table")
    from python_jobs.enrich.pipeline import clean_descriptions_model

    settings = dbt.config.get("enrich")
    items = dbt.ref("items").to_arrow_table()
    return clean_descriptions_model(items, settings)
