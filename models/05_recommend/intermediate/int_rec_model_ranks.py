"""Ranks of the torch models (SASRec BCE / CE, Semantic-ID SASRec): trained or loaded from the model registry."""


def model(dbt, session):
    from python_jobs.recommend import dbt_models

    return dbt_models.neural_ranks(
        dbt.ref("int_rec_train_sequences").to_arrow_table(),
        dbt.ref("semantic_ids").to_arrow_table(),
        dbt.ref("int_rec_eval_cases").to_arrow_table(),
        dbt.ref("int_rec_cold_items").to_arrow_table(),
        dbt.ref("int_rec_variant_ids").to_arrow_table(),
        dbt_models.settings(dbt, session),
    )
