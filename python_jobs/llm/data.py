"""The fine-tuning records: stage 4's finetune/train.jsonl, split into training and model-selection records.

Stage 4 builds train.jsonl from the train users' sequences and the catalogue only, so every record here is a
train user's (or an item's) conversation; the records carry no user id, so the selection slice is a seeded hash
slice of the records. val.jsonl (whose targets are stage 5's val targets) and heldout.jsonl (ID recall) are never
read for training or selection.

Each record becomes TRL's conversational prompt-completion form: prompt = the system and user messages,
completion = the assistant message, so the loss falls on the assistant tokens only.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any


def read_records(path: Path) -> list[dict[str, Any]]:
    """The records of a stage-4 jsonl file; a line that is not a conversation ending with the assistant's answer
    is an error naming the line (stage 4's contract, not something to drop silently)."""
    records = []
    with Path(path).open() as handle:
        for number, line in enumerate(handle, 1):
            record = json.loads(line)
            messages = record.get("messages") or []
            if len(messages) < 2 or messages[-1].get("role") != "assistant":
                raise ValueError(f"{path}:{number}: not a conversation ending with an assistant message")
            records.append(record)
    return records


def _rank(record: dict[str, Any], seed: int) -> str:
    text = json.dumps(record["messages"], sort_keys=True)
    return hashlib.md5(f"{seed}:{text}".encode()).hexdigest()


def split_records(
    records: list[dict[str, Any]], selection: int, max_records: int, seed: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(training, selection): records in a seeded hash order; the first `selection` are held out for model
    selection, then at most `max_records` (0 = all) are trained on."""
    ordered = sorted(records, key=lambda r: _rank(r, seed))
    held_out, rest = ordered[:selection], ordered[selection:]
    return (rest[:max_records] if max_records else rest), held_out


def as_prompt_completion(record: dict[str, Any]) -> dict[str, Any]:
    messages = record["messages"]
    return {"prompt": messages[:-1], "completion": messages[-1:]}


def data_fingerprint(path: Path) -> str:
    """Content hash of train.jsonl (part of the registry key: other data, another model)."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
