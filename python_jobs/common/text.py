"""Text clean-up shared by the SQL UDFs and the Python jobs, so both sides agree on the text."""

from __future__ import annotations

import re

_TAG = re.compile(r"</?[A-Za-z_][^<>]*>")
_SPACES = re.compile(r"\s+")


def strip_tags(text: str | None) -> str | None:
    """Remove leftover XML/HTML tags (e.g. a stray <clean_title>), collapse whitespace, strip."""
    if text is None:
        return None
    return _SPACES.sub(" ", _TAG.sub(" ", text)).strip()
