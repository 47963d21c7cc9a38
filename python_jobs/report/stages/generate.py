"""Stage 6's section: the fine-tuned LLM's scores beside stage 5's generative rows, and a few real conversations."""

from __future__ import annotations

from python_jobs.report.formatting import count, interval, number, show
from python_jobs.report.model import Section, Table
from python_jobs.report.tables import OutputTables


def llm(t: OutputTables, s: Section) -> None:
    if t.has("llm_metrics"):
        rows = t.rows("select * from {llm_metrics} order by task, model = 'llm' desc, model, metric")
        if not rows:
            s.facts.append(("fine-tuned LLM", "none evaluated (llm_evaluate false)"))
        s.tables.append(
            Table(
                "LLM metrics (next_item: generative protocol on the same val users, truncated at the beam)",
                ["task", "model", "metric", "value [95% interval]", "cases"],
                [
                    [
                        r["task"],
                        r["model"],
                        r["metric"],
                        interval(r["value"], r["ci_low"], r["ci_high"]),
                        count(r["n_cases"]),
                    ]
                    for r in rows
                ],
            )
        )
        for r in rows:
            if r["model"] == "llm" and (r["task"], r["metric"]) in {
                ("next_item", "hit@10"),
                ("title_to_sid", "full_id_accuracy"),
            }:
                s.facts.append((f"LLM {r['metric']}", number(r["value"], 3)))
    if t.has("llm_conversations"):
        rows = t.rows("select * from {llm_conversations} order by task, rank nulls last, case_id")
        s.tables.append(
            Table(
                "Real conversations (prompt, generated IDs, their titles)",
                ["task", "prompt", "expected", "generated", "titles", "rank"],
                [
                    [
                        *(show(r[k]) for k in ("task", "prompt", "expected", "generated", "generated_titles")),
                        number(r["rank"], 1),
                    ]
                    for r in rows
                ],
            )
        )
