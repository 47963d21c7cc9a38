"""A local stand-in for the Gemini API, good enough for the real google-genai SDK.

Serves on 127.0.0.1 (never anything else):
  POST /{version}/models/{model}:generateContent        one answer
  POST /upload/{version}/files                          Files API, resumable upload: `start` answers with an upload
                                                        URL, then chunks (`upload`, last one `upload, finalize`)
  GET  /{version}/files/{id}:download?alt=media         a file's bytes (a Batch API job's output file)
  POST /{version}/models/{model}:batchGenerateContent   a Batch API job: inlined requests, or a JSONL input file
                                                        (`inputConfig.fileName`; one `{"key", "request"}` per line)
  GET  /{version}/batches/{id}                          the job's state and, once done, its answers (inline) or
                                                        the name of its output file (one `{"key", "response"}` or
                                                        `{"key", "error"}` per line, in no particular order)
  GET  /_stats                                          request counters (for a client in another process)

Answers imitate the three enrichment tasks from the tags in our prompts (<description>, <title>,
<description id=..> and <title id=..> batches, <product>), deterministically, so tests can check what was
stored. Faults are scripted: `fail_next` applies to the next requests whatever they are; `faults[marker]`
applies to requests whose prompt contains `marker` (stable under concurrency). A fault is an HTTP status
(429, 503, 400, 401, ...) or one of: "timeout" (answer after `slow_s`), "malformed_json", "no_tags",
"too_long", "empty", "extra_keys", "drop_one", "leak_400" (a 400 quoting the key), "leak_401" (likewise,
fatal), "ok"; in a Batch API input file, an HTTP status or a leak becomes that line's `error`, and "skip_line"
leaves the line out of the output file.
In a batched prompt, "drop_one" (leave the item out) and "too_long" hit only the items whose text holds the
marker; without a marker (fail_next), "drop_one" drops the first item and "too_long" hits every item.

Latency: `latency_s` per generateContent call plus `per_token_s` per output token (tokens = characters / 4, as
the fake's usageMetadata counts them), so a batched answer for ten items takes longer than an answer for one, as a
real model's decoding does; both default to 0 for tests.

Batch API jobs run for `batch_polls_before_done` polls (PENDING, then RUNNING), then end in `batch_final_state`;
`hold_batches = True` keeps every job running until it is set back to False (the kill/resume test).

Run standalone (used by the benchmark and the kill/resume test):
  python -m tests.fakes.gemini_server --latency 0.2 --per-token-latency 0.002   # prints "READY http://127.0.0.1:PORT"
"""

from __future__ import annotations

import argparse
import html
import itertools
import json
import re
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

_TAG = re.compile(r"<[^<>]*>")
# spelled as a model might answer, never canonically ("PlayStation 4", "Xbox One", "Nintendo Switch"): a test that
# finds the canonical name in a table has seen the code's normalisation at work, not the fake's answer
_PLATFORMS = [
    ("PS5", r"\bps5\b|playstation 5"),
    ("PS4", r"\bps4\b|playstation 4"),
    ("XB1", r"xbox one"),
    ("Switch", r"\bswitch\b"),
    ("PC", r"\bpc\b|windows"),
]

Responder = Callable[[str, dict], str]


def _between(text: str, tag: str) -> str | None:
    """The last <tag>...</tag> block (instructions may mention the tag earlier)."""
    found = re.findall(rf"<{tag}>((?:(?!<{tag}>).)*?)</{tag}>", text, re.S)
    return found[-1] if found else None


def _plain(text: str) -> str:
    return re.sub(r"\s+", " ", _TAG.sub(" ", html.unescape(text))).strip()


def _clean_title(text: str) -> str:
    return _plain(text)[:200] or "Untitled"


def _clean_description(text: str) -> str:
    return " ".join(_plain(text).split()[:150]) or "No description."


def _batch_answer(
    batch: list[tuple[str, str]],
    tag: str,
    clean: Callable[[str], str],
    too_long: Callable[[str], str],
    fault: str | None,
    marker: str | None,
) -> str:
    if fault == "no_tags":
        return "Here are the cleaned texts."
    hit = {ident for ident, text in batch if marker and marker in text}
    if not hit and fault in ("drop_one", "too_long"):
        hit = {batch[0][0]} if fault == "drop_one" else {ident for ident, _ in batch}
    parts = []
    for ident, text in batch:
        if fault == "drop_one" and ident in hit:
            continue
        answer = too_long(text) if fault == "too_long" and ident in hit else clean(text)
        parts.append(f'<{tag} id="{ident}">{answer}</{tag}>')
    return "\n".join(parts)


def default_answer(prompt: str, fault: str | None = None, marker: str | None = None) -> str:
    """The model's text for one prompt: a plausible, deterministic cleaning of the input."""
    batch = re.findall(r'<description id="(\d+)">(.*?)</description>', prompt, re.S)
    if batch:
        return _batch_answer(
            batch, "clean_description", _clean_description, lambda t: " ".join(["word"] * 260), fault, marker
        )
    batch = re.findall(r'<title id="(\d+)">(.*?)</title>', prompt, re.S)
    if batch:
        return _batch_answer(batch, "clean_title", _clean_title, lambda t: (_clean_title(t) + " ") * 30, fault, marker)
    product = _between(prompt, "product")
    if product is not None:
        if fault == "malformed_json":
            return '{"product_type": "Game", "platform": ["PS4"'
        low = product.lower()
        platforms = [name for name, pat in _PLATFORMS if re.search(pat, low)]
        answer: dict[str, Any] = {
            "product_type": "Accessory" if re.search(r"controller|headset|cable|charger", low) else "Game",
            "platform": platforms,
            "genre": ["Action"] if "action" in low else [],
            "hardware_type": "Controller" if "controller" in low else None,
            "brand": (
                re.search(r"Store: (\S+)", product) or re.search(r"^Title: (\S+)", product, re.M) or [None, None]
            )[1],
            "multiplayer": "Online Multiplayer" if "online" in low else None,
            "franchise": None,
        }
        if fault == "extra_keys":
            answer.update(
                {"platform": "PS4, Playstation4", "franchise": "null", "rating_guess": 5, "sub_franchise": "x"}
            )
        return json.dumps(answer)
    title = _between(prompt, "title")
    if title is not None:
        clean = _clean_title(title)
        if fault == "too_long":
            clean = "Very Long Title " * 20
        return "I cleaned it: " + clean if fault == "no_tags" else f"<clean_title>{clean}</clean_title>"
    desc = _between(prompt, "description")
    if desc is not None:
        clean = _clean_description(desc)
        if fault == "too_long":
            clean = " ".join(["word"] * 260)
        return clean if fault == "no_tags" else f"<clean_description>{clean}</clean_description>"
    return "echo: " + prompt[:200]


class FakeGemini:
    """Start with `with FakeGemini(latency_s=...) as fake:`; point the SDK at `fake.base_url`."""

    def __init__(
        self,
        latency_s: float = 0.0,
        slow_s: float = 2.0,
        per_token_s: float = 0.0,
        responder: Responder | None = None,
        batch_polls_before_done: int = 1,
        batch_final_state: str = "BATCH_STATE_SUCCEEDED",
    ) -> None:
        self.latency_s = latency_s
        self.slow_s = slow_s
        self.per_token_s = per_token_s
        self.responder = responder
        self.batch_polls_before_done = batch_polls_before_done
        self.batch_final_state = batch_final_state
        self.fail_next: deque[Any] = deque()
        self.faults: dict[str, deque[Any]] = {}
        self.calls: Counter[str] = Counter()  # generate / batch_create / batch_get / fault:<kind>
        self.prompts: list[str] = []  # every generateContent prompt, in arrival order
        self.bodies: list[dict] = []  # every generateContent request body
        self.api_keys: set[str] = set()  # what arrived in x-goog-api-key
        self.arrivals: list[float] = []  # time.monotonic() of every generateContent request
        self.in_flight = 0
        self.max_in_flight = 0  # most generateContent requests open at once
        self.batches: dict[str, dict] = {}
        self.batch_create_faults: deque[int] = deque()  # HTTP statuses for the next batch creates (200 = accept)
        self.hold_batches = False  # True: every job stays RUNNING (a run to kill while it waits)
        self.files: dict[str, dict] = {}  # files/<id> -> {"data", "mime", "display"}: uploads and batch outputs
        self.uploads: dict[str, dict] = {}  # upload id -> the resumable session (its bytes so far)
        self.batch_inputs: list[bytes] = []  # every JSONL input file a batch job was created from
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ---- scripting -------------------------------------------------------------------------------------------
    def add_fault(self, marker: str, *faults: Any) -> None:
        with self._lock:
            self.faults.setdefault(marker, deque()).extend(faults)

    def _take_fault(self, prompt: str) -> tuple[Any, str | None]:
        """(fault, the marker that chose it, None for fail_next) for a request with this prompt."""
        with self._lock:
            if self.fail_next:
                return self.fail_next.popleft(), None
            for marker, queue in self.faults.items():
                if queue and marker in prompt:
                    return queue.popleft(), marker
        return None, None

    def reset_counts(self) -> None:
        with self._lock:
            self.calls.clear()
            self.prompts.clear()
            self.bodies.clear()
            self.arrivals.clear()
            self.max_in_flight = 0

    # ---- answers ---------------------------------------------------------------------------------------------
    def answer(
        self, body: dict, fault: Any = None, api_key: str | None = None, marker: str | None = None
    ) -> tuple[int, dict, float]:
        """(http status, json body, extra delay) for one generateContent request."""
        prompt = "".join(p.get("text", "") for c in body.get("contents", []) for p in c.get("parts", []))
        with self._lock:
            self.prompts.append(prompt)
            self.bodies.append(body)
        if isinstance(fault, int) and fault != 200:
            status = {
                400: "INVALID_ARGUMENT",
                401: "UNAUTHENTICATED",
                403: "PERMISSION_DENIED",
                429: "RESOURCE_EXHAUSTED",
                500: "INTERNAL",
                503: "UNAVAILABLE",
            }.get(fault, "UNKNOWN")
            return fault, {"error": {"code": fault, "message": f"fake {status}", "status": status}}, 0.0
        if fault == "leak_401":  # a fatal error that quotes the key back: it must not reach any log or table
            return (
                401,
                {"error": {"code": 401, "message": f"API key {api_key} not valid", "status": "UNAUTHENTICATED"}},
                0.0,
            )
        if fault == "leak_400":  # a server error that quotes the key back: it must be redacted before storing
            return (
                400,
                {
                    "error": {
                        "code": 400,
                        "message": f"API key {api_key} rejected for this input",
                        "status": "INVALID_ARGUMENT",
                    }
                },
                0.0,
            )
        delay = self.slow_s if fault == "timeout" else 0.0
        if fault == "empty":
            return 200, {"candidates": [{"finishReason": "SAFETY", "content": {"role": "model", "parts": []}}]}, 0.0
        text = self.responder(prompt, body) if self.responder else default_answer(prompt, fault, marker)
        delay += self.per_token_s * (len(text) // 4)  # decoding time grows with the answer
        return (
            200,
            {
                "candidates": [{"content": {"role": "model", "parts": [{"text": text}]}, "finishReason": "STOP"}],
                "usageMetadata": {
                    "promptTokenCount": len(prompt) // 4,
                    "candidatesTokenCount": len(text) // 4,
                    "totalTokenCount": (len(prompt) + len(text)) // 4,
                },
                "modelVersion": "fake",
            },
            delay,
        )

    def _batch_create(self, model: str, body: dict, api_key: str | None = None) -> tuple[int, dict]:
        config = body.get("batch", {}).get("inputConfig", {})
        ident = f"batches/fake{next(self._ids)}"
        job: dict[str, Any] = {"model": model, "polls": 0, "display": body.get("batch", {}).get("displayName")}
        if "fileName" in config:
            source = self.files.get(config["fileName"])
            if source is None:
                return 400, {"error": {"code": 400, "message": "no such file", "status": "INVALID_ARGUMENT"}}
            with self._lock:
                self.batch_inputs.append(source["data"])
            lines = [json.loads(line) for line in source["data"].decode().splitlines() if line.strip()]
            with self._lock:
                self.calls["batch_requests"] += len(lines)
            out = []
            for item in lines:
                entry = self._batch_line(item["request"], {"key": item["key"]}, api_key)
                if entry is not None:
                    out.append(json.dumps(entry))
            out.reverse()  # the real output keeps no order: only the keys tie answers to requests
            job["responses_file"] = self._add_file(
                ("\n".join(out) + "\n").encode(), "application/jsonl", f"{ident}-output"
            )
        else:
            requests = config.get("requests", {}).get("requests", [])
            with self._lock:
                self.calls["batch_requests"] += len(requests)
            entries = [self._batch_line(r["request"], {"metadata": r.get("metadata", {})}, api_key) for r in requests]
            job["responses"] = [e for e in entries if e is not None]
        with self._lock:
            self.batches[ident] = job
        return 200, self._batch_view(ident)

    def _batch_line(self, request: dict, entry: dict, api_key: str | None) -> dict | None:
        """One request of a batch job, answered as the output entry {..., "response"} or {..., "error"}."""
        prompt = "".join(p.get("text", "") for c in request.get("contents", []) for p in c.get("parts", []))
        fault, marker = self._take_fault(prompt)
        if fault is not None:
            with self._lock:
                self.calls[f"fault:{fault}"] += 1
        if fault == "skip_line":
            return None
        status, payload, _ = self.answer(request, fault, api_key, marker=marker)
        if status == 200:
            return {**entry, "response": payload}
        return {**entry, "error": payload["error"]}

    def _add_file(self, data: bytes, mime: str, display: str | None) -> str:
        name = f"files/fake{next(self._ids)}"
        with self._lock:
            self.files[name] = {"data": data, "mime": mime, "display": display}
        return name

    def _file_view(self, name: str) -> dict:
        entry = self.files[name]
        return {
            "name": name,
            "displayName": entry["display"],
            "mimeType": entry["mime"],
            "sizeBytes": str(len(entry["data"])),
            "state": "ACTIVE",
            "uri": f"{self.base_url}/v1beta/{name}",
        }

    def _batch_view(self, ident: str) -> dict:
        job = self.batches[ident]
        done = job["polls"] > self.batch_polls_before_done and not self.hold_batches
        running = "BATCH_STATE_RUNNING" if job["polls"] else "BATCH_STATE_PENDING"
        meta: dict[str, Any] = {
            "@type": "type.googleapis.com/google.ai.generativelanguage.v1beta.GenerateContentBatch",
            "model": job["model"],
            "displayName": job["display"],
            "state": self.batch_final_state if done else running,
            "createTime": "2026-11-25T00:00:00Z",
        }
        if done and self.batch_final_state == "BATCH_STATE_SUCCEEDED":
            if "responses_file" in job:
                meta["output"] = {"responsesFile": job["responses_file"]}
            else:
                meta["output"] = {"inlinedResponses": {"inlinedResponses": job["responses"]}}
        return {"name": ident, "metadata": meta, "done": done}

    # ---- server ----------------------------------------------------------------------------------------------
    def start(self) -> FakeGemini:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, like the real endpoint

            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def _send(self, status: int, payload: dict | bytes, headers: dict[str, str] | None = None) -> None:
                raw = isinstance(payload, bytes)
                data = payload if raw else json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/octet-stream" if raw else "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for name, value in (headers or {}).items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
                    pass

            def _upload(self, raw: bytes) -> None:
                """The Files API's resumable upload: `start` opens a session, chunks follow, `finalize` ends it."""
                query = parse_qs(urlsplit(self.path).query)
                command = self.headers.get("X-Goog-Upload-Command", "")
                if "upload_id" not in query:  # start
                    if command != "start" or self.headers.get("X-Goog-Upload-Protocol") != "resumable":
                        return self._send(400, {"error": {"code": 400, "message": "not resumable"}})
                    upload_id = str(next(fake._ids))
                    meta = json.loads(raw or b"{}").get("file", {})
                    with fake._lock:
                        fake.calls["file_upload_start"] += 1
                        fake.uploads[upload_id] = {
                            "data": b"",
                            "size": int(self.headers.get("X-Goog-Upload-Header-Content-Length") or 0),
                            "mime": self.headers.get("X-Goog-Upload-Header-Content-Type") or meta.get("mimeType"),
                            "display": meta.get("displayName"),
                        }
                    url = f"{fake.base_url}/upload/v1beta/files?upload_id={upload_id}&upload_protocol=resumable"
                    return self._send(200, {}, {"x-goog-upload-url": url, "x-goog-upload-status": "active"})
                session = fake.uploads.get(query["upload_id"][0])
                offset = int(self.headers.get("X-Goog-Upload-Offset") or -1)
                if session is None or offset != len(session["data"]):
                    return self._send(400, {"error": {"code": 400, "message": "bad upload offset"}})
                session["data"] += raw
                if "finalize" not in command:
                    return self._send(200, {}, {"x-goog-upload-status": "active"})
                name = fake._add_file(session["data"], session["mime"], session["display"])
                with fake._lock:
                    fake.calls["file_upload"] += 1
                    del fake.uploads[query["upload_id"][0]]
                self._send(200, {"file": fake._file_view(name)}, {"x-goog-upload-status": "final"})

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                key = self.headers.get("x-goog-api-key")
                if key:
                    with fake._lock:
                        fake.api_keys.add(key)
                if self.path.startswith("/upload/"):
                    return self._upload(raw)
                body = json.loads(raw or b"{}")
                m = re.fullmatch(r"/[^/]+/models/([^/:]+):(\w+)", self.path.split("?")[0])
                if not m:
                    return self._send(404, {"error": {"code": 404, "message": "no route", "status": "NOT_FOUND"}})
                model, method = m.groups()
                if method == "batchGenerateContent":
                    with fake._lock:
                        fake.calls["batch_create"] += 1
                        refused = fake.batch_create_faults.popleft() if fake.batch_create_faults else 200
                    if refused != 200:  # e.g. 429: the tier's batch enqueued-token quota is full
                        error = {"code": refused, "message": f"fake batch create {refused}", "status": "REFUSED"}
                        return self._send(refused, {"error": error})
                    return self._send(*fake._batch_create(model, body, key))
                if method != "generateContent":
                    return self._send(404, {"error": {"code": 404, "message": method, "status": "NOT_FOUND"}})
                prompt = "".join(p.get("text", "") for c in body.get("contents", []) for p in c.get("parts", []))
                fault, marker = fake._take_fault(prompt)
                with fake._lock:
                    fake.calls["generate"] += 1
                    fake.arrivals.append(time.monotonic())
                    fake.in_flight += 1
                    fake.max_in_flight = max(fake.max_in_flight, fake.in_flight)
                    if fault is not None:
                        fake.calls[f"fault:{fault}"] += 1
                try:
                    status, payload, delay = fake.answer(body, fault, key, marker)
                    if fake.latency_s or delay:
                        time.sleep(fake.latency_s + delay)
                    self._send(status, payload)
                finally:
                    with fake._lock:
                        fake.in_flight -= 1

            def do_GET(self) -> None:
                if self.path == "/_stats":  # counters, for a client in another process (the benchmark)
                    with fake._lock:
                        return self._send(200, {"calls": dict(fake.calls), "max_in_flight": fake.max_in_flight})
                m = re.fullmatch(r"/[^/]+/(files/[^/?:]+):download", self.path.split("?")[0])
                if m:
                    if m.group(1) not in fake.files:
                        return self._send(404, {"error": {"code": 404, "message": "no file", "status": "NOT_FOUND"}})
                    with fake._lock:
                        fake.calls["file_download"] += 1
                    return self._send(200, fake.files[m.group(1)]["data"])
                m = re.fullmatch(r"/[^/]+/(batches/[^/?]+)", self.path.split("?")[0])
                if not m or m.group(1) not in fake.batches:
                    return self._send(404, {"error": {"code": 404, "message": "no batch", "status": "NOT_FOUND"}})
                with fake._lock:
                    fake.calls["batch_get"] += 1
                    fake.batches[m.group(1)]["polls"] += 1
                self._send(200, fake._batch_view(m.group(1)))

        class Server(ThreadingHTTPServer):
            request_queue_size = 256  # the default 5 drops bursts of concurrent async calls
            daemon_threads = True

        self._server = Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    @property
    def port(self) -> int:
        assert self._server is not None
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeGemini:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Fake Gemini API on 127.0.0.1 (for tests and benchmarks).")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every generateContent call")
    parser.add_argument(
        "--per-token-latency", type=float, default=0.0, help="seconds added per output token (characters / 4)"
    )
    args = parser.parse_args(argv)
    fake = FakeGemini(latency_s=args.latency, per_token_s=args.per_token_latency).start()
    print(f"READY {fake.base_url}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":
    sys.exit(main())
