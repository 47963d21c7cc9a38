"""Stage 6's evaluation of a fine-tuned LLM: one row per case, which the SQL of models/06_generate aggregates.

Tasks (column `task`):
  next_item     per val user (the first llm_eval_users by user_id; history = every item but the last, as stage 5's
                `full`/`generative` cases): the <|rec|> prompt over the last ft_max_history IDs -> constrained beam
                search of rec_beam_width -> `rank` of the hidden last item (1-based; null = not in the beam, so
                metrics are truncated at the beam width).
  title_to_sid  per held-out item (stage 4's `heldout` split, never trained on): its title_to_sid prompt ->
                constrained beam top 1 -> `levels_correct`, the number of leading codes equal to the item's
                (accuracy of level 1, 1-2, 1-3, full ID = share with levels_correct >= 1, 2, 3, 4).
  sid_to_title  per held-out item: its sid_to_title prompt -> free greedy text -> `exact` (equal after normalising:
                lower case, only letters and digits, single spaces) and `token_f1` (SQuAD-style bag-of-words F1
                on the normalised tokens).
  free_rec      per val user of next_item: the same prompt, free greedy generation (no constraint) -> `valid`:
                the answer starts with a complete ID of an existing item (the invalid-ID rate is 1 - mean).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from python_jobs.llm.finetuned import ItemTable
from python_jobs.llm.generate import beam_ids, generate_text, rec_prompt
from python_jobs.llm.vocab import SID_END, parse_sids

CASE_COLUMNS = (
    "model_id",
    "task",
    "case_id",
    "prompt",
    "expected",
    "generated",
    "generated_titles",
    "rank",
    "levels_correct",
    "exact",
    "token_f1",
    "valid",
)


def normalise(text: str) -> str:
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text.lower()).split())


def token_f1(predicted: str, expected: str) -> float:
    got, want = normalise(predicted).split(), normalise(expected).split()
    common = sum((Counter(got) & Counter(want)).values())
    if not got or not want or common == 0:
        return 0.0
    precision, recall = common / len(got), common / len(want)
    return 2 * precision * recall / (precision + recall)


def leading_matches(predicted: tuple[int, ...], expected: tuple[int, ...]) -> int:
    n = 0
    for a, b in zip(predicted, expected):
        if a != b:
            break
        n += 1
    return n


def _row(**values: Any) -> dict[str, Any]:
    return {name: values.get(name) for name in CASE_COLUMNS}


def next_item_rows(
    model: Any,
    tokenizer: Any,
    items: ItemTable,
    cases: list[dict],
    system: str,
    separator: str,
    max_history: int,
    width: int,
    model_id: str,
    progress: bool,
) -> list[dict]:
    """cases: {user_id, history: [asin], target: asin}; histories shown as their Semantic IDs."""
    import torch

    from python_jobs.recommend.generative import list_ranks

    row_of_asin = {a: i for i, a in enumerate(items.asins)}
    prompts = [rec_prompt([items.sid(row_of_asin[a]) for a in c["history"]], separator, max_history) for c in cases]
    top = beam_ids(model, tokenizer, items.trie(), system, prompts, width, progress=progress)
    targets = torch.tensor([row_of_asin[c["target"]] for c in cases], dtype=torch.long)
    # the project's rank rule within the list (ties count half; None = not in the list), as stage 5's generative
    ranks = list_ranks(top, targets) if cases else []
    rows = []
    for case, prompt, listed, rank in zip(cases, prompts, top.items.tolist(), ranks):
        listed = [r for r in listed if r >= 0][:10]
        rows.append(
            _row(
                model_id=model_id,
                task="next_item",
                case_id=case["user_id"],
                prompt=prompt,
                expected=items.sid(row_of_asin[case["target"]]),
                generated=", ".join(items.sid(r) for r in listed),
                generated_titles=" | ".join(items.titles[r] for r in listed),
                rank=rank,
            )
        )
    return rows


def free_rec_rows(
    model: Any,
    tokenizer: Any,
    items: ItemTable,
    prompts: list[tuple[str, str]],
    system: str,
    max_new_tokens: int,
    model_id: str,
) -> list[dict]:
    """prompts: (case_id, prompt); valid = the answer's first ID is complete and exists."""
    known = items.row_of_codes()
    positions = items.codes.shape[1]
    answers = generate_text(model, tokenizer, system, [p for _, p in prompts], max_new_tokens, stop=(SID_END,))
    rows = []
    for (case_id, prompt), answer in zip(prompts, answers):
        found = parse_sids(answer, positions, items.codebook_size)
        first_is_id = answer.startswith("<|sid_start|>") and bool(found) and answer.find("<|sid_end|>") > 0
        valid = first_is_id and found[0] in known
        rows.append(
            _row(model_id=model_id, task="free_rec", case_id=case_id, prompt=prompt, generated=answer, valid=valid)
        )
    return rows


def heldout_rows(
    model: Any,
    tokenizer: Any,
    items: ItemTable,
    records: list[dict],
    width: int,
    max_new_tokens: int,
    model_id: str,
    progress: bool,
) -> list[dict]:
    """ID recall on stage 4's heldout records (tasks title_to_sid and sid_to_title)."""
    positions = items.codes.shape[1]
    rows = []
    to_sid = [r for r in records if r["task"] == "title_to_sid"]
    if to_sid:
        system = to_sid[0]["messages"][0]["content"] if to_sid[0]["messages"][0]["role"] == "system" else ""
        prompts = [r["messages"][-2]["content"] for r in to_sid]
        ranked = beam_ids(model, tokenizer, items.trie(), system, prompts, width, progress=progress).items
        for record, prompt, top in zip(to_sid, prompts, ranked[:, 0].tolist()):
            expected = record["messages"][-1]["content"]
            want = parse_sids(expected, positions, items.codebook_size)[0]
            got = tuple(int(c) for c in items.codes[top]) if top >= 0 else ()
            rows.append(
                _row(
                    model_id=model_id,
                    task="title_to_sid",
                    case_id=expected,
                    prompt=prompt,
                    expected=expected,
                    generated=items.sid(top) if top >= 0 else "",
                    generated_titles=items.titles[top] if top >= 0 else "",
                    levels_correct=leading_matches(got, want),
                )
            )
    to_title = [r for r in records if r["task"] == "sid_to_title"]
    if to_title:
        system = to_title[0]["messages"][0]["content"] if to_title[0]["messages"][0]["role"] == "system" else ""
        prompts = [r["messages"][-2]["content"] for r in to_title]
        answers = generate_text(model, tokenizer, system, prompts, max_new_tokens)
        for record, prompt, answer in zip(to_title, prompts, answers):
            expected = record["messages"][-1]["content"]
            rows.append(
                _row(
                    model_id=model_id,
                    task="sid_to_title",
                    case_id=prompt,
                    prompt=prompt,
                    expected=expected,
                    generated=answer,
                    exact=normalise(answer) == normalise(expected),
                    token_f1=token_f1(answer, expected),
                )
            )
    return rows


def read_heldout(path: Path, limit: int) -> list[dict]:
    """The heldout records of tasks title_to_sid / sid_to_title, at most `limit` items each (0 = all)."""
    records = [json.loads(line) for line in Path(path).read_text().splitlines() if line]
    chosen = []
    for task in ("title_to_sid", "sid_to_title"):
        of_task = [r for r in records if r["task"] == task]
        chosen += of_task[:limit] if limit else of_task
    return chosen


def evaluate(
    s: Any,
    entry: Path,
    sequences_val: list[dict],
    data_dir: Path,
    log: Callable[[str], None] = print,
    progress: bool = False,
) -> list[dict]:
    """Every case row of the fine-tuned model in `entry` (see the module docstring)."""
    from python_jobs.common.device import resolve_device
    from python_jobs.llm.finetuned import load_finetuned

    out = s.paths(data_dir).out_dir
    items = ItemTable.from_outputs(out, s.sid_codebook_size)
    model, tokenizer = load_finetuned(entry, resolve_device(s.llm_device))
    system = s.ft_system_prompt
    cases = sorted(
        (
            {"user_id": u["user_id"], "history": list(u["sequence"][:-1]), "target": u["sequence"][-1]}
            for u in sequences_val
            if len(u["sequence"]) >= 2
        ),
        key=lambda c: c["user_id"],
    )
    cases = cases[: s.llm_eval_users] if s.llm_eval_users else cases
    log(f"llm eval: {len(cases)} val users, beam {s.rec_beam_width}")
    rows = next_item_rows(
        model,
        tokenizer,
        items,
        cases,
        system,
        s.ft_sid_separator,
        s.ft_max_history,
        s.rec_beam_width,
        entry.name,
        progress,
    )
    rows += free_rec_rows(
        model, tokenizer, items, [(r["case_id"], r["prompt"]) for r in rows], system, s.llm_max_new_tokens, entry.name
    )
    heldout = read_heldout(out / "finetune" / "heldout.jsonl", s.llm_recall_items)
    log(f"llm eval: {len(heldout)} held-out ID-recall records")
    rows += heldout_rows(model, tokenizer, items, heldout, s.rec_beam_width, s.llm_max_new_tokens, entry.name, progress)
    return rows
