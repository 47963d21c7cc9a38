"""ID-scheme variants (var rec_sid_variants): every item's learned codes under each variant's stage-3 vars, trained
once in the stage-3 model registry and loaded after (python_jobs.recommend.variants). Empty without variants."""


def model(dbt, session):
    from python_jobs.recommend import dbt_models

    embeddings = dbt.ref("item_embeddings").project("parent_asin, embedding").to_arrow_table()
    return dbt_models.variant_codes(embeddings, dbt, session)
