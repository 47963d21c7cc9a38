"""The side-by-side text table `python -m python_jobs eval` prints, read from rec_metrics / rec_metrics_breakdown."""

from __future__ import annotations

import pyarrow as pa

from python_jobs.recommend.cases import PROTOCOLS

COLUMNS = [("hit@1", "H@1"), ("hit@10", "H@10"), ("ndcg@10", "N@10"), ("mrr", "MRR"), ("median_rank", "med.rank")]


def first_seed_rows(rows: list[dict]) -> list[dict]:
    """Each model's rows of its first seed (rec_seed): the ones with the intervals the one-seed table shows."""
    first = {}
    for r in rows:
        first[r["model"]] = min(first.get(r["model"], r["seed"]), r["seed"])
    return [r for r in rows if r["seed"] == first[r["model"]]]


def _number(metric: str, value: float) -> str:
    return f"{value:.0f}" if metric == "median_rank" else f"{value:.3f}"


def comparison_text(metrics: pa.Table, breakdown: pa.Table | None = None) -> str:
    """Models as rows, both protocols side by side. One seed: value, Hit@10 with its 95% interval; several: the
    mean over seeds, Hit@10 as mean ± std. A warning line when sampled cases had fewer negatives than asked."""
    all_rows = metrics.to_pylist()
    rows = first_seed_rows(all_rows)
    value = {(r["model"], r["protocol"], r["metric"]): r for r in rows}
    models = list(dict.fromkeys(r["model"] for r in rows))
    protocols = [p for p in PROTOCOLS if any(r["protocol"] == p for r in rows)]
    cold = {}
    if breakdown is not None:
        for r in first_seed_rows(breakdown.to_pylist()):
            if r["breakdown"] == "cold_start" and r["bin"] == "cold" and r["metric"] == "hit@10":
                cold[(r["model"], r["protocol"])] = r

    def cell(model: str, protocol: str, metric: str) -> str:
        r = value.get((model, protocol, metric))
        if r is None or r["value"] is None:
            return "-"
        if r["n_seeds"] > 1:
            mean = _number(metric, r["seed_mean"])
            return f"{mean}±{r['seed_std']:.3f}" if metric == "hit@10" else mean
        if metric == "hit@10":
            return f"{r['value']:.3f} [{r['ci_low']:.3f},{r['ci_high']:.3f}]"
        return _number(metric, r["value"])

    header = (
        ["model", "seeds"]
        + [f"{p}:{label}" for p in protocols for _, label in COLUMNS]
        + [f"{p}:cold H@10 (n)" for p in protocols]
    )
    table = []
    for m in models:
        n_seeds = max(r["n_seeds"] for r in rows if r["model"] == m)
        line = [m, str(n_seeds)] + [cell(m, p, metric) for p in protocols for metric, _ in COLUMNS]
        for p in protocols:
            c = cold.get((m, p))
            line.append("-" if not c or c["value"] is None else f"{c['value']:.3f} ({c['n_users']})")
        table.append(line)
    widths = [max(len(str(x)) for x in col) for col in zip(header, *table)]
    fmt = lambda r: "  ".join(str(x).ljust(w) for x, w in zip(r, widths))
    n_users = {
        p: next((r["n_users"] for r in rows if r["protocol"] == p and r["metric"] == "hit@10"), 0) for p in protocols
    }
    notes = "; ".join(f"{p}: {n_users[p]} val users" for p in protocols)
    if "generative" in protocols:
        notes += "; generative: metrics truncated at the beam width (a target outside the list is a miss)"
    if any(r["n_seeds"] > 1 for r in rows):
        notes += "; several seeds: mean over seeds, H@10 mean±std (sample std); intervals per seed in rec_metrics"
    lines = [fmt(header), fmt(["-" * w for w in widths]), *map(fmt, table), f"({notes})"]
    short = max((r["n_short_cases"] for r in rows if r["protocol"] == "sampled"), default=0)
    if short:
        lines.append(
            f"warning: {short} of {n_users['sampled']} sampled cases have fewer negatives than rec_eval_negatives "
            "asks (the val users' item pool minus the target is smaller): not the original's 1,000-negative protocol"
        )
    return "\n".join(lines)
