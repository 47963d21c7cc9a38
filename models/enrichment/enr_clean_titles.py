"""Notebook 03: cleaned titles, one row per item (provider, model and status on every row).

Thin: the work is python_jobs.enrich. Settings from the `enrich` config (vars `enrich_*`).
"""


def model(dbt, session):
    dbt.config(materialized="table")
    from python_jobs.enrich.pipeline import clean_titles_model

    settings = dbt.config.get("enrich")
    items = dbt.ref("items").to_arrow_table()
    return clean_titles_model(items, settings)
