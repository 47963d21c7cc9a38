"""Stage 4's macros (macros/finetune_*.sql) and the shared hash bucket rendered with plain Jinja and run by DuckDB on
toy tables: no dbt build.

dbt's context is stubbed (ref -> the bare name, var -> the defaults below), which is enough for the macros that
turn a template into SQL and for the leak query.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from types import SimpleNamespace

import duckdb
import jinja2
import pytest

MACRO_DIR = Path(__file__).resolve().parents[2] / "macros"
MACRO_FILES = ("finetune_templates.sql", "finetune_text.sql", "finetune_leak_check.sql", "hash_bucket.sql")


def macro_sources() -> str:
    """The macro files under test, plus the files that define the SQL literal macros they call (found by name, so
    a move between files does not break the test)."""
    literal_files = [
        p for p in sorted(MACRO_DIR.glob("*.sql")) if re.search(r"{% macro sql_(string|tuple)\(", p.read_text())
    ]
    return "\n".join(p.read_text() for p in [*(MACRO_DIR / name for name in MACRO_FILES), *literal_files])


VARS = {"ft_sid_separator": ", ", "ft_system_prompt": "It's a prompt."}


class CompilerError(Exception):
    pass


class Return(Exception):  # dbt's {{ return(x) }}
    def __init__(self, value):
        self.value = value


def _raise(message):
    raise CompilerError(message)


def _return(value):
    raise Return(value)


@pytest.fixture(scope="module")
def macros():
    env = jinja2.Environment(extensions=["jinja2.ext.do"])
    context = {
        "modules": SimpleNamespace(re=re),
        "exceptions": SimpleNamespace(raise_compiler_error=_raise),
        "var": VARS.__getitem__,
        "ref": lambda name: name,
        "execute": False,
        "return": _return,
    }
    return env.from_string(macro_sources()).make_module(context)


def sid(*codes: int) -> str:
    return "<|sid_start|>" + "".join(f"<|sid_{256 * level + c}|>" for level, c in enumerate(codes)) + "<|sid_end|>"


def render(macros, template: str, row: dict) -> str | None:
    """Render `template` over a one-row table of `row` with DuckDB."""
    con = duckdb.connect()
    columns = ", ".join(f"?::varchar as {name}" for name in row)
    con.execute(f"create table src as select {columns}", list(row.values()))
    expression = str(macros.ft_render_template(template, list(row), "toy_task"))
    return con.sql(f"select {expression} from src").fetchall()[0][0]


def test_template_becomes_sql_with_quotes_newlines_and_repeats(macros):
    row = {"sid": sid(1, 2, 3, 0), "title": 'Mario\'s "Kart" {8}'}
    out = render(macros, 'Item {sid} is "{title}".\\nIt\'s {title}!', row)
    assert out == f'Item {row["sid"]} is "{row["title"]}".\nIt\'s {row["title"]}!'


def test_template_without_placeholders_and_empty_template(macros):
    assert render(macros, "Just text; no fields", {"sid": "x"}) == "Just text; no fields"
    assert render(macros, "", {"sid": "x"}) == ""


def test_a_null_field_makes_the_message_null(macros):
    assert render(macros, "Product {sid} has title: {title}", {"sid": "x", "title": None}) is None


def test_unknown_placeholder_names_the_task_and_the_columns(macros):
    with pytest.raises(CompilerError, match=r"toy_task.*\{maker\}.*columns: sid, title"):
        macros.ft_render_template("{sid} is made by {maker}", ["sid", "title"], "toy_task")


def test_literal_text_cannot_break_out_of_the_sql_string(macros):
    hostile = "'); drop table src; --"
    assert render(macros, hostile + " {sid}", {"sid": "x"}) == hostile + " x"


def test_hash_bucket_is_the_first_32_bits_of_md5_of_the_key_and_salt(macros):
    """The users' split and the held-out items can be reproduced outside SQL: md5's first 8 hex digits, mod 10000."""
    expression = str(macros.hash_bucket("k", "salt-v1"))
    keys = ["B00001", "B00002", "X", "AHZ6XMOLEWHHJ4Q4GJKKFTEA7YZQ"]
    buckets = duckdb.sql(f"select k, {expression} from unnest(?::varchar[]) t(k)", params=[keys]).fetchall()
    assert len(buckets) == len(keys)
    for key, bucket in buckets:
        assert bucket == int(hashlib.md5((key + "salt-v1").encode()).hexdigest()[:8], 16) % 10000


def test_record_bucket_is_the_record_hash_mod_10000(macros):
    """The 64-bit rewrite of record_hash % 10000 (sampling) gives Python's remainder, at the edges of both halves."""
    expression = str(macros.ft_record_bucket("h"))
    values = [0, 1, 9999, 10000, 2**64 - 1, 2**64, 2**64 + 9999, 2**128 - 1, 2**127 + 12345]
    values += [int(hashlib.md5(str(i).encode()).hexdigest(), 16) for i in range(200)]
    rows = duckdb.sql(
        f"select h::varchar, {expression} from unnest(?::varchar[]) t(s), lateral (select s::uhugeint as h)",
        params=[[str(v) for v in values]],
    ).fetchall()
    assert len(rows) == len(values)
    for value, bucket in rows:
        assert bucket == int(value) % 10000, value


def test_val_window_leak_query_finds_val_only_windows_and_ignores_shared_ones(macros):
    a, b, c, d, e, f = (sid(i, i, i, 0) for i in range(6))
    con = duckdb.connect()
    con.execute(
        """create table sequences_train as
        select ?::varchar[] as semantic_id_sequence, 4 as semantic_id_sequence_length""",
        [[a, b, c, d]],
    )
    con.execute(
        """create table sequences_val as
        select ?::varchar[] as semantic_id_sequence, 4 as semantic_id_sequence_length""",
        [[a, b, c, e]],
    )
    con.execute("""create table conversations (split varchar, type varchar,
                   messages struct(role varchar, content varchar)[])""")

    def add(split: str, type_: str, user: str, assistant: str) -> None:
        con.execute(
            "insert into conversations values (?, ?, [{'role': 'system', 'content': 's'}, "
            "{'role': 'user', 'content': ?}, {'role': 'assistant', 'content': ?}])",
            [split, type_, user, assistant],
        )

    leak_sql = str(macros.ft_val_windows_in_train("conversations"))
    add("train", "C", f"History: {a}, {b}. Next:", c)  # a b c: bought by a training user too
    add("train", "F", f"Example: {b}, {c}, {d}", "ok")  # training user's own window
    add("val", "C", f"History: {b}, {c}. Next:", e)  # val record: not checked
    add("train", "D", f"Similar to {b}: {c}, {e}", "x")  # not a sequence task
    assert con.sql(leak_sql).fetchall() == []
    add("train", "C", f"History: {b}, {c}. Next:", e)  # b c e exists only in the val user's sequence
    assert con.sql(leak_sql).fetchall() == [(b + c + e,)]
    assert f not in b + c + e
