"""Issue 11: a catalogue refresh must not renumber the Semantic IDs an LLM was fine-tuned on.

The shared sample build is last month's build (sid_mode: fresh; it wrote the model's ID ledger). On a copy, the
raw catalogue is refreshed (100 new items, 10 changed descriptions, 5 items gone) and stages 1-3 are rebuilt
with the model pinned and `sid_mode: assign`: every untouched item keeps its byte-identical ID, the changed ones
keep theirs too (sid_changed_items: keep) and are listed, the new ones get IDs no one held, the removed ones'
IDs stay reserved. Costs one stage 1-3 build with cached embeddings and no training (about a minute).
"""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.dbt_helpers import REPO, DbtProject, copy_of

pytestmark = pytest.mark.e2e
RAW = REPO / "data" / "raw" / "sample"
N_ADDED, N_CHANGED, N_REMOVED = 100, 10, 5


def refresh_catalogue(dest: Path, items: list[str]) -> dict[str, list[str]]:
    """Write data/raw/sample's files into dest/sample with the catalogue refreshed; returns which asins were
    changed, removed and added. Only items that passed the filters and have one clean meta line are touched."""
    # bytes, split on \n only: the sample holds lines that are not UTF-8 or hold other line breaks, kept as they are
    lines = [line + b"\n" for line in gzip.decompress((RAW / "meta_sample.jsonl.gz").read_bytes()).split(b"\n")]
    lines[-1] = lines[-1][:-1]
    records: dict[str, list[int]] = {}
    for i, line in enumerate(lines):
        try:
            asin = json.loads(line).get("parent_asin")
        except (ValueError, AttributeError):
            continue
        records.setdefault(asin, []).append(i)
    single = [a for a in items if len(records.get(a, [])) == 1]
    step = len(single) // (N_CHANGED + N_REMOVED + N_ADDED)
    picked = single[::step]
    changed, removed, templates = (
        picked[:N_CHANGED],
        picked[N_CHANGED : N_CHANGED + N_REMOVED],
        picked[N_CHANGED + N_REMOVED : N_CHANGED + N_REMOVED + N_ADDED],
    )
    assert len(templates) == N_ADDED
    out = list(lines)
    for asin in changed:
        record = json.loads(lines[records[asin][0]])
        record["description"] = ["Refreshed listing: now with a printed manual."] + list(record["description"])
        out[records[asin][0]] = json.dumps(record).encode() + b"\n"
    for asin in removed:
        out[records[asin][0]] = b""
    added = []
    for n, asin in enumerate(templates):
        record = json.loads(lines[records[asin][0]])
        record["parent_asin"] = f"BZNEW{n:05d}"
        record["title"] = f"{record['title']} (Collector's Edition {n})"
        out.append(json.dumps(record).encode() + b"\n")
        added.append(record["parent_asin"])
    folder = dest / "sample"
    folder.mkdir(parents=True)
    (folder / "meta_sample.jsonl.gz").write_bytes(gzip.compress(b"".join(out), mtime=0))
    shutil.copy(RAW / "sample.train.csv.gz", folder / "sample.train.csv.gz")
    return {"changed": changed, "removed": removed, "added": added}


def test_a_catalogue_refresh_keeps_every_id_and_lists_what_changed(sample_build: DbtProject, tmp_path):
    project = copy_of(sample_build, tmp_path / "build")
    before = dict(project.query("select parent_asin, semantic_id from sample.semantic_ids"))
    ((model_id,),) = project.query("select model_id from sample.sid_model")
    ledger_file = project.root / "registry" / model_id / "id_ledger.parquet"
    assert pq.read_table(ledger_file).num_rows == len(before), "the fresh build did not record its IDs"
    edits = refresh_catalogue(tmp_path / "raw", sorted(before))
    refresh = {"raw_dir": str(tmp_path / "raw"), "sid_registry_model": model_id, "sid_mode": "assign"}

    project.build("--select", "tag:stage_01", "tag:stage_02", "tag:stage_03", vars=refresh)

    after = dict(project.query("select parent_asin, semantic_id from sample.semantic_ids"))
    untouched = set(before) - set(edits["changed"]) - set(edits["removed"])
    assert set(after) == untouched | set(edits["changed"]) | set(edits["added"])
    assert {a: after[a] for a in untouched} == {a: before[a] for a in untouched}  # byte-identical strings
    assert {a: after[a] for a in edits["changed"]} == {a: before[a] for a in edits["changed"]}  # kept (default)
    assert len(set(after.values())) == len(after)
    assert not set(before.values()) & {after[a] for a in edits["added"]}  # no new item took a held or freed ID

    changes = {
        r[0]: r[1:]
        for r in project.query(
            "select parent_asin, status, old_semantic_id, new_semantic_id, text_changed from sample.sid_assignment_changes"
        )
    }
    by_status: dict[str, set[str]] = {}
    for asin, (status, *_) in changes.items():
        by_status.setdefault(status, set()).add(asin)
    assert by_status == {
        "kept": untouched,
        "changed": set(edits["changed"]),
        "added": set(edits["added"]),
        "removed": set(edits["removed"]),
    }
    assert all(changes[a][3] is True for a in edits["changed"])
    assert all(changes[a][1] == before[a] and changes[a][2] is None for a in edits["removed"])

    # the next reference: every ID handed out so far, the removed items' still reserved
    ledger = {(r["parent_asin"], r["semantic_id"]): r["status"] for r in pq.read_table(ledger_file).to_pylist()}
    assert {a for (a, _), s in ledger.items() if s == "removed"} == set(edits["removed"])
    assert {a for (a, _), s in ledger.items() if s == "live"} == set(after)
    assert project.query("select count(*) from sample.sid_id_ledger") == [(len(ledger),)]

    # a second build on the same refreshed catalogue changes nothing (the ledger now holds the new items)
    ids = (project.out_dir / "sample" / "semantic_ids.parquet").read_bytes()
    project.build("--select", "tag:stage_03", vars=refresh)
    assert (project.out_dir / "sample" / "semantic_ids.parquet").read_bytes() == ids
    statuses = dict(project.query("select status, count(*) from sample.sid_assignment_changes group by status"))
    assert statuses == {"kept": len(after), "removed": N_REMOVED}
