"""Notebook 04: structured metadata per item, validated and normalised (one spelling per value).

Reads the cleaned title and description (as the seed did) plus categories, features, store and details.
Thin: the work is python_jobs.enrich. Settings from the `enrich` config (vars `enrich_*`).
"""


def model(dbt, session):
    dbt.config(materialized="table")
    from python_jobs.enrich.pipeline import metadata_model

    settings = dbt.config.get("enrich")
    items = dbt.ref("items").to_arrow_table()
    titles = dbt.ref("enr_clean_titles").to_arrow_table()
    descriptions = dbt.ref("enr_clean_descriptions").to_arrow_table()
    return metadata_model(items, titles, descriptions, settings)
