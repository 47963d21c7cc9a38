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
