"""Stage 2's sections: text cleaning (lengths and quality issues before and after, calls) and metadata."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from python_jobs.report import figures
from python_jobs.report.formatting import count, number, percent, scaled, share, total
from python_jobs.report.model import Figure, Section, Table
from python_jobs.report.tables import OutputTables

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
                        percent(r["total_reduction_pct"], 1),
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
            ("failed answers", count(total(r["failed"] for r in calls))),
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
    coverage = t.table("enrich_metadata_coverage", order_by="field_order") if t.has("enrich_metadata_coverage") else []
    if coverage:
        s.figures.append(
            Figure(
                figures.hbar(
                    [r["field"] for r in coverage],
                    [scaled(r["coverage"], 100) for r in coverage],
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
        order = [r["field"] for r in coverage] or sorted({r["field"] for r in values})
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
