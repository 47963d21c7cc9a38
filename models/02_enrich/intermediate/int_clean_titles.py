"""Notebook 03: cleaned titles, one row per item (provider, model and status on every row).

Thin: the work is python_jobs.enrich; settings are the `enrich_*` vars (python_jobs.enrich.settings).
"""


def model(dbt, session):
    from python_jobs.enrich.pipeline import clean_titles_model
    from python_jobs.enrich.settings import EnrichSettings

    items = dbt.ref("items").to_arrow_table()
    return clean_titles_model(items, EnrichSettings.from_dbt(dbt, session))
