"""The report's sections, in pipeline order: each reads its tables and returns figures, tables and key facts.

A section whose tables are all missing is "not built yet" and names the command that builds it; one with some
tables missing shows what it has and lists the rest. Nothing here computes a new result: figures and tables show
the pipeline's own tables (grouped or binned for display at most).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from python_jobs.report import figures
from python_jobs.report.tables import OutputTables


@dataclass
class Figure:
    image: figures.Image
    caption: str
    wide: bool = False  # spans the page (multi-panel figures)


@dataclass
class Table:
    caption: str
    columns: list[str]
    rows: list[list[str]]

    @property
    def numeric(self) -> list[bool]:
        """Per column: every cell is a number (right-aligned)."""
        return [all(NUMERIC.match(str(row[i])) for row in self.rows) for i in range(len(self.columns))]


NUMERIC = re.compile(r"^[\d\s.,%\[\]–+-]*$")


@dataclass
class Section:
    key: str
    title: str
    stage: str
    summary: str
    tables_used: tuple[str, ...]
    command: str
    missing: list[str] = field(default_factory=list)
    facts: list[tuple[str, str]] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)

    @property
    def built(self) -> bool:
        return len(self.missing) < len(self.tables_used)


# ---------------------------------------------------------------------------------------------------- formatting


def count(value: Any) -> str:
    return "–" if value is None else f"{int(value):,}"


def share(value: Any, digits: int = 1) -> str:
    return "–" if value is None else f"{100 * float(value):.{digits}f}%"


def number(value: Any, digits: int = 3) -> str:
    return "–" if value is None else f"{float(value):,.{digits}f}"


def interval(value: Any, low: Any, high: Any, digits: int = 3) -> str:
    if value is None:
        return "–"
    if low is None or high is None:
        return number(value, digits)
    return f"{float(value):.{digits}f} [{float(low):.{digits}f}, {float(high):.{digits}f}]"


# ---------------------------------------------------------------------------------------------------- sections


def data_preparation(t: OutputTables, s: Section) -> None:
    if t.has("prep_step_counts"):
        steps = t.table("prep_step_counts", order_by="stage, step_order")
        for stage, color in (("items", figures.PALETTE[0]), ("sequences", figures.PALETTE[1])):
            rows = [r for r in steps if r["stage"] == stage]
            if rows:
                s.figures.append(
                    Figure(
                        figures.hbar(
                            [r["step"] for r in rows],
                            [r["rows_out"] for r in rows],
                            f"{stage.capitalize()}: rows after each step",
                            "rows",
                            colors=[color],
                        ),
                        f"What each filter of stage 1 leaves ({stage}).",
                    )
                )
        s.tables.append(
            Table(
                "Rows per step",
                ["stage", "step", "rows out", "removed", "% removed"],
                [
                    [
                        r["stage"],
                        r["step"],
                        count(r["rows_out"]),
                        count(r["rows_removed"]),
                        "–" if r["pct_removed"] is None else f"{r['pct_removed']:.2f}",
                    ]
                    for r in steps
                ],
            )
        )
    if t.has("prep_sequence_length_distribution"):
        dist = t.table("prep_sequence_length_distribution", order_by="sequence_length")
        s.figures.append(
            Figure(
                figures.length_distribution(
                    [r["sequence_length"] for r in dist],
                    [r["sequences"] for r in dist],
                    [r["cumulative_pct"] for r in dist],
                ),
                "Sequences per length (bars) and the cumulative share of sequences (line).",
            )
        )
    if t.has("prep_sequence_length_stats") and (stats := t.one("prep_sequence_length_stats")):
        s.facts += [
            ("sequences", count(stats["sequences"])),
            ("median length", number(stats["median_length"], 0)),
            ("p90 length", number(stats["p90_length"], 0)),
            ("truncated", count(stats["truncated_sequences"])),
        ]
    if t.has("prep_rejects"):
        rejects = t.rows(
            "select source, split_part(reason, ':', 1) as kind, count(*) as lines, min(line_number) as first_line "
            "from {prep_rejects} group by all order by lines desc, source, kind"
        )
        s.facts.append(("rejected lines", count(sum(r["lines"] for r in rejects))))
        if rejects:
            s.figures.append(
                Figure(
                    figures.hbar(
                        [f"{r['source']}: {r['kind']}" for r in rejects],
                        [r["lines"] for r in rejects],
                        "Rejected raw lines by reason",
                        "lines",
                        colors=[figures.PALETTE[0] if r["source"] == "meta" else figures.PALETTE[1] for r in rejects],
                    ),
                    "Lines that could not be used, kept in prep_rejects with the file's own line number.",
                )
            )
        s.tables.append(
            Table(
                "Rejects by reason (full texts and raw lines: prep_rejects)",
                ["source", "reason", "lines", "first line number"],
                [[r["source"], r["kind"], count(r["lines"]), count(r["first_line"])] for r in rejects]
                or [["–", "no rejected lines", "0", "–"]],
            )
        )


QUALITY_ISSUES = [
    "html_entities",
    "html_tags",
    "excess_whitespace",
    "all_caps",
    "promotional",
    "special_chars",
    "excess_punctuation",
    "many_parentheses",
    "truncated",
    "over_limit",
]


def text_cleaning(t: OutputTables, s: Section) -> None:
    if t.has("items_enriched"):
        lengths = t.rows(
            "select length(original_title) as title_before, length(title) as title_after, "
            "length(original_description_text) as description_before, length(description_text) as description_after "
            "from {items_enriched} order by parent_asin"
        )
        column = lambda name: [r[name] for r in lengths if r[name] is not None]
        s.figures.append(
            Figure(
                figures.histograms(
                    [
                        ("Titles", column("title_before"), column("title_after")),
                        ("Descriptions", column("description_before"), column("description_after")),
                    ],
                    "characters",
                ),
                "Length before (grey) and after (blue) cleaning; the last bin holds everything above the 99th "
                "percentile.",
                wide=True,
            )
        )
    if t.has("enrich_text_quality"):
        quality = t.table("enrich_text_quality", order_by="field, stage desc")
        by = {(r["field"], r["stage"]): r for r in quality}
        fields = sorted({r["field"] for r in quality}, reverse=True)
        issues = [i for i in QUALITY_ISSUES if any(by[(f, st)][i] for f in fields for st in ("before", "after"))]
        s.figures.append(
            Figure(
                _quality_figure(fields, issues, by),
                "Items showing each quality issue before (grey) and after (blue) cleaning.",
                wide=True,
            )
        )
    if t.has("enrich_char_reduction"):
        reduction = t.table("enrich_char_reduction", order_by="field desc")
        s.tables.append(
            Table(
                "Character reduction",
                [
                    "field",
                    "items",
                    "chars before",
                    "chars after",
                    "reduction",
                    "mean before",
                    "mean after",
                    "shortened",
                    "unchanged",
                    "expanded",
                ],
                [
                    [
                        r["field"],
                        count(r["items"]),
                        count(r["total_chars_before"]),
                        count(r["total_chars_after"]),
                        f"{r['total_reduction_pct']:.1f}%",
                        number(r["mean_chars_before"], 0),
                        number(r["mean_chars_after"], 0),
                        count(r["items_shortened"]),
                        count(r["items_unchanged"]),
                        count(r["items_expanded"]),
                    ]
                    for r in reduction
                ],
            )
        )
    if t.has("enrich_calls"):
        calls = t.table("enrich_calls", order_by="task_order")
        s.tables.append(
            Table(
                "Calls per task (this build)",
                [
                    "task",
                    "provider",
                    "prompt",
                    "items",
                    "distinct inputs",
                    "from cache",
                    "answered now",
                    "failed",
                    "attempts",
                ],
                [
                    [
                        r["task"],
                        r["providers"],
                        r["prompt_version"],
                        count(r["items"]),
                        count(r["distinct_inputs"]),
                        count(r["cached"]),
                        count(r["answered"]),
                        count(r["failed"]),
                        count(r["attempts"]),
                    ]
                    for r in calls
                ],
            )
        )
        s.facts += [
            ("provider", ", ".join(sorted({r["providers"] for r in calls}))),
            ("failed answers", count(sum(r["failed"] for r in calls))),
        ]


def _quality_figure(fields: Sequence[str], issues: Sequence[str], by: dict) -> figures.Image:
    import numpy as np

    with figures.canvas(ncols=len(fields), width=3.4 * len(fields), height=3.0) as (fig, axes):
        for ax, name in zip(np.atleast_1d(axes), fields):
            figures.grouped_bars(
                [i.replace("_", " ") for i in issues],
                {stage: [by[(name, stage)][i] for i in issues] for stage in ("before", "after")},
                name.capitalize() + "s",
                "items",
                ax=ax,
                colors={"before": figures.BEFORE, "after": figures.AFTER},
                rotate=True,
            )
        return figures.to_uri(fig)


def metadata(t: OutputTables, s: Section, top: int = 8) -> None:
    if t.has("enrich_metadata_coverage"):
        coverage = t.table("enrich_metadata_coverage", order_by="field_order")
        s.figures.append(
            Figure(
                figures.hbar(
                    [r["field"] for r in coverage],
                    [100 * r["coverage"] for r in coverage],
                    "Items with a value, per field",
                    "% of items",
                    fmt="{:.1f}%",
                    xmax=100,
                ),
                "Share of items for which the extractor found a value.",
            )
        )
        s.tables.append(
            Table(
                "Coverage per field",
                ["field", "items", "filled", "coverage", "distinct values"],
                [
                    [
                        r["field"],
                        count(r["items"]),
                        count(r["filled"]),
                        share(r["coverage"]),
                        count(r["distinct_values"]),
                    ]
                    for r in coverage
                ],
            )
        )
    if t.has("enrich_value_distribution"):
        values = t.rows(
            "select field, value, items, share from {enrich_value_distribution} where rank <= $top "
            "order by field, rank, value",
            top=top,
        )
        order = (
            [r["field"] for r in t.table("enrich_metadata_coverage", order_by="field_order")]
            if t.has("enrich_metadata_coverage")
            else sorted({r["field"] for r in values})
        )
        per_field = defaultdict(list)
        for r in values:
            per_field[r["field"]].append(r)
        panels = [
            (f, [r["value"] for r in per_field[f]], [r["items"] for r in per_field[f]], "items")
            for f in order
            if per_field[f]
        ]
        if panels:
            s.figures.append(
                Figure(
                    figures.bar_panels(panels, ncols=3),
                    f"The {top} most frequent values of each field (items).",
                    wide=True,
                )
            )


# (panel title, [(sid_training_metrics.metric, legend label)]); metrics a quantizer does not log are left out
TRAINING_PANELS = [
    (
        "Training loss",
        [("loss", "total"), ("recon", "reconstruction"), ("commitment", "commitment"), ("codebook", "codebook")],
    ),
    ("Held-out reconstruction", [("val_rel_recon", "relative error"), ("val_cosine", "cosine")]),
    ("Unique 3-code IDs (share of items)", [("all_unique_share", "eval")]),
    ("Perplexity per level (all items)", [(f"all_perplexity_level_{i}", f"level {i}") for i in range(3)]),
    ("Codes used per level (share of codebook)", [(f"all_usage_level_{i}", f"level {i}") for i in range(3)]),
]


def semantic_ids(t: OutputTables, s: Section) -> None:
    model = t.one("sid_model") if t.has("sid_model") else None
    if model:
        s.facts += [
            ("quantizer", model["quantizer"]),
            ("items", count(model["n_items"])),
            ("embedding dim", count(model["embedding_dim"])),
            ("unique 3-code IDs", share(model["unique_share_before_collision_policy"], 2)),
            ("unique final IDs", share(model["unique_share"], 2)),
            ("device", model["device"]),
        ]
    if t.has("sid_training_metrics"):
        metrics = t.table("sid_training_metrics", order_by="metric, step")
        by_metric: dict[str, tuple[list, list]] = defaultdict(lambda: ([], []))
        for r in metrics:
            by_metric[r["metric"]][0].append(r["step"])
            by_metric[r["metric"]][1].append(r["value"])
        selected = next((r["step"] for r in metrics if r["is_selected_step"]), None)
        panels = [
            (title, {label: by_metric[m] for m, label in series if m in by_metric}) for title, series in TRAINING_PANELS
        ]
        panels = [p for p in panels if p[1]]
        if panels:
            s.figures.append(
                Figure(
                    figures.curves(panels, "step", mark=selected),
                    "Quantizer training per step (loss: per batch; the rest: all items at each evaluation); the "
                    "dashed line marks the step whose weights were kept.",
                    wide=True,
                )
            )
    if t.has("semantic_ids", "sid_level_usage"):
        usage = t.table("sid_level_usage", order_by="level")
        per_code = t.rows(
            "select level, code, count(*) as items from ("
            " select 0 as level, sid_0 as code from {semantic_ids} union all"
            " select 1, sid_1 from {semantic_ids} union all select 2, sid_2 from {semantic_ids})"
            " group by all order by level, code"
        )
        levels: dict[int, list[int]] = defaultdict(list)
        for r in per_code:
            levels[r["level"]].append(r["items"])
        s.figures.append(
            Figure(
                figures.code_usage(
                    levels,
                    {r["level"]: r["codebook_size"] for r in usage},
                    {r["level"]: r["perplexity"] for r in usage},
                ),
                "How evenly items spread over each level's codebook (flat = even; perplexity = effective codes).",
            )
        )
    if t.has("sid_level_usage"):
        usage = t.table("sid_level_usage", order_by="level")
        spread = {r["level"]: r for r in t.table("sid_items_per_code")} if t.has("sid_items_per_code") else {}
        s.tables.append(
            Table(
                "Code usage per level",
                [
                    "level",
                    "codes used",
                    "codebook",
                    "usage",
                    "perplexity",
                    "entropy (bits)",
                    "items per code: mean",
                    "max",
                ],
                [
                    [
                        str(r["level"]),
                        count(r["codes_used"]),
                        count(r["codebook_size"]),
                        share(r["usage_share"]),
                        number(r["perplexity"], 1),
                        number(r["entropy_bits"], 2),
                        number(spread.get(r["level"], {}).get("mean_items"), 1),
                        count(spread.get(r["level"], {}).get("max_items")),
                    ]
                    for r in usage
                ],
            )
        )
    if t.has("sid_collision_groups", "sid_fourth_code_distribution"):
        groups = t.table("sid_collision_groups", order_by="group_size")
        fourth = t.table("sid_fourth_code_distribution", order_by="sid_3")
        with figures.canvas(ncols=2, width=7.2, height=2.8) as (fig, (left, right)):
            left.bar([str(r["group_size"]) for r in groups], [r["n_items"] for r in groups], color=figures.PALETTE[0])
            left.set(title="Items by size of their 3-code group", xlabel="items sharing the 3 codes", ylabel="items")
            right.bar([str(r["sid_3"]) for r in fourth], [r["n_items"] for r in fourth], color=figures.PALETTE[1])
            right.set(title="4th code (collision index)", xlabel="4th code", ylabel="items")
            s.figures.append(
                Figure(
                    figures.to_uri(fig),
                    "Group size 1 = the 3 codes alone identify the item; the 4th code "
                    "tells apart the items of a larger group.",
                    wide=True,
                )
            )
    if t.has("sid_uniqueness") and (u := t.one("sid_uniqueness")):
        s.tables.append(
            Table(
                "Uniqueness",
                [
                    "items",
                    "unique 3-code IDs",
                    "unique share (3 codes)",
                    "collision groups",
                    "items in collisions",
                    "largest group",
                    "unique share (with 4th code)",
                ],
                [
                    [
                        count(u["n_items"]),
                        count(u["n_unique_3code_ids"]),
                        share(u["unique_share_3code"], 2),
                        count(u["n_collision_groups"]),
                        count(u["n_items_in_collisions"]),
                        count(u["max_group_size"]),
                        share(u["unique_share_with_index"], 2),
                    ]
                ],
            )
        )
    if t.has("sid_assignment_changes"):
        changes = t.rows(
            "select status, count(*) as items, count(*) filter (where text_changed) as text_changed, "
            "count(*) filter (where id_changed) as id_changed, count(*) filter (where reuses_reserved_id) as reused "
            "from {sid_assignment_changes} group by status order by list_position(['kept', 'changed', 'added', "
            "'removed'], status)"
        )
        s.tables.append(
            Table(
                "IDs against the model's ID ledger before this build (sid_assignment_changes)",
                ["status", "items", "text changed", "ID changed", "took another item's reserved ID"],
                [
                    [
                        r["status"],
                        count(r["items"]),
                        count(r["text_changed"]),
                        count(r["id_changed"]),
                        count(r["reused"]),
                    ]
                    for r in changes
                ],
            )
        )
    if model:
        s.figures.append(
            Figure(
                figures.hbar(
                    ["raw (3 codes, before the collision policy)", "final (after the collision policy)"],
                    [100 * model["unique_share_before_collision_policy"], 100 * model["unique_share"]],
                    "Items whose ID is unique",
                    "% of items",
                    fmt="{:.2f}%",
                    xmax=100,
                ),
                "Raw: the quantizer's 3 codes alone; final: the Semantic ID the pipeline assigns.",
            )
        )


def finetuning(t: OutputTables, s: Section) -> None:
    if t.has("finetune_stats"):
        per_task = t.rows(
            "select split, type, task, records from {finetune_stats} where task <> '(all)' and type <> '(all)' "
            "and split <> '(all)' order by type, task, split"
        )
        tasks = list(dict.fromkeys(f"{r['type']}: {r['task']}" for r in per_task))
        splits = list(dict.fromkeys(r["split"] for r in per_task))
        by = {(f"{r['type']}: {r['task']}", r["split"]): r["records"] for r in per_task}
        if tasks:
            with figures.canvas(height=1.0 + 0.3 * len(tasks)) as (fig, ax):
                left = [0] * len(tasks)
                for i, split in enumerate(splits):
                    widths = [by.get((task, split), 0) for task in tasks]
                    ax.barh(range(len(tasks)), widths, left=left, label=split, color=figures.PALETTE[i])
                    left = [a + b for a, b in zip(left, widths)]
                ax.set_yticks(range(len(tasks)), tasks)
                ax.invert_yaxis()
                ax.grid(axis="y", visible=False)
                ax.grid(axis="x", visible=True)
                ax.set(title="Records per task and split", xlabel="records")
                ax.legend(ncols=len(splits))
                s.figures.append(Figure(figures.to_uri(fig), "Conversations written per task type and task."))
        totals = t.rows(
            "select split, type, records, rendered, duplicates_removed, dropped_heldout_item_text, "
            "repeats_of_train, mean_user_words, mean_assistant_words from {finetune_stats} "
            "where task = '(all)' order by split = '(all)', split, type = '(all)', type"
        )
        s.tables.append(
            Table(
                "Records per split and type",
                [
                    "split",
                    "type",
                    "records",
                    "rendered",
                    "duplicates removed",
                    "held-out text dropped",
                    "repeats of train",
                    "words per user msg",
                    "words per answer",
                ],
                [
                    [
                        r["split"],
                        r["type"],
                        count(r["records"]),
                        count(r["rendered"]),
                        count(r["duplicates_removed"]),
                        count(r["dropped_heldout_item_text"]),
                        count(r["repeats_of_train"]),
                        number(r["mean_user_words"], 1),
                        number(r["mean_assistant_words"], 1),
                    ]
                    for r in totals
                ],
            )
        )
        overall = [r for r in totals if r["split"] == "(all)" and r["type"] == "(all)"]
        if overall:
            s.facts.append(("records", count(overall[0]["records"])))
    if t.has("finetune_leak_check"):
        checks = t.table("finetune_leak_check", order_by="check_order")
        s.facts.append(("leak-check violations", count(sum(r["violations"] for r in checks))))
        s.tables.append(
            Table(
                "Leak checks (every violation count must be 0)",
                ["check", "what it counts", "checked", "violations"],
                [[r["check_name"], r["description"], count(r["checked"]), count(r["violations"])] for r in checks],
            )
        )


HEADLINE_METRICS = ["hit@10", "ndcg@10", "mrr"]


def recommenders(t: OutputTables, s: Section) -> None:
    if t.has("rec_metrics"):
        metrics = t.table("rec_metrics", order_by="protocol desc, model, metric")
        models = list(dict.fromkeys(r["model"] for r in metrics))
        protocols = sorted({r["protocol"] for r in metrics}, key=lambda p: p != "sampled")
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
                    if (m, p, "hit@10") in by
                ],
            )
        )
        best = max(
            (r for r in metrics if r["metric"] == "hit@10" and r["protocol"] == "full"),
            key=lambda r: r["value"],
            default=None,
        )
        if best:
            s.facts.append(("best Hit@10 (full ranking)", f"{best['model']} {best['value']:.3f}"))
    if t.has("rec_metrics_breakdown"):
        breakdown = t.rows(
            "select * from {rec_metrics_breakdown} where metric = 'hit@10' order by protocol desc, breakdown, "
            "bin_order, model"
        )
        titles = {
            "target_popularity": "by target popularity",
            "history_length": "by history length",
            "cold_start": "cold-start targets",
        }
        for protocol in sorted({r["protocol"] for r in breakdown}, key=lambda p: p != "sampled"):
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
                    panels.append((f"Hit@10 {title}", [f"{b}\n(n={users[b]:,})" for b in bins], series))
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
        for r in curves:
            for panel, column in (("training loss", "loss"), ("held-out NDCG@10", "holdout_ndcg_at_10")):
                x, y = series[panel].setdefault(r["model"], ([], []))
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


def _triple(row: dict | None) -> tuple[Any, Any, Any]:
    row = row or {}
    return row.get("value"), row.get("ci_low"), row.get("ci_high")


# ---------------------------------------------------------------------------------------------------- the list


@dataclass(frozen=True)
class SectionSpec:
    key: str
    title: str
    stage: str
    summary: str
    tables: tuple[str, ...]
    command: str  # {select} and {vars} are filled per category
    fill: Callable[[OutputTables, Section], None]


SECTIONS = [
    SectionSpec(
        "prepare",
        "Data preparation",
        "Stage 1 · notebook 01",
        "Raw meta and interaction lines become items and one sequence per user; every unusable line is kept with "
        "its reason.",
        ("prep_step_counts", "prep_sequence_length_distribution", "prep_sequence_length_stats", "prep_rejects"),
        "dbt build --select tag:stage_01{vars}",
        data_preparation,
    ),
    SectionSpec(
        "cleaning",
        "Text cleaning",
        "Stage 2 · notebooks 02-03",
        "Descriptions and titles cleaned by the enrichment provider; lengths and quality issues before and after.",
        ("items_enriched", "enrich_text_quality", "enrich_char_reduction", "enrich_calls"),
        "dbt build --select tag:stage_02{vars}",
        text_cleaning,
    ),
    SectionSpec(
        "metadata",
        "Metadata",
        "Stage 2 · notebooks 04-05",
        "Structured fields extracted from the cleaned text, categories, store and details.",
        ("enrich_metadata_coverage", "enrich_value_distribution"),
        "dbt build --select tag:stage_02{vars}",
        metadata,
    ),
    SectionSpec(
        "semantic-ids",
        "Embeddings and Semantic IDs",
        "Stage 3 · notebooks 06-07",
        "Item texts embedded, quantized into 3 codes, and made unique by a 4th code.",
        (
            "sid_model",
            "sid_training_metrics",
            "sid_level_usage",
            "sid_items_per_code",
            "semantic_ids",
            "sid_collision_groups",
            "sid_fourth_code_distribution",
            "sid_uniqueness",
        ),
        "dbt build --select tag:stage_03{vars}",
        semantic_ids,
    ),
    SectionSpec(
        "finetune",
        "Fine-tuning data",
        "Stage 4 · notebook 08",
        "Conversations that teach an LLM to read and write Semantic IDs, and the checks that no evaluation user or "
        "held-out item leaks into training.",
        ("finetune_stats", "finetune_leak_check"),
        "dbt build --select tag:stage_04{vars}",
        finetuning,
    ),
    SectionSpec(
        "recommenders",
        "Recommenders",
        "Stage 5 · notebooks 09-10",
        "Item-ID SASRec, Semantic-ID SASRec and simple baselines on the same validation users, under sampled "
        "(1 target + sampled negatives) and full ranking.",
        ("rec_metrics", "rec_metrics_breakdown", "rec_training_curves"),
        "dbt build --select tag:stage_05{vars}   (then: python -m python_jobs eval{category})",
        recommenders,
    ),
]


def build_sections(tables: OutputTables, category: str, default_category: str) -> list[Section]:
    vars_flag = "" if category == default_category else f" --vars '{{category: {category}}}'"
    category_flag = "" if category == default_category else f" --category {category}"
    sections = []
    for spec in SECTIONS:
        section = Section(
            key=spec.key,
            title=spec.title,
            stage=spec.stage,
            summary=spec.summary,
            tables_used=spec.tables,
            command=spec.command.format(vars=vars_flag, category=category_flag),
            missing=tables.missing(*spec.tables),
        )
        if section.built:
            spec.fill(tables, section)
        sections.append(section)
    return sections
