"""Beam search against exhaustive scoring for the models that generate by beam search (sid_sasrec), per seed: the
share of the exact top 10 the beam recovers and users per second of each (python_jobs.recommend.generative)."""


def model(dbt, session):
    from python_jobs.recommend import dbt_models

    ranked = dbt.ref("int_rec_model_ranks").filter("protocol = 'generative'").project("model, model_id, seed")
    return dbt_models.beam_agreement(
        ranked.distinct().to_arrow_table(),
        dbt.ref("int_rec_train_sequences").to_arrow_table(),
        dbt.ref("semantic_ids").to_arrow_table(),
        dbt.ref("int_rec_eval_cases").to_arrow_table(),
        dbt_models.settings(dbt, session),
    )
