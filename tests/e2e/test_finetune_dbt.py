"""End-to-end: stage 4 (fine-tuning conversations) on the shared sample build.

Reads the session build of `conftest.sample_build`; tests that change the warehouse (a task added as a seed row,
records tampered with to prove the dbt tests can fail) work on a copy of it.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from python_jobs.common.settings import project_vars
from tests.dbt_helpers import DbtProject, copy_of, failure_messages

pytestmark = pytest.mark.e2e
SID = r"<\|sid_start\|>(?:<\|sid_\d+\|>){4}<\|sid_end\|>"
ROLES = ["system", "user", "assistant"]
TYPES = ["A", "B", "C", "D", "E", "F"]


def finetune_dir(project: DbtProject) -> Path:
    return project.out_dir / "sample" / "finetune"


def seed_tasks() -> dict[str, str]:
    rows = (Path(__file__).resolve().parents[2] / "seeds" / "finetune_templates.csv").read_text().splitlines()[1:]
    return {line.split(",")[1]: line.split(",")[0] for line in rows if line}


def split_counts(project: DbtProject) -> dict[str, int]:
    return dict(project.query("select split, count(*) from sample.conversations group by split"))


def test_jsonl_loads_with_datasets_in_trl_chat_format(sample_build: DbtProject, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    from datasets import List, Value, load_dataset

    folder = finetune_dir(sample_build)
    files = {split: str(folder / f"{split}.jsonl") for split in ["train", "val", "heldout"]}
    data = load_dataset("json", data_files=files, cache_dir=str(tmp_path / "hf"))

    counts = split_counts(sample_build)
    system_prompt = sample_build.query("select messages[1].content from sample.conversations limit 1")[0][0]
    for split, ds in data.items():
        assert ds.num_rows == counts[split] > 0, split
        # TRL's SFTTrainer treats a dataset as conversational when `messages` is a list of {role, content}
        assert ds.features["messages"] == List({"role": Value("string"), "content": Value("string")})
        assert ds.features["type"] == Value("string") and ds.features["task"] == Value("string")
        for example in ds.select(range(0, ds.num_rows, max(1, ds.num_rows // 500))):
            messages = example["messages"]
            assert [m["role"] for m in messages] == ROLES
            assert messages[0]["content"] == system_prompt
            assert all(m["content"].strip() for m in messages)
            assert example["type"] in TYPES
    assert system_prompt.startswith("You are a helpful AI assistant") and "<|sid_start|><|sid_0|>" in system_prompt


def test_every_file_is_written_and_they_agree(sample_build: DbtProject):
    folder = finetune_dir(sample_build)
    counts = split_counts(sample_build)
    for split in ["train", "val", "heldout"]:
        lines = (folder / f"{split}.jsonl").read_text(encoding="utf-8").splitlines()
        assert len(lines) == counts[split]
        assert set(json.loads(lines[0])) == {"messages", "type", "task"}
        table = pq.read_table(folder / f"{split}.parquet")
        assert table.column_names == ["messages", "type", "task"]
        assert [json.loads(line) for line in lines[:200]] == table.slice(0, 200).to_pylist()
    # one parquet file per type (as JSONL they wrote every training record a second time): together the training
    # split, each in the split's order
    train = pq.read_table(folder / "train.parquet")
    per_type = {t: pq.read_table(folder / f"train_{t}.parquet") for t in TYPES}
    assert not list(folder.glob("train_*.jsonl"))
    assert sum(table.num_rows for table in per_type.values()) == counts["train"]
    for type_, table in per_type.items():
        assert table.num_rows and table.column_names == ["messages", "type", "task"]
        assert table.equals(train.filter(pc.equal(train["type"], type_))), type_
    listed = dict(sample_build.query("select file, records from sample.finetune_files"))
    assert listed == {path.name: pq.read_metadata(path).num_rows for path in folder.glob("*.parquet")} | {
        f"{split}.jsonl": counts[split] for split in ["train", "val", "heldout"]
    }
    # the split files are the table's only parquet export (no conversations.parquet writing every record again)
    assert not (sample_build.out_dir / "sample" / "conversations.parquet").exists()


def test_every_task_of_the_seed_produces_records(sample_build: DbtProject):
    produced = dict(
        sample_build.query("select task, count(*) from sample.conversations where split = 'train' group by task")
    )
    assert set(produced) == set(seed_tasks())
    # the fixed bugs: prefix prompts use today's ID syntax, the title prefix is shorter than the title
    rows = sample_build.query("""
        select messages[2].content from sample.conversations where task in ('prefix_category', 'prefix_examples')""")
    assert rows and all(
        re.search(r"<\|sid_start\|><\|sid_\d+\|> are typically:|<\|sid_start\|><\|sid_\d+\|>:", r[0]) for r in rows
    )
    assert not sample_build.query("select 1 from sample.conversations where messages[2].content like '%<sid>%'")
    prefixes = sample_build.query(r"""
        select regexp_extract(c.messages[2].content, 'titled "(.*)\.\.\." has', 1), f.title
        from sample.conversations c join sample.int_item_facts f using (parent_asin)
        where c.task = 'title_prefix_to_sid'""")
    assert prefixes and all(title.startswith(prefix) and 0 < len(prefix) < len(title) for prefix, title in prefixes)
    rec = sample_build.query(
        "select messages[2].content, messages[3].content from sample.conversations where task = 'seq_rec' limit 1"
    )[0]
    assert rec[0].endswith("\n<|rec|>") and re.fullmatch(SID, rec[1])


def test_splits_have_no_leaks(sample_build: DbtProject):
    assert sample_build.query("select check_name from sample.finetune_leak_check where violations <> 0") == []
    assert len(sample_build.query("select * from sample.finetune_leak_check")) == 6
    by_split = dict(
        sample_build.query("select split, list(distinct type order by type) from sample.conversations group by split")
    )
    assert by_split == {"train": TYPES, "val": ["C", "E", "F"], "heldout": ["A", "B"]}
    # sequence tasks: train records from train users only, val records from val users only
    for split, table in [("train", "sequences_train"), ("val", "sequences_val")]:
        outside = sample_build.query(f"""
            select count(*) from sample.conversations
            where split = '{split}' and user_id is not null and user_id not in (select user_id from sample.{table})""")
        assert outside == [(0,)]
    # held-out items: about 5% of the catalogue, their A/B records only in `heldout`
    n_items, n_heldout = sample_build.query(
        "select (select count(*) from sample.semantic_ids), (select count(*) from sample.int_heldout_items)"
    )[0]
    assert 0.02 < n_heldout / n_items < 0.08
    assert (
        sample_build.query("""
        select count(*) from sample.conversations
        where split = 'train' and type in ('A', 'B') and parent_asin in (select parent_asin from sample.int_heldout_items)""")
        == [(0,)]
    )


def test_heldout_items_are_drawn_by_the_users_split_rule(sample_build: DbtProject):
    """One bucket rule for every draw (macros/hash_bucket.sql): md5(key || salt), first 32 bits, mod 10000."""
    salt, share = project_vars()["ft_heldout_salt"], project_vars()["ft_heldout_item_share"]
    items = [asin for (asin,) in sample_build.query("select parent_asin from sample.int_item_facts")]
    expected = {a for a in items if int(hashlib.md5((a + salt).encode()).hexdigest()[:8], 16) % 10000 < share * 10000}
    assert {a for (a,) in sample_build.query("select parent_asin from sample.int_heldout_items")} == expected


def test_stats_account_for_every_rendered_row(sample_build: DbtProject):
    rows = sample_build.query("""
        select s.split, s.task, s.records, s.rendered, s.duplicates_removed, s.dropped_heldout_item_text,
               s.dropped_empty_content, s.repeats_of_train, s.sampled_out, coalesce(c.n, 0)
        from sample.finetune_stats s
        left join (select split, task, count(*) as n from sample.conversations group by all) c using (split, task)
        where s.task <> '(all)'""")
    assert rows
    for split, task, records, rendered, dups, heldout_text, empty, repeats, sampled, actual in rows:
        assert records == actual, (split, task)
        assert rendered == records + dups + heldout_text + empty + repeats + sampled, (split, task)
        assert sampled == 0, (split, task)  # defaults: every task in full
    total = dict(sample_build.query("select split, records from sample.finetune_stats where type = '(all)'"))
    assert total["(all)"] == sum(split_counts(sample_build).values())
    (dups,) = sample_build.query(
        "select duplicates_removed from sample.finetune_stats where split = 'train' and task = 'copurchase_forward'"
    )[0]
    assert dups > 0  # the same pair bought by several users is one record
    assert sample_build.query("""
        select count(*) from (select split, task, messages[2].content, messages[3].content
                              from sample.conversations group by all having count(*) > 1)""") == [(0,)]


def test_rebuild_writes_byte_identical_files(sample_build: DbtProject):
    folder = finetune_dir(sample_build)
    names = ["train.jsonl", "val.jsonl", "heldout.jsonl", "train_C.parquet", "train.parquet"]
    before = {name: (folder / name).read_bytes() for name in names}
    sample_build.build("--select", "int_conversations_rendered+", "--exclude", "finetune_stats", "finetune_leak_check")
    assert {name: (folder / name).read_bytes() for name in names} == before


@pytest.fixture(scope="module")
def scratch(sample_build: DbtProject, tmp_path_factory) -> DbtProject:
    """A copy of the sample warehouse that the tests below may change."""
    return copy_of(sample_build, tmp_path_factory.mktemp("finetune_scratch"))


def test_a_task_is_a_seed_row(scratch: DbtProject):
    import duckdb

    with duckdb.connect(str(scratch.warehouse)) as con:
        con.execute("""insert into sample.finetune_templates values
            ('A', 'sid_to_product_type', 'int_item_facts', 'What kind of product is {sid}?', '{product_type}\\n(item)',
             'product_type <> ''''', 1.0, 'added by a test')""")
    result = scratch.invoke("run", "--select", "int_conversations_rendered+")
    assert result.success, failure_messages(result)
    rows = scratch.query("""
        select c.messages[2].content, c.messages[3].content, f.sid, f.product_type
        from sample.conversations c join sample.int_item_facts f using (parent_asin)
        where c.task = 'sid_to_product_type'""")
    assert len(rows) > 100
    assert all(
        user == f"What kind of product is {sid}?" and answer == f"{ptype}\n(item)" for user, answer, sid, ptype in rows
    )

    with duckdb.connect(str(scratch.warehouse)) as con:
        con.execute("""insert into sample.finetune_templates values
            ('A', 'broken_task', 'int_item_facts', 'Product {sid} is made by', '{maker}', null, 1.0, '')""")
    result = scratch.invoke("run", "--select", "int_conversations_rendered")
    assert not result.success
    assert "broken_task" in result.output and "{maker}" in result.output


def test_weights_and_caps_select_nested_deterministic_subsets(sample_build: DbtProject, scratch: DbtProject):
    full = {
        r[0]
        for r in sample_build.query(
            "select record_id from sample.conversations where task = 'copurchase_forward' and split = 'train'"
        )
    }
    settings = {"ft_task_weights": {"copurchase_forward": 0.5}, "ft_task_caps": {"seq_last_2": 100}}
    result = scratch.invoke("run", "--select", "conversations", "finetune_stats", vars=settings)
    assert result.success, failure_messages(result)
    half = {
        r[0]
        for r in scratch.query(
            "select record_id from sample.conversations where task = 'copurchase_forward' and split = 'train'"
        )
    }
    assert half < full and 0.4 < len(half) / len(full) < 0.6
    capped = dict(
        scratch.query("select split, count(*) from sample.conversations where task = 'seq_last_2' group by split")
    )
    assert capped == {"train": 100, "val": 100}
    (sampled,) = scratch.query(
        "select sampled_out from sample.finetune_stats where split = 'train' and task = 'copurchase_forward'"
    )[0]
    assert sampled == len(full) - len(half)

    bad = scratch.invoke("run", "--select", "conversations", vars={"ft_task_caps": {"no_such_task": 5}})
    assert not bad.success and "no_such_task" in bad.output


def test_the_leak_and_format_tests_can_fail(scratch: DbtProject):
    """Tamper with copies of records; each stage-4 singular test must catch its own fault."""
    import duckdb

    val_only = scratch.query("""
        select array_to_string(semantic_id_sequence[i:i + 2], ', ')
        from sample.sequences_val, unnest(range(1, semantic_id_sequence_length - 1)) as r(i)
        where array_to_string(semantic_id_sequence[i:i + 2], '') not in (
            select array_to_string(semantic_id_sequence[j:j + 2], '')
            from sample.sequences_train, unnest(range(1, semantic_id_sequence_length - 1)) as r(j))
        order by 1
        limit 1""")[0][0]
    fake_id = "<|sid_start|><|sid_1|><|sid_257|><|sid_513|><|sid_1000|><|sid_end|>"
    with duckdb.connect(str(scratch.warehouse)) as con:
        template = (
            "select * replace ({}) from sample.conversations where split = 'train' and task = 'seq_last_2' limit 1"
        )
        for replacement in [
            f"'x-' || record_id as record_id, [messages[1], {{'role': 'user', 'content': 'History: {val_only}'}}, messages[3]] as messages",  # noqa: E501
            f"'y-' || record_id as record_id, [messages[1], messages[2], {{'role': 'assistant', 'content': '{fake_id}'}}] as messages",  # noqa: E501
            "'z-' || record_id as record_id, [messages[1], messages[2], {'role': 'assistant', 'content': ' '}] as messages",
        ]:
            con.execute("insert into sample.conversations " + template.format(replacement))
    result = scratch.invoke(
        "test",
        "--select",
        "assert_finetune_no_val_window_in_train",
        "assert_finetune_sids_exist",
        "assert_finetune_chat_format",
    )
    assert not result.success
    summary = failure_messages(result)
    for name in ["assert_finetune_no_val_window_in_train", "assert_finetune_sids_exist", "assert_finetune_chat_format"]:
        assert f"Failure in test {name}" in summary, summary
