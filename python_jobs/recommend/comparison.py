"""The side-by-side text table `python -m python_jobs eval` prints, read from rec_metrics / rec_metrics_breakdown."""

from __future__ import annotations

import pyarrow as pa

from python_jobs.recommend.cases import PROTOCOLS


def comparison_text(metrics: pa.Table, breakdown: pa.Table | None = None) -> str:
    """Models as rows, both protocols side by side (value [95% interval] for Hit@10)."""
    rows = metrics.to_pylist()
    value = {(r["model"], r["protocol"], r["metric"]): r for r in rows}
    models = list(dict.fromkeys(r["model"] for r in rows))
    protocols = [p for p in PROTOCOLS if any(r["protocol"] == p for r in rows)]
    cold = {}
    if breakdown is not None:
        for r in breakdown.to_pylist():
            if r["breakdown"] == "cold_start" and r["bin"] == "cold" and r["metric"] == "hit@10":
                cold[(r["model"], r["protocol"])] = r
    cols = [
        ("hit@1", "H@1"),
        ("hit@10", "H@10 [95% CI]"),
        ("ndcg@10", "N@10"),
        ("mrr", "MRR"),
        ("median_rank", "med.rank"),
    ]

    def cell(model: str, protocol: str, metric: str) -> str:
        r = value.get((model, protocol, metric))
        if r is None or r["value"] is None:
            return "-"
        if metric == "hit@10":
            return f"{r['value']:.3f} [{r['ci_low']:.3f},{r['ci_high']:.3f}]"
        return f"{r['value']:.0f}" if metric == "median_rank" else f"{r['value']:.3f}"

    header = (
        ["model"] + [f"{p}:{label}" for p in protocols for _, label in cols] + [f"{p}:cold H@10 (n)" for p in protocols]
    )
    table = []
    for m in models:
        line = [m] + [cell(m, p, metric) for p in protocols for metric, _ in cols]
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
    return "\n".join([fmt(header), fmt(["-" * w for w in widths]), *map(fmt, table), f"({notes})"])
