"""The answer cache key: every setting that shapes an answer, and the prompt text itself, are part of it.

A cached answer is only reused for the same question: the same prompt text, length limits, input truncation,
structured-output schema and temperature. The end-to-end tests run the real provider against the fake Gemini
server twice and count the calls of the second run.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # tests.fakes lives beside the tests

from python_jobs.enrich import tasks  # noqa: E402
from python_jobs.enrich.cache import AnswerCache  # noqa: E402
from python_jobs.enrich.runner import run_task  # noqa: E402
from python_jobs.enrich.tasks import get_task  # noqa: E402
from tests.fakes.enrich import gemini_provider  # noqa: E402
from tests.fakes.gemini_server import FakeGemini  # noqa: E402

KEY = "sk-test-NOT-A-REAL-KEY-4f9a2c"
ITEMS = [(f"A{i}", f"ITEM-{i} a <b>plain</b> description of product number {i}.") for i in range(3)]


def _edited(name: str):
    """load_prompt with one template's text changed (its file name and version stay the same)."""
    original = tasks.load_prompt

    def load(prompt: str, version: str) -> str:
        text = original(prompt, version)
        return text + "\nKeep brand names exactly as written." if prompt == name else text

    return load


@pytest.mark.parametrize(
    "changed",
    [
        # replace() keeps the readable prompt_version: the key must change through the hash alone
        pytest.param(lambda: replace(get_task("descriptions"), max_words=80), id="description word limit"),
        pytest.param(lambda: replace(get_task("titles"), max_chars=60), id="title length limit"),
        pytest.param(lambda: replace(get_task("descriptions"), max_input_chars=500), id="description truncation"),
        pytest.param(lambda: replace(get_task("titles"), max_input_chars=100), id="title truncation"),
        pytest.param(lambda: replace(get_task("metadata"), max_output_tokens=64), id="output token cap"),
    ],
)
def test_each_answer_shaping_setting_changes_the_key(changed):
    task = changed()
    default = get_task(task.name)
    assert task.cache_version(0.0) != default.cache_version(0.0)
    assert default.cache_version(0.0) == get_task(task.name).cache_version(0.0)  # and equal settings, equal key


def test_temperature_changes_the_key():
    task = get_task("titles")
    assert task.cache_version(0.0) != task.cache_version(0.7)


def test_the_readable_prompt_version_leads_the_key():
    assert get_task("descriptions").cache_version(0.0).startswith("v1+")
    assert get_task("descriptions", description_max_words=80).cache_version(0.0).startswith("v1-max80w+")


@pytest.mark.parametrize(
    "task_name, template",
    [
        ("descriptions", "clean_description"),
        ("descriptions", "clean_description_batch"),
        ("titles", "clean_title"),
        ("titles", "clean_title_batch"),
        ("metadata", "extract_metadata"),
    ],
)
def test_editing_a_prompt_file_without_a_version_bump_changes_the_key(monkeypatch, task_name, template):
    before = get_task(task_name).cache_version(0.0)
    monkeypatch.setattr(tasks, "load_prompt", _edited(template))
    assert get_task(task_name).cache_version(0.0) != before


def test_a_prompt_the_task_does_not_send_leaves_its_key_alone(monkeypatch):
    before = get_task("titles").cache_version(0.0)
    monkeypatch.setattr(tasks, "load_prompt", _edited("clean_description"))
    assert get_task("titles").cache_version(0.0) == before


# ---- through the runner: a second run asks again exactly when the question changed ----------------------------


@pytest.fixture
def fake():
    with FakeGemini() as server:
        yield server


def _run(fake: FakeGemini, cache: AnswerCache, task_name: str = "descriptions", **settings):
    provider = gemini_provider(fake, KEY, description_batch_size=1, title_batch_size=1, **settings)
    task = get_task(task_name, description_max_words=settings.get("description_max_words"))
    _, stats = run_task(task, ITEMS, provider, cache, progress=False)
    return stats


def test_same_question_is_answered_from_the_cache(fake, tmp_path):
    with AnswerCache(tmp_path / "c.sqlite") as cache:
        assert _run(fake, cache).called == 3
        fake.reset_counts()
        stats = _run(fake, cache)
        assert (stats.cached, stats.called, fake.calls["generate"]) == (3, 0, 0)


def test_a_new_word_limit_asks_again(fake, tmp_path):
    with AnswerCache(tmp_path / "c.sqlite") as cache:
        _run(fake, cache)
        fake.reset_counts()
        stats = _run(fake, cache, description_max_words=80)
        assert (stats.cached, stats.called, fake.calls["generate"]) == (0, 3, 3)


def test_an_edited_prompt_asks_again(fake, tmp_path, monkeypatch):
    with AnswerCache(tmp_path / "c.sqlite") as cache:
        _run(fake, cache)
        monkeypatch.setattr(tasks, "load_prompt", _edited("clean_description"))
        fake.reset_counts()
        stats = _run(fake, cache)
        assert (stats.cached, stats.called, fake.calls["generate"]) == (0, 3, 3)
        assert any("Keep brand names exactly as written." in p for p in fake.prompts)  # the new prompt was sent


def test_a_new_temperature_asks_again(fake, tmp_path):
    with AnswerCache(tmp_path / "c.sqlite") as cache:
        _run(fake, cache)
        fake.reset_counts()
        stats = _run(fake, cache, temperature=0.5)
        assert (stats.cached, stats.called) == (0, 3)
