"""The report's recommender section with several training seeds: intervals from each model's first seed, and a
table of the mean ± std across seeds with every seed's value."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq

from python_jobs.recommend.metrics import METRICS
from python_jobs.report.model import Section
from python_jobs.report.stages.recommend import recommenders
from python_jobs.report.tables import OutputTables

HIT10 = {42: 0.30, 43: 0.32, 44: 0.34}  # sasrec_ce's Hit@10 per seed: mean 0.32, sample std 0.02


def rec_metrics(directory):
    rows = []
    for model, seeds in (("popularity", [42]), ("sasrec_ce", [42, 43, 44])):
        for protocol in ("sampled", "full"):
            for metric in METRICS:
                for seed in seeds:
                    value = HIT10[seed] if model == "sasrec_ce" else 0.1
                    rows.append(
                        {
                            "model": model,
                            "seed": seed,
                            "protocol": protocol,
                            "metric": metric,
                            "value": value,
                            "ci_low": value - 0.05,
                            "ci_high": value + 0.05,
                            "n_users": 330,
                            "n_seeds": len(seeds),
                            "seed_mean": 0.32 if model == "sasrec_ce" else 0.1,
                            "seed_std": 0.02 if model == "sasrec_ce" else None,
                            "n_short_cases": 0,
                        }
                    )
    pq.write_table(pa.Table.from_pylist(rows), directory / "rec_metrics.parquet")


def test_several_seeds_show_mean_and_std_and_each_seed(tmp_path):
    rec_metrics(tmp_path)
    section = Section("recommend", "Recommenders", "5", "", ("rec_metrics",), "")
    recommenders(OutputTables(tmp_path), section)
    by_title = {t.caption: t for t in section.tables}
    headline = by_title["Metrics with 95% intervals"]
    assert len(headline.rows) == 2 * 2  # one row per model and protocol: the first seed's, not one per seed
    across = next(t for title, t in by_title.items() if title.startswith("Across training seeds"))
    hit10 = [r for r in across.rows if r[0] == "sasrec_ce" and r[2] == "hit@10"]
    assert len(hit10) == 2 and all(r[3:] == ["3", "0.320 ± 0.020", "0.300, 0.320, 0.340"] for r in hit10)
    assert not [r for r in across.rows if r[0] == "popularity"]  # one seed: nothing to spread


def test_training_stops_and_id_schemes_are_shown(tmp_path):
    """recommenders: epochs to best and what stopped training (a capped model is named in the facts);
    sid_variant_metrics: one row per scheme (its first seed) with the codes' quality and intervals."""
    pq.write_table(
        pa.Table.from_pylist(
            [
                {
                    "model": "sasrec_ce",
                    "model_id": "sasrec_ce-1",
                    "best_epoch": 12,
                    "epochs_run": 16,
                    "stopped_by": "patience",
                    "holdout_ndcg_at_10": 0.2,
                    "train_seconds": 30.0,
                },
                {
                    "model": "sid_sasrec",
                    "model_id": "sid_sasrec-2",
                    "best_epoch": 30,
                    "epochs_run": 30,
                    "stopped_by": "epoch_cap",
                    "holdout_ndcg_at_10": 0.19,
                    "train_seconds": 60.0,
                },
            ]
        ),
        tmp_path / "recommenders.parquet",
    )
    scheme = {
        "protocol": "full",
        "unique_share_codes": 0.9,
        "perplexity_per_level": [200.0, 150.0, 40.0],
        "hit_at_10": 0.3,
        "hit_at_10_low": 0.25,
        "hit_at_10_high": 0.35,
        "ndcg_at_10": 0.2,
        "ndcg_at_10_low": 0.15,
        "ndcg_at_10_high": 0.25,
        "mrr": 0.1,
        "mrr_low": 0.05,
        "mrr_high": 0.15,
        "holdout_ndcg_at_10": 0.19,
        "quantizer_train_seconds": 40.0,
        "rec_train_seconds": 60.0,
    }
    rows = [{**scheme, "variant": v, "seed": seed} for v in ("build", "quantizer=rqkmeans") for seed in (42, 43)]
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "sid_variant_metrics.parquet")
    section = Section("recommend", "Recommenders", "5", "", ("recommenders", "sid_variant_metrics"), "")
    recommenders(OutputTables(tmp_path), section)
    by_title = {t.caption.split(":")[0]: t for t in section.tables}
    stops = by_title["Training"]
    assert [r[2:5] for r in stops.rows] == [["12", "16", "patience"], ["30", "30", "epoch_cap"]]
    assert dict(section.facts)["stopped by the epoch cap (raise rec_epochs)"] == "sid_sasrec"
    schemes = by_title["ID schemes (rec_sid_variants)"]
    assert [r[0] for r in schemes.rows] == ["build", "quantizer=rqkmeans"]  # the first seed only
    assert schemes.rows[0][2:5] == ["0.900", "200 / 150 / 40", "0.300 [0.250, 0.350]"]


GENERATIVE_FACT = "generative ranking (add generative to rec_protocols, e.g. eval --protocol all)"


def test_the_generative_protocol_has_its_own_tables_or_says_not_built(tmp_path):
    """Protocol generative: each model's Hit@10 / NDCG@10 with intervals (first seed) and the beam's agreement with
    exhaustive scoring; a build without it says "not built"."""
    rec_metrics(tmp_path)
    section = Section("recommend", "Recommenders", "5", "", ("rec_metrics",), "")
    recommenders(OutputTables(tmp_path), section)
    assert dict(section.facts)[GENERATIVE_FACT] == "not built"
    assert not [t for t in section.tables if t.caption.startswith("Generative")]

    table = pq.read_table(tmp_path / "rec_metrics.parquet").to_pylist()
    generated = [
        {**r, "protocol": "generative", **{k: r[k] / 2 for k in ("value", "ci_low", "ci_high")}, "n_users": 300}
        for r in table
        if r["protocol"] == "full" and r["model"] == "sasrec_ce"
    ]
    generated += [{**r, "model": "sid_sasrec", "seed": 42, "n_seeds": 1} for r in generated if r["seed"] == 42]
    pq.write_table(pa.Table.from_pylist(table + generated), tmp_path / "rec_metrics.parquet")
    agreement = {
        "model": "sid_sasrec",
        "model_id": "sid_sasrec-2",
        "seed": 42,
        "beam_width": 20,
        "n_users": 300,
        "top10_recall": 0.875,
        "top1_match": 0.9,
        "beam_users_per_second": 1234.0,
        "exhaustive_users_per_second": 2345.0,
        "device": "cpu",
    }
    pq.write_table(pa.Table.from_pylist([agreement]), tmp_path / "rec_beam_agreement.parquet")
    section = Section("recommend", "Recommenders", "5", "", ("rec_metrics", "rec_beam_agreement"), "")
    recommenders(OutputTables(tmp_path), section)
    by_title = {t.caption.split(":")[0]: t for t in section.tables}
    assert GENERATIVE_FACT not in dict(section.facts)
    assert len(by_title["Metrics with 95% intervals"].rows) == 2 * 2  # sampled and full; generative below
    rows = by_title["Generative ranking"].rows
    first_seed = "0.150 [0.125, 0.175]"  # seed 42's 0.30 [0.25, 0.35] halved, not the other seeds'
    assert rows == [[m, "300", first_seed, first_seed] for m in ("sasrec_ce", "sid_sasrec")]
    beam = by_title["Beam search against exhaustive scoring of the same model (generative users)"].rows
    assert beam == [["sid_sasrec", "42", "20", "300", "0.875", "0.900", "1,234", "2,345"]]
