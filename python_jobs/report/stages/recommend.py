"""Stage 5's section: metrics with intervals, Hit@10 by bin, training curves, how training stopped, ID schemes, and
the generative protocol (each model's generated list; beam search against exhaustive scoring)."""

from __future__ import annotations

from typing import Any

from python_jobs.report import figures
from python_jobs.report.formatting import count, interval, is_missing, number, show
from python_jobs.report.model import Figure, Section, Table
from python_jobs.report.tables import OutputTables

HEADLINE_METRICS = ["hit@10", "ndcg@10", "mrr"]
PROTOCOL_ORDER = ("sampled", "full", "generative")
GENERATIVE_METRICS = ["hit@10", "ndcg@10"]


def recommenders(t: OutputTables, s: Section) -> None:
    if t.has("rec_metrics"):
        # each model's first seed (rec_seed) carries the intervals; several seeds add the table across seeds
        metrics = t.rows(
            "select * from {rec_metrics} qualify seed = min(seed) over (partition by model) "
            "order by protocol desc, model, metric"
        )
        models = list(dict.fromkeys(r["model"] for r in metrics))
        protocols = sorted({r["protocol"] for r in metrics}, key=_protocol_rank)
        by = {(r["model"], r["protocol"], r["metric"]): r for r in metrics}
        n_users = {r["protocol"]: r["n_users"] for r in metrics}
        panels = []
        for protocol in protocols:
            rows = {m: [by.get((m, protocol, k), {}) for k in HEADLINE_METRICS] for m in models}
            panels.append(
                (
                    f"{protocol} ranking ({count(n_users[protocol])} users)",
                    HEADLINE_METRICS,
                    {
                        m: tuple([r.get(c) for r in rs] for c in ("value", "ci_low", "ci_high"))
                        for m, rs in rows.items()
                    },
                )
            )
        s.figures.append(
            Figure(
                figures.metric_intervals(panels),
                "Each model's score on the validation users, with its 95% bootstrap interval.",
                wide=True,
            )
        )
        s.tables.append(
            Table(
                "Metrics with 95% intervals",
                ["model", "protocol", *HEADLINE_METRICS, "hit@1", "hit@20", "median rank"],
                [
                    [
                        m,
                        p,
                        *(interval(*_triple(by.get((m, p, k)))) for k in HEADLINE_METRICS),
                        interval(*_triple(by.get((m, p, "hit@1")))),
                        interval(*_triple(by.get((m, p, "hit@20")))),
                        number(by.get((m, p, "median_rank"), {}).get("value"), 0),
                    ]
                    for p in protocols
                    for m in models
                    if (m, p, "hit@10") in by and p != "generative"  # generative: its own table (generative())
                ],
            )
        )
        best = max(
            (r for r in metrics if r["metric"] == "hit@10" and r["protocol"] == "full" and not is_missing(r["value"])),
            key=lambda r: r["value"],
            default=None,
        )
        if best:
            s.facts.append(("best Hit@10 (full ranking)", f"{best['model']} {number(best['value'])}"))
        across_seeds(t, s)
    if t.has("rec_metrics_breakdown"):
        breakdown = t.rows(
            "select * from {rec_metrics_breakdown} where metric = 'hit@10' "
            "qualify seed = min(seed) over (partition by model) order by protocol desc, breakdown, bin_order, model"
        )
        titles = {
            "target_popularity": "by target popularity",
            "history_length": "by history length",
            "cold_start": "cold-start targets",
        }
        for protocol in sorted({r["protocol"] for r in breakdown}, key=_protocol_rank):
            panels = []
            for kind, title in titles.items():
                rows = [r for r in breakdown if r["protocol"] == protocol and r["breakdown"] == kind]
                bins = list(dict.fromkeys(r["bin"] for r in rows))
                users = {r["bin"]: r["n_users"] for r in rows}
                series = {
                    m: [next((r["value"] for r in rows if r["model"] == m and r["bin"] == b), None) for b in bins]
                    for m in dict.fromkeys(r["model"] for r in rows)
                }
                if bins:
                    panels.append((f"Hit@10 {title}", [f"{b}\n(n={count(users[b])})" for b in bins], series))
            if panels:
                s.figures.append(
                    Figure(
                        figures.breakdown_panels(panels, "Hit@10"),
                        f"{protocol.capitalize()} ranking: Hit@10 per bin of validation users (n = users in "
                        f"the bin; an empty bin has no bar).",
                        wide=True,
                    )
                )
    if t.has("rec_training_curves"):
        curves = t.table("rec_training_curves", order_by="model, epoch")
        series: dict[str, dict[str, tuple[list, list]]] = {"training loss": {}, "held-out NDCG@10": {}}
        several = {
            m for m in {r["model"] for r in curves} if len({r["model_id"] for r in curves if r["model"] == m}) > 1
        }
        for r in curves:
            name = f"{r['model']} ({r['model_id'][-6:]})" if r["model"] in several else r["model"]  # one per seed
            for panel, column in (("training loss", "loss"), ("held-out NDCG@10", "holdout_ndcg_at_10")):
                x, y = series[panel].setdefault(name, ([], []))
                x.append(r["epoch"])
                y.append(r[column])
        if curves:
            s.figures.append(
                Figure(
                    figures.curves(list(series.items()), "epoch"),
                    "Training per epoch; early stopping keeps the epoch with the best held-out NDCG@10.",
                    wide=True,
                )
            )
    training_stops(t, s)
    id_schemes(t, s)
    generative(t, s)


def training_stops(t: OutputTables, s: Section) -> None:
    """Epochs to best and what ended each model's training: patience, or the epoch cap (then it may be unfinished)."""
    if not t.has("recommenders"):
        return
    rows = t.rows("select * from {recommenders} order by model, model_id")
    if not rows:
        return
    s.tables.append(
        Table(
            "Training: epochs to the best held-out NDCG@10, and what stopped it",
            ["model", "registry entry", "best epoch", "epochs run", "stopped by", "held-out NDCG@10", "seconds"],
            [
                [
                    r["model"],
                    r["model_id"],
                    count(r["best_epoch"]),
                    count(r["epochs_run"]),
                    show(r["stopped_by"]),
                    number(r["holdout_ndcg_at_10"], 4),
                    number(r["train_seconds"], 0),
                ]
                for r in rows
            ],
        )
    )
    capped = [r["model"] for r in rows if r["stopped_by"] == "epoch_cap"]
    if capped:
        s.facts.append(("stopped by the epoch cap (raise rec_epochs)", ", ".join(sorted(set(capped)))))


def id_schemes(t: OutputTables, s: Section) -> None:
    """sid_variant_metrics: each ID scheme's quality and its sid_sasrec's scores (first seed, with intervals)."""
    if not t.has("sid_variant_metrics"):
        return
    rows = t.rows(
        "select * from {sid_variant_metrics} qualify seed = min(seed) over (partition by variant) "
        "order by variant = 'build' desc, variant, protocol desc"
    )
    if not rows:
        return
    s.tables.append(
        Table(
            "ID schemes (rec_sid_variants): the IDs' quality and sid_sasrec on them (first seed, 95% intervals)",
            [
                "scheme",
                "protocol",
                "unique code share",
                "perplexity per level",
                "Hit@10",
                "NDCG@10",
                "MRR",
                "held-out NDCG@10",
                "training s (quantizer / model)",
            ],
            [
                [
                    r["variant"],
                    r["protocol"],
                    number(r["unique_share_codes"], 3),
                    " / ".join(number(p, 0) for p in r["perplexity_per_level"] or [None]),
                    *(interval(r[c], r[f"{c}_low"], r[f"{c}_high"]) for c in ("hit_at_10", "ndcg_at_10", "mrr")),
                    number(r["holdout_ndcg_at_10"], 4),
                    f"{number(r['quantizer_train_seconds'], 0)} / {number(r['rec_train_seconds'], 0)}",
                ]
                for r in rows
            ],
        )
    )


def generative(t: OutputTables, s: Section) -> None:
    """Protocol generative (rec_protocols): each model's list of rec_beam_width items (its metrics truncated there;
    first seed, with intervals), and rec_beam_agreement: the beam's list against the model's exact top 10."""
    rows = []
    if t.has("rec_metrics"):
        rows = t.rows(
            "select * from {rec_metrics} where protocol = 'generative' "
            "qualify seed = min(seed) over (partition by model) order by model"
        )
    if not rows:
        s.facts.append(("generative ranking (add generative to rec_protocols, e.g. eval --protocol all)", "not built"))
        return
    by = {(r["model"], r["metric"]): r for r in rows}
    s.tables.append(
        Table(
            "Generative ranking: each model's generated list (sid_sasrec by beam search, the item-ID models their "
            "exact top K), metrics truncated at the list's length (first seed, 95% intervals)",
            ["model", "users", *GENERATIVE_METRICS],
            [
                [m, count(by.get((m, "hit@10"), {}).get("n_users"))]
                + [interval(*_triple(by.get((m, k)))) for k in GENERATIVE_METRICS]
                for m in dict.fromkeys(r["model"] for r in rows)
            ],
        )
    )
    agreement = t.rows("select * from {rec_beam_agreement} order by model, seed") if t.has("rec_beam_agreement") else []
    if agreement:
        s.tables.append(
            Table(
                "Beam search against exhaustive scoring of the same model (generative users): the share of the exact "
                "top 10 the beam's list holds, how often its first item is the exact first, and users per second",
                [
                    "model",
                    "seed",
                    "beam width",
                    "users",
                    "top-10 recall",
                    "first-item match",
                    "users/s beam",
                    "users/s exhaustive",
                ],
                [
                    [
                        r["model"],
                        show(r["seed"]),
                        count(r["beam_width"]),
                        count(r["n_users"]),
                        number(r["top10_recall"]),
                        number(r["top1_match"]),
                        number(r["beam_users_per_second"], 0),
                        number(r["exhaustive_users_per_second"], 0),
                    ]
                    for r in agreement
                ],
            )
        )


def across_seeds(t: OutputTables, s: Section) -> None:
    """Models trained with several seeds (rec_seeds > 1): mean ± sample std over seeds, and each seed's value."""
    rows = t.rows(
        "select model, protocol, metric, n_seeds, seed_mean, seed_std, list(value order by seed) as per_seed "
        "from {rec_metrics} where n_seeds > 1 and metric in ('hit@10', 'ndcg@10', 'mrr') "
        "group by all order by protocol desc, model, metric"
    )
    if not rows:
        return
    s.tables.append(
        Table(
            "Across training seeds (mean ± sample standard deviation; each seed's value)",
            ["model", "protocol", "metric", "seeds", "mean ± std", "per seed"],
            [
                [
                    r["model"],
                    r["protocol"],
                    r["metric"],
                    str(r["n_seeds"]),
                    f"{number(r['seed_mean'], 3)} ± {number(r['seed_std'], 3)}",
                    ", ".join(number(v, 3) for v in r["per_seed"]),
                ]
                for r in rows
            ],
        )
    )


def _protocol_rank(protocol: str) -> int:
    return PROTOCOL_ORDER.index(protocol) if protocol in PROTOCOL_ORDER else len(PROTOCOL_ORDER)


def _triple(row: dict | None) -> tuple[Any, Any, Any]:
    row = row or {}
    return row.get("value"), row.get("ci_low"), row.get("ci_high")
