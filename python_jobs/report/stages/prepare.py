"""Stage 1's section: rows per step, sequence lengths, rejects."""

from __future__ import annotations

from python_jobs.report import figures
from python_jobs.report.formatting import MISSING, count, number, total
from python_jobs.report.model import Figure, Section, Table
from python_jobs.report.tables import OutputTables


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
                        number(r["pct_removed"], 2),
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
        s.facts.append(("rejected lines", count(total(r["lines"] for r in rejects))))
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
                or [[MISSING, "no rejected lines", "0", MISSING]],
            )
        )
