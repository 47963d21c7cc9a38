"""What a Gemini API error means for the run: retry, fail this item, or stop (and the text stored for it).

Its own module so that the online provider (gemini.py) and the Batch API run (gemini_batch.py) share one
classification and the dependency goes one way: gemini.py -> gemini_batch.py -> gemini_errors.py.
"""

from __future__ import annotations

import asyncio
import json

from python_jobs.enrich.config import EnrichConfig
from python_jobs.enrich.tasks import AnswerError

RETRY_CODES = frozenset({408, 429, 500, 502, 503, 504})
FATAL_CODES = frozenset({401, 403, 404})


class FatalProviderError(RuntimeError):
    """An error that every further request would repeat (bad key, unknown model): the run stops."""


def classify(exc: BaseException) -> tuple[str, str]:
    """(action, kind): action is 'retry', 'fail' (this item only), 'fatal' (stop the run) or 'raise' (unknown)."""
    from google.genai import errors

    if isinstance(exc, AnswerError):
        return "retry", "bad_answer"
    if isinstance(exc, errors.APIError):
        code = int(getattr(exc, "code", 0) or 0)
        if code in RETRY_CODES:
            return "retry", str(code)
        if code in FATAL_CODES:
            return "fatal", str(code)
        return "fail", str(code)
    name = type(exc).__name__
    module = type(exc).__module__ or ""
    if isinstance(exc, (asyncio.TimeoutError, TimeoutError)) or "Timeout" in name:
        return "retry", "timeout"
    if module.startswith(("httpx", "httpcore", "aiohttp")) or isinstance(exc, (ConnectionError, OSError)):
        return "retry", "connection"
    if isinstance(exc, json.JSONDecodeError) or name == "ValidationError" or module.startswith("google.genai"):
        return "retry", "bad_response"  # an unreadable response body
    return "raise", name


def describe(exc: BaseException, config: EnrichConfig) -> str:
    """The error as stored and logged: type, code and message, with the API key redacted, at most 500 chars."""
    code = getattr(exc, "code", None)
    message = getattr(exc, "message", None) or str(exc)
    text = f"{type(exc).__name__}" + (f" {code}" if code else "") + f": {message}"
    return (config.redact(text) or "")[:500]


def server_retry_delay(exc: BaseException) -> float | None:
    """The RetryInfo delay a 429 may carry ({"details": [{"retryDelay": "17s"}]})."""
    details = getattr(exc, "details", None)
    try:
        for item in (details or {}).get("error", {}).get("details", []) or []:
            value = item.get("retryDelay")
            if isinstance(value, str) and value.endswith("s"):
                return float(value[:-1])
    except (AttributeError, TypeError, ValueError):
        return None
    return None
