"""Stage 4's section: records per task and split, leak checks."""

from __future__ import annotations

from python_jobs.report import figures
from python_jobs.report.formatting import count, is_missing, number, total
from python_jobs.report.model import Figure, Section, Table
from python_jobs.report.tables import OutputTables


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
                    widths = [0 if is_missing(n := by.get((task, split))) else n for task in tasks]  # missing: no bar
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
        s.facts.append(("leak-check violations", count(total(r["violations"] for r in checks))))
        s.tables.append(
            Table(
                "Leak checks (every violation count must be 0)",
                ["check", "what it counts", "checked", "violations"],
                [[r["check_name"], r["description"], count(r["checked"]), count(r["violations"])] for r in checks],
            )
        )
