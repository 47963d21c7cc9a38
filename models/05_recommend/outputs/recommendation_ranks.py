"""Every model's rank of every val user's target, under both protocols, with the breakdown attributes."""


def model(dbt, session):
    import pyarrow as pa

    from python_jobs.recommend import dbt_models

    ranks = pa.concat_tables(
        [dbt.ref("int_rec_reference_ranks").to_arrow_table(), dbt.ref("int_rec_model_ranks").to_arrow_table()]
    )
    return dbt_models.ordered_ranks(ranks, dbt_models.settings(dbt, session))
