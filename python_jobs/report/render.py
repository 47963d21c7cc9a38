"""Sections -> one self-contained HTML page (Jinja2, autoescaped; images inline as data URIs)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import jinja2

from python_jobs.report.sections import Section


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("python_jobs.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    return env


def render(sections: Sequence[Section], category: str, source: str, run: str = "") -> str:
    return (
        _environment()
        .get_template("report.html.j2")
        .render(
            sections=sections,
            category=category,
            source=source,
            run=run,
            built=sum(s.built for s in sections),
        )
    )
