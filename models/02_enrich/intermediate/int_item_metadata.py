"""Notebook 04: structured metadata per item, validated and normalised (one spelling per value).

Reads the cleaned title and description (as the seed did) plus categories, features, store and details.
Thin: the work is python_jobs.enrich; settings are the `enrich_*` vars (python_jobs.enrich.settings).
"""


def model(dbt, session):
    from python_jobs.enrich.pipeline import metadata_model
    from python_jobs.enrich.settings import EnrichSettings

    items = dbt.ref("items").to_arrow_table()
    titles = dbt.ref("int_clean_titles").to_arrow_table()
    descriptions = dbt.ref("int_clean_descriptions").to_arrow_table()
    return metadata_model(items, titles, descriptions, EnrichSettings.from_dbt(dbt, session))
