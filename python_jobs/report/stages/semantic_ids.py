"""Stage 3's section: quantizer training, code usage, collisions, uniqueness, the ID ledger."""

from __future__ import annotations

from collections import defaultdict

from python_jobs.report import figures
from python_jobs.report.formatting import count, number, scaled, share
from python_jobs.report.model import Figure, Section, Table
from python_jobs.report.tables import OutputTables

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


def quantizer_and_ids(t: OutputTables, s: Section) -> None:
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
    usage = t.table("sid_level_usage", order_by="level") if t.has("sid_level_usage") else []
    if usage and t.has("semantic_ids"):
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
    if usage:
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
            left.bar(
                [str(r["group_size"]) for r in groups],
                figures.bar_lengths(r["n_items"] for r in groups),
                color=figures.PALETTE[0],
            )
            left.set(title="Items by size of their 3-code group", xlabel="items sharing the 3 codes", ylabel="items")
            right.bar(
                [str(r["sid_3"]) for r in fourth],
                figures.bar_lengths(r["n_items"] for r in fourth),
                color=figures.PALETTE[1],
            )
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
                    [scaled(model["unique_share_before_collision_policy"], 100), scaled(model["unique_share"], 100)],
                    "Items whose ID is unique",
                    "% of items",
                    fmt="{:.2f}%",
                    xmax=100,
                ),
                "Raw: the quantizer's 3 codes alone; final: the Semantic ID the pipeline assigns.",
            )
        )
