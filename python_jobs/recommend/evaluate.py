"""Evaluation of every model on the val users' last item, under two protocols, with breakdowns.

sampled (the original's NB09/NB10 protocol): each val sequence is cut to its last rec_eval_max_items (50) items;
    input = all but the last, target = the last; candidates = the target + rec_eval_negatives (1,000) items drawn
    uniformly without replacement from the val users' item pool minus the target (numpy seed rec_eval_seed = 42,
    users in user_id order). The user's history is not excluded. Every model ranks the same candidates.
full: the same target after the whole history (a model reads its last rec_max_len items), ranked against every
    catalogue item. The history is not excluded unless rec_exclude_history / --exclude-history.
Both: rank = 1 + number of candidates scored strictly higher than the target.

Tables (python_jobs.recommend.dbt_models writes them through dbt; `python -m python_jobs eval` directly):
    cases    protocol, user_id, history, target, negatives, sequence_length, target_train_count, cold_start
    ranks    model, model_id, protocol, user_id, target, rank, n_candidates, sequence_length, target_train_count,
             cold_start
    metrics  model, protocol, metric, value, ci_low, ci_high, n_users                       (rec_metrics)
    breakdown model, protocol, breakdown, bin, bin_order, metric, value, ci_low, ci_high, n_users
                                                                                  (rec_metrics_breakdown)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import torch

from python_jobs.recommend.baselines import reference_ranks
from python_jobs.recommend.data import Catalogue, Sequences
from python_jobs.recommend.metrics import summarize
from python_jobs.recommend.settings import NEURAL_MODELS, REFERENCE_MODELS, RecommendSettings
from python_jobs.recommend.train import NotTrained, TrainingData, get_or_train, score_histories

PROTOCOLS = ("sampled", "full")

# breakdown -> (case column, bins as (label, low, high inclusive))
POPULARITY_BINS = [("0 (cold)", 0, 0), ("1-4", 1, 4), ("5-19", 5, 19), ("20-99", 20, 99), ("100+", 100, None)]
LENGTH_BINS = [("3-4", 0, 4), ("5-9", 5, 9), ("10-19", 10, 19), ("20-49", 20, 49), ("50+", 50, None)]
BREAKDOWNS = {
    "target_popularity": ("target_train_count", POPULARITY_BINS),
    "history_length": ("sequence_length", LENGTH_BINS),
}

RANK_SCHEMA = pa.schema(
    [
        ("model", pa.string()),
        ("model_id", pa.string()),
        ("protocol", pa.string()),
        ("user_id", pa.string()),
        ("target", pa.string()),
        ("rank", pa.int64()),
        ("n_candidates", pa.int64()),
        ("sequence_length", pa.int64()),
        ("target_train_count", pa.int64()),
        ("cold_start", pa.bool_()),
    ]
)


def build_cases(
    train: pa.Table, val: pa.Table, settings: RecommendSettings, protocols: Iterable[str] = PROTOCOLS
) -> pa.Table:
    """One row per (protocol, val user): what is shown, what is hidden, which negatives (sampled only)."""
    train_counts = Counter(a for seq in train.column("sequence").to_pylist() for a in seq)
    users = sorted(zip(val.column("user_id").to_pylist(), val.column("sequence").to_pylist()))
    users = [(u, s) for u, s in users if len(s) >= 2]
    pool = np.asarray(sorted({a for _, s in users for a in s}), dtype=object)
    rows: dict[str, list] = {
        k: []
        for k in (
            "protocol",
            "user_id",
            "history",
            "target",
            "negatives",
            "sequence_length",
            "target_train_count",
            "cold_start",
        )
    }

    def add(protocol: str, user: str, seq: list[str], negatives: list[str] | None) -> None:
        for key, value in (
            ("protocol", protocol),
            ("user_id", user),
            ("history", seq[:-1]),
            ("target", seq[-1]),
            ("negatives", negatives),
            ("sequence_length", len(seq)),
            ("target_train_count", train_counts[seq[-1]]),
            ("cold_start", train_counts[seq[-1]] == 0),
        ):
            rows[key].append(value)

    protocols = list(protocols)
    if "sampled" in protocols:
        rng = np.random.default_rng(settings.rec_eval_seed)  # one stream, users in user_id order
        for user, seq in users:
            cut = seq[-settings.rec_eval_max_items :]
            others = pool[pool != cut[-1]]
            negatives = rng.choice(others, size=min(settings.rec_eval_negatives, len(others)), replace=False)
            add("sampled", user, cut, [str(a) for a in negatives])
    if "full" in protocols:
        for user, seq in users:
            add("full", user, seq, None)
    schema = pa.schema(
        [
            ("protocol", pa.string()),
            ("user_id", pa.string()),
            ("history", pa.list_(pa.string())),
            ("target", pa.string()),
            ("negatives", pa.list_(pa.string())),
            ("sequence_length", pa.int64()),
            ("target_train_count", pa.int64()),
            ("cold_start", pa.bool_()),
        ]
    )
    return pa.table(rows, schema=schema)


def model_ranks(model, catalogue: Catalogue, cases: pa.Table, settings: RecommendSettings) -> pa.Table:
    """protocol, user_id, rank, n_candidates of a torch model (anything with .score(inputs) -> [B, N + 1])."""
    index = catalogue.index()
    out = {"protocol": [], "user_id": [], "rank": [], "n_candidates": []}
    device = next(model.parameters()).device.type
    for protocol in PROTOCOLS:
        part = cases.filter(pa.compute.equal(cases.column("protocol"), protocol))
        if not part.num_rows:
            continue
        histories = [np.asarray([index[a] for a in h], dtype=np.int64) for h in part.column("history").to_pylist()]
        targets = torch.tensor([index[a] for a in part.column("target").to_pylist()])
        negatives = part.column("negatives").to_pylist()
        exclude = protocol == "full" and settings.rec_exclude_history
        for start, scores in score_histories(model, histories, settings.rec_max_len, device):
            rows = range(start, start + len(scores))
            target_scores = scores.gather(1, targets[start : start + len(scores), None])
            if protocol == "sampled":
                width = max(len(negatives[r]) for r in rows)
                candidates = torch.zeros(len(scores), width, dtype=torch.long)  # 0 = padding, scored -inf
                for i, r in enumerate(rows):
                    candidates[i, : len(negatives[r])] = torch.tensor([index[a] for a in negatives[r]])
                higher = (scores.gather(1, candidates) > target_scores).sum(1)
                n_candidates = [1 + len(negatives[r]) for r in rows]
            else:
                if exclude:  # the user's own items cannot be recommended (the target keeps its score above)
                    for i, r in enumerate(rows):
                        scores[i, torch.from_numpy(histories[r])] = float("-inf")
                higher = (scores[:, 1:] > target_scores).sum(1)
                n_candidates = [
                    catalogue.n_items - (len(set(histories[r].tolist()) - {int(targets[r])}) if exclude else 0)
                    for r in rows
                ]
            out["protocol"] += [protocol] * len(scores)
            out["user_id"] += part.column("user_id").to_pylist()[start : start + len(scores)]
            out["rank"] += (1 + higher).tolist()
            out["n_candidates"] += n_candidates
    return pa.table(
        out,
        schema=pa.schema(
            [("protocol", pa.string()), ("user_id", pa.string()), ("rank", pa.int64()), ("n_candidates", pa.int64())]
        ),
    )


def _with_case_columns(ranks: pa.Table, model: str, model_id: str, cases: pa.Table) -> pa.Table:
    """Attach the case's target and breakdown attributes to (protocol, user_id, rank, n_candidates) rows."""
    key = {
        (p, u): i
        for i, (p, u) in enumerate(zip(cases.column("protocol").to_pylist(), cases.column("user_id").to_pylist()))
    }
    take = pa.array(
        [key[(p, u)] for p, u in zip(ranks.column("protocol").to_pylist(), ranks.column("user_id").to_pylist())],
        pa.int64(),
    )
    picked = cases.take(take)
    n = ranks.num_rows
    return pa.table(
        {
            "model": [model] * n,
            "model_id": [model_id] * n,
            "protocol": ranks.column("protocol"),
            "user_id": ranks.column("user_id"),
            "target": picked.column("target"),
            "rank": ranks.column("rank"),
            "n_candidates": ranks.column("n_candidates"),
            "sequence_length": picked.column("sequence_length"),
            "target_train_count": picked.column("target_train_count"),
            "cold_start": picked.column("cold_start"),
        },
        schema=RANK_SCHEMA,
    )


@dataclass
class Evaluation:
    ranks: pa.Table
    metrics: pa.Table
    breakdown: pa.Table
    models: dict[str, dict]  # model -> registry summary (neural models only)
    skipped: dict[str, str]  # model -> why it has no row


def reference_rank_rows(
    train: pa.Table, semantic_ids: pa.Table, cases: pa.Table, settings: RecommendSettings, models: Iterable[str]
) -> pa.Table:
    """The popularity / transition rows that `models` asks for, ranked in DuckDB SQL."""
    wanted = [m for m in models if m in REFERENCE_MODELS]
    if not wanted:
        return RANK_SCHEMA.empty_table()
    ref = reference_ranks(train, semantic_ids, cases, settings.rec_exclude_history)
    return pa.concat_tables(
        [
            _with_case_columns(
                ref.filter(pa.compute.equal(ref.column("model"), name)).drop_columns(["model"]), name, "sql", cases
            )
            for name in wanted
        ]
    )


def neural_rank_rows(
    train: pa.Table,
    semantic_ids: pa.Table,
    cases: pa.Table,
    settings: RecommendSettings,
    models: Iterable[str],
    *,
    train_missing: bool = True,
    progress: bool = False,
    log: Callable[[str], None] = lambda _: None,
) -> tuple[pa.Table, dict[str, dict], dict[str, str]]:
    """Train-or-load each requested torch model through the registry and rank every case with it."""
    catalogue = Catalogue.from_arrow(semantic_ids)
    data = TrainingData(catalogue, Sequences.from_arrow(train, catalogue))
    parts, summaries, skipped = [RANK_SCHEMA.empty_table()], {}, {}
    for name in [m for m in models if m in NEURAL_MODELS]:
        try:
            trained = get_or_train(name, data, settings, train=train_missing, progress=progress)
        except NotTrained as why:
            skipped[name] = str(why)
            log(f"skipped {name}: {why}")
            continue
        log(
            f"{name}: {'trained' if trained.trained_now else 'loaded'} {trained.model_id} "
            f"(best epoch {trained.summary['best_epoch']}, held-out NDCG@10 {trained.summary['holdout_ndcg@10']:.4f})"
        )
        summaries[name] = trained.summary
        parts.append(
            _with_case_columns(model_ranks(trained.model, catalogue, cases, settings), name, trained.model_id, cases)
        )
    return pa.concat_tables(parts), summaries, skipped


def order_ranks(ranks: pa.Table, models: Iterable[str]) -> pa.Table:
    """Rows in the order of `models`, then protocol (sampled first), then user_id."""
    position = {m: i for i, m in enumerate(models)}
    protocol = {p: i for i, p in enumerate(PROTOCOLS)}
    rows = list(
        zip(
            ranks.column("model").to_pylist(), ranks.column("protocol").to_pylist(), ranks.column("user_id").to_pylist()
        )
    )
    order = sorted(
        range(len(rows)), key=lambda i: (position.get(rows[i][0], len(position)), protocol[rows[i][1]], rows[i][2])
    )
    return ranks.take(pa.array(order, pa.int64()))


def evaluate(
    train: pa.Table,
    val: pa.Table,
    semantic_ids: pa.Table,
    settings: RecommendSettings,
    *,
    models: Iterable[str] | None = None,
    protocols: Iterable[str] = PROTOCOLS,
    train_missing: bool = True,
    progress: bool = False,
    log: Callable[[str], None] = lambda _: None,
) -> Evaluation:
    """Train-or-load every requested model, rank every case, and summarise."""
    models = list(models or settings.rec_models)
    cases = build_cases(train, val, settings, protocols)
    reference = reference_rank_rows(train, semantic_ids, cases, settings, models)
    neural, summaries, skipped = neural_rank_rows(
        train, semantic_ids, cases, settings, models, train_missing=train_missing, progress=progress, log=log
    )
    ranks = order_ranks(pa.concat_tables([reference, neural]), models)
    return Evaluation(ranks, metrics_table(ranks, settings), breakdown_table(ranks, settings), summaries, skipped)


def _groups(ranks: pa.Table) -> dict[tuple[str, str], dict[str, np.ndarray]]:
    """(model, protocol) -> columns as numpy arrays, in the ranks table's order."""
    cols = {
        c: np.asarray(ranks.column(c).to_pylist())
        for c in ("model", "protocol", "rank", "sequence_length", "target_train_count", "cold_start")
    }
    out = {}
    for key in dict.fromkeys(zip(cols["model"].tolist(), cols["protocol"].tolist())):
        mask = (cols["model"] == key[0]) & (cols["protocol"] == key[1])
        out[key] = {c: v[mask] for c, v in cols.items()}
    return out


METRIC_SCHEMA = pa.schema(
    [
        ("model", pa.string()),
        ("protocol", pa.string()),
        ("metric", pa.string()),
        ("value", pa.float64()),
        ("ci_low", pa.float64()),
        ("ci_high", pa.float64()),
        ("n_users", pa.int64()),
    ]
)
BREAKDOWN_SCHEMA = pa.schema(
    [
        ("model", pa.string()),
        ("protocol", pa.string()),
        ("breakdown", pa.string()),
        ("bin", pa.string()),
        ("bin_order", pa.int64()),
        ("metric", pa.string()),
        ("value", pa.float64()),
        ("ci_low", pa.float64()),
        ("ci_high", pa.float64()),
        ("n_users", pa.int64()),
    ]
)


def metrics_table(ranks: pa.Table, settings: RecommendSettings) -> pa.Table:
    rows = [
        {"model": m, "protocol": p, **row}
        for (m, p), g in _groups(ranks).items()
        for row in summarize(g["rank"], settings.rec_bootstrap_samples, settings.rec_eval_seed)
    ]
    return pa.Table.from_pylist(rows, schema=METRIC_SCHEMA)


def breakdown_table(ranks: pa.Table, settings: RecommendSettings) -> pa.Table:
    rows = []
    for (m, p), g in _groups(ranks).items():
        bins = [("cold_start", "cold", 0, g["cold_start"]), ("cold_start", "warm", 1, ~g["cold_start"])]
        for breakdown, (column, edges) in BREAKDOWNS.items():
            for order, (label, low, high) in enumerate(edges):
                value = g[column]
                bins.append((breakdown, label, order, (value >= low) & (value <= (np.inf if high is None else high))))
        for breakdown, label, order, mask in bins:
            for row in summarize(g["rank"][mask], settings.rec_bootstrap_samples, settings.rec_eval_seed):
                rows.append(
                    {"model": m, "protocol": p, "breakdown": breakdown, "bin": label, "bin_order": order, **row}
                )
    return pa.Table.from_pylist(rows, schema=BREAKDOWN_SCHEMA)


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
