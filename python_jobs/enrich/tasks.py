"""The three enrichment tasks: what goes in, the prompt, how an answer is parsed and checked.

A task turns an item's payload into the exact input text (truncated as the seed did; its hash keys the
cache), builds the prompt from a versioned file in `python_jobs/enrich/prompts/`, and parses an answer into a value
or raises `AnswerError` (which makes the provider retry). Offline, the same task is done by rules.

Values: clean_description / clean_title -> str; extract_metadata -> the raw JSON object (normalised when
the table is built, see normalize.py).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from functools import cache
from importlib import resources
from typing import Any

from python_jobs.common.hashing import fingerprint
from python_jobs.enrich import rules
from python_jobs.enrich.extract import MetadataInput, extract_metadata
from python_jobs.enrich.normalize import MetadataValidationError, is_null_like, normalize_metadata

_SPACES = re.compile(r"\s+")
_ANY_TAG = re.compile(r"</?[A-Za-z_][^<>]*>")


class AnswerError(ValueError):
    """An answer that cannot be used: missing tags, empty, too long, bad JSON. Retried."""


@cache
def load_prompt(name: str, version: str) -> str:
    return (
        resources.files("python_jobs.enrich").joinpath("prompts", f"{name}.{version}.txt").read_text(encoding="utf-8")
    )


def _base(version: str) -> str:
    """The prompt file's version ("v1-max150w" -> "v1")."""
    return version.split("-", 1)[0]


def fill(template: str, **values: Any) -> str:
    for key, value in values.items():
        template = template.replace("{{" + key + "}}", str(value))
    return template


def _neutralise(text: str, *tags: str) -> str:
    """Our delimiter tags inside the input would confuse the answer format; blank them out."""
    for tag in tags:
        text = re.sub(rf"</?\s*{tag}\b[^>]*>", " ", text, flags=re.I)
    return text


def _tagged(answer: str, tag: str) -> str:
    """Text inside <tag>...</tag>. A repeated opening tag (a known model slip) is tolerated."""
    end = answer.find(f"</{tag}>")
    start = answer.rfind(f"<{tag}>", 0, end if end >= 0 else len(answer))
    if start < 0 or end < 0 or end < start:
        raise AnswerError(f"answer has no <{tag}>...</{tag}> block")
    return _tidy(answer[start + len(tag) + 2 : end])


def _tidy(text: str) -> str:
    return _SPACES.sub(" ", _ANY_TAG.sub(" ", text)).strip()


def _keyed_blocks(answer: str, tag: str, n: int, check: Callable[[str], Any]) -> dict[int, Any]:
    """{position (0-based): checked value or AnswerError} for a batched answer of n items.

    Each item's answer is `<tag id="N">...</tag>` (N from 1; quotes around N optional). An item that is
    missing, answered twice (which one is meant?) or fails `check` gets an AnswerError, so it is retried
    alone; the other items stand on their own.
    """
    blocks: dict[int, list[str]] = {}
    pattern = rf"<{tag}\s+id\s*=\s*[\"']?(\d+)[\"']?\s*>(.*?)</{tag}>"
    for ident, body in re.findall(pattern, answer or "", re.S):
        blocks.setdefault(int(ident) - 1, []).append(body)
    found: dict[int, Any] = {}
    for pos in range(n):
        bodies = blocks.get(pos)
        if not bodies:
            found[pos] = AnswerError(f"item {pos + 1} missing from the batched answer")
        elif len(bodies) > 1:
            found[pos] = AnswerError(f"item {pos + 1} answered {len(bodies)} times in the batched answer")
        else:
            try:
                found[pos] = check(_tidy(bodies[0]))
            except AnswerError as exc:
                found[pos] = exc
    return found


@dataclass(frozen=True)
class Task:
    name: str
    prompt_version: str
    output_column: str

    def prepare(self, payload: Any) -> str:  # the model's input text (hashed for the cache)
        raise NotImplementedError

    def prompt(self, text: str) -> str:
        raise NotImplementedError

    def parse(self, answer: str) -> Any:
        raise NotImplementedError

    def offline(self, payload: Any) -> Any:
        raise NotImplementedError

    # generation settings per task
    max_output_tokens: int = 1024  # per item (a batched request gets this times its item count)
    json_output: bool = False
    # batchable tasks also have batch_prompt(texts) and parse_batch(answer, n); the batch prompt file
    # `<name>_batch.<version>.txt` shares the version (and so the cache key) of `<name>.<version>.txt`
    batchable: bool = False

    def batch_prompt(self, texts: list[str]) -> str:
        raise NotImplementedError

    def parse_batch(self, answer: str, n: int) -> dict[int, Any]:
        """{position (0-based): value or AnswerError} for each of the n inputs sent."""
        raise NotImplementedError

    def prompt_files(self) -> list[str]:
        """The prompt templates this task sends (`<name>.<version>.txt`, and the batch one if batchable)."""
        names = [self.name, self.name + "_batch"] if self.batchable else [self.name]
        return [load_prompt(name, _base(self.prompt_version)) for name in names]

    def cache_version(self, temperature: float) -> str:
        """The cache key's version: the readable prompt_version plus a hash of everything that shapes an answer.

        Covered by construction: every field of the task (length limits, input truncation, output tokens; only
        the fields in _NOT_IN_CACHE_KEY are left out), the text of each prompt template, the JSON schema of a
        structured answer, and the generation temperature. Editing a prompt file or changing a limit therefore
        misses the cache once instead of serving answers given to another question.
        """
        settings = {k: v for k, v in asdict(self).items() if k not in _NOT_IN_CACHE_KEY}
        shaped_by = {
            "settings": settings,
            "prompts": self.prompt_files(),
            "schema": response_schema() if self.json_output else None,
            "temperature": float(temperature),
        }
        return f"{self.prompt_version}+{fingerprint(shaped_by)[:12]}"


# Task fields that do not change an answer: the name and prompt_version are key columns of their own, the output
# column only names where the answer goes, and batching is keyed per item (a batched answer is the same answer).
_NOT_IN_CACHE_KEY = frozenset({"name", "prompt_version", "output_column", "batchable"})


@dataclass(frozen=True)
class CleanDescription(Task):
    name: str = "clean_description"
    prompt_version: str = "v1"
    output_column: str = "clean_description"
    max_input_chars: int = rules.DESCRIPTION_INPUT_CHARS
    max_words: int = rules.DESCRIPTION_MAX_WORDS
    max_output_tokens: int = 1024
    batchable: bool = True

    def prepare(self, payload: Any) -> str:
        return (payload or "")[: self.max_input_chars]

    def prompt(self, text: str) -> str:
        return fill(
            load_prompt(self.name, _base(self.prompt_version)),
            text=_neutralise(text, "description", "clean_description"),
            max_words=self.max_words,
        )

    def batch_prompt(self, texts: list[str]) -> str:
        items = "\n".join(
            f'<description id="{i}">\n{_neutralise(t, "description", "clean_description", "descriptions")}'
            f"\n</description>"
            for i, t in enumerate(texts, start=1)
        )
        return fill(
            load_prompt(self.name + "_batch", _base(self.prompt_version)),
            items=items,
            max_words=self.max_words,
            count=len(texts),
        )

    def _check(self, text: str) -> str:
        if not text or is_null_like(text):
            raise AnswerError("empty cleaned description")
        words = rules.word_count(text)
        if words > self.max_words:
            raise AnswerError(f"cleaned description has {words} words (limit {self.max_words})")
        return text

    def parse(self, answer: str) -> str:
        return self._check(_tagged(answer or "", "clean_description"))

    def parse_batch(self, answer: str, n: int) -> dict[int, Any]:
        return _keyed_blocks(answer, "clean_description", n, self._check)

    def offline(self, payload: Any) -> str:
        return rules.clean_description(payload, max_words=self.max_words, input_chars=self.max_input_chars)


@dataclass(frozen=True)
class CleanTitle(Task):
    name: str = "clean_title"
    prompt_version: str = "v1"
    output_column: str = "clean_title"
    max_input_chars: int = rules.TITLE_INPUT_CHARS
    max_chars: int = rules.TITLE_MAX_CHARS
    max_output_tokens: int = 256
    batchable: bool = True

    def prepare(self, payload: Any) -> str:
        return (payload or "")[: self.max_input_chars]

    def prompt(self, text: str) -> str:
        return fill(
            load_prompt(self.name, _base(self.prompt_version)),
            text=_neutralise(text, "title", "clean_title"),
            max_chars=self.max_chars,
        )

    def batch_prompt(self, texts: list[str]) -> str:
        items = "\n".join(
            f'<title id="{i}">{_neutralise(t, "title", "clean_title", "titles")}</title>'
            for i, t in enumerate(texts, start=1)
        )
        return fill(
            load_prompt(self.name + "_batch", _base(self.prompt_version)), items=items, max_chars=self.max_chars
        )

    def _check(self, text: str) -> str:
        if not text or is_null_like(text):
            raise AnswerError("empty cleaned title")
        if len(text) > self.max_chars:
            raise AnswerError(f"cleaned title has {len(text)} characters (limit {self.max_chars})")
        return text

    def parse(self, answer: str) -> str:
        return self._check(_tagged(answer or "", "clean_title"))

    def parse_batch(self, answer: str, n: int) -> dict[int, Any]:
        return _keyed_blocks(answer, "clean_title", n, self._check)

    def offline(self, payload: Any) -> str:
        return rules.clean_title(payload, max_chars=self.max_chars, input_chars=self.max_input_chars)


@dataclass(frozen=True)
class ExtractMetadata(Task):
    name: str = "extract_metadata"
    prompt_version: str = "v1"
    output_column: str = "metadata"
    max_output_tokens: int = 512
    json_output: bool = True

    def prepare(self, payload: MetadataInput) -> str:
        return payload.context()

    def prompt(self, text: str) -> str:
        return fill(load_prompt(self.name, _base(self.prompt_version)), text=_neutralise(text, "product"))

    def parse(self, answer: str) -> dict[str, Any]:
        text = (answer or "").strip()
        text = re.sub(r"^```(?:json)?\s*|\s*```$", "", text)  # tolerate a fenced block
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise AnswerError(f"answer is not valid JSON ({exc.msg} at char {exc.pos})") from None
        try:
            normalize_metadata(value)  # validation only; the raw object is what gets cached
        except MetadataValidationError as exc:
            raise AnswerError(str(exc)) from None
        return value

    def offline(self, payload: MetadataInput) -> dict[str, Any]:
        return extract_metadata(payload)


def response_schema() -> dict[str, Any]:
    """Structured-output schema for extract_metadata (OpenAPI subset the Gemini API accepts)."""
    nullable_string = {"type": "STRING", "nullable": True}
    string_list = {"type": "ARRAY", "items": {"type": "STRING"}}
    return {
        "type": "OBJECT",
        "properties": {
            "product_type": {
                **nullable_string,
                "enum": [
                    "Game",
                    "Hardware",
                    "Accessory",
                    "DLC",
                    "Bundle",
                    "Software",
                    "Book",
                    "Merchandise",
                    "Gift Card",
                    "Other",
                ],
            },
            "platform": string_list,
            "genre": string_list,
            "hardware_type": nullable_string,
            "brand": nullable_string,
            "multiplayer": nullable_string,
            "franchise": nullable_string,
        },
        "required": ["product_type", "platform", "genre", "hardware_type", "brand", "multiplayer", "franchise"],
    }


TASKS: dict[str, Task] = {t.name: t for t in (CleanDescription(), CleanTitle(), ExtractMetadata())}
# CLI / dbt names for the tasks
TASK_ALIASES = {"descriptions": "clean_description", "titles": "clean_title", "metadata": "extract_metadata"}


def get_task(name: str, title_max_chars: int | None = None, description_max_words: int | None = None) -> Task:
    """A task by name or alias; non-default length limits give a distinct prompt_version (and cache key)."""
    name = TASK_ALIASES.get(name, name)
    if name not in TASKS:
        raise ValueError(f"unknown task {name!r}; choose from {sorted(TASKS)}")
    task = TASKS[name]
    if isinstance(task, CleanTitle) and title_max_chars and title_max_chars != task.max_chars:
        task = replace(task, max_chars=title_max_chars, prompt_version=f"{task.prompt_version}-max{title_max_chars}c")
    if isinstance(task, CleanDescription) and description_max_words and description_max_words != task.max_words:
        task = replace(
            task, max_words=description_max_words, prompt_version=f"{task.prompt_version}-max{description_max_words}w"
        )
    return task
