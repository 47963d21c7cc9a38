"""`python_jobs.data.download` against a local HTTP server on 127.0.0.1 (no internet needed)."""

from __future__ import annotations

import gzip
import hashlib
import random
import re
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from python_jobs.common.paths import CategoryPaths
from python_jobs.data import download as dl

CAT = "Video_Games"
PATHS = {
    "meta": f"/raw/meta_categories/meta_{CAT}.jsonl.gz",
    "train": f"/benchmark/5core/timestamp_w_his/{CAT}.train.csv.gz",
    "reviews": f"/raw/review_categories/{CAT}.jsonl.gz",
}
HTML = b"<!DOCTYPE html><html><body><h1>Service temporarily unavailable</h1></body></html>"


def _gz(seed: int, n: int = 200_000) -> bytes:
    # random payload so the gzip body is about n bytes and every byte position matters
    return gzip.compress(random.Random(seed).randbytes(n), mtime=0)


@dataclass
class ServerState:
    files: dict[str, bytes] = field(default_factory=dict)
    # path -> "ignore_range" | "truncate" | "html" | "nolength"
    modes: dict[str, str] = field(default_factory=dict)
    fail_gets: dict[str, int] = field(default_factory=dict)  # path -> number of 503s before serving
    requests: list[tuple[str, str, str | None]] = field(default_factory=list)  # (method, path, Range header)
    sent: list[int] = field(default_factory=list)  # body bytes written per GET
    # which version validator the server sends: "etag" (strong), "last_modified", "weak_etag" or "none"
    validator: str = "etag"
    head_validator: bool = True  # False: HEAD says nothing about the version, only GET does
    honour_if_range: bool = True  # False: Range is honoured whatever If-Range says (a broken server)
    if_ranges: list[str | None] = field(default_factory=list)  # the If-Range header of each GET

    def version(self, path: str) -> dict[str, str]:
        """The validator headers of the file now at `path` (they change whenever its bytes change)."""
        digest = hashlib.sha256(self.files[path]).hexdigest()[:16]
        return {
            "etag": {"ETag": f'"{digest}"'},
            "weak_etag": {"ETag": f'W/"{digest}"'},
            "last_modified": {"Last-Modified": f"Mon, 0{int(digest, 16) % 9 + 1} Nov 2026 00:00:00 GMT"},
        }.get(self.validator, {})

    def gets(self, path: str | None = None) -> list[tuple[str, str, str | None]]:
        return [r for r in self.requests if r[0] == "GET" and (path is None or r[1] == path)]


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:  # keep pytest output clean
        pass

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def do_GET(self) -> None:
        self._serve(head=False)

    def _send(self, status: int, body: bytes, headers: dict[str, str], head: bool, write: bytes | None = None) -> None:
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        if not head:
            data = body if write is None else write
            self.wfile.write(data)
            self.server.state.sent.append(len(data))  # type: ignore[attr-defined]

    def _serve(self, head: bool) -> None:
        st: ServerState = self.server.state  # type: ignore[attr-defined]
        path = self.path.split("?")[0]
        rng = self.headers.get("Range")
        st.requests.append((self.command, path, rng))
        if not head:
            st.if_ranges.append(self.headers.get("If-Range"))
        body = st.files.get(path)
        mode = st.modes.get(path, "")
        if not head and st.fail_gets.get(path, 0) > 0:
            st.fail_gets[path] -= 1
            self.send_error(503)
            return
        if body is None:
            self.send_error(404)
            return
        gz = {"Content-Type": "application/x-gzip"}
        if not head or st.head_validator:
            gz.update(st.version(path))
        if_range = self.headers.get("If-Range")
        if rng and if_range and st.honour_if_range and if_range not in st.version(path).values():
            rng = None  # RFC 9110: the file changed, so the whole of it, not a tail of the new one
        if mode == "html":
            self._send(200, HTML, {"Content-Type": "text/html", "Content-Length": str(len(HTML))}, head)
        elif mode == "truncate":  # announces the full size, sends half, closes (HTTP/1.0)
            self._send(200, body, {**gz, "Content-Length": str(len(body))}, head, write=body[: len(body) // 2])
        elif mode == "nolength":
            if head:
                self.send_error(405)
            else:
                self._send(200, body, gz, head)
        elif rng and mode != "ignore_range":
            start = int(re.fullmatch(r"bytes=(\d+)-", rng).group(1))  # type: ignore[union-attr]
            if start >= len(body):
                self._send(416, b"", {"Content-Range": f"bytes */{len(body)}", "Content-Length": "0"}, head)
            else:
                part = body[start:]
                self._send(
                    206,
                    part,
                    {
                        **gz,
                        "Content-Length": str(len(part)),
                        "Content-Range": f"bytes {start}-{len(body) - 1}/{len(body)}",
                    },
                    head,
                )
        else:
            self._send(200, body, {**gz, "Content-Length": str(len(body))}, head)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128


@pytest.fixture
def server():
    srv = _Server(("127.0.0.1", 0), _Handler)
    srv.state = ServerState()  # type: ignore[attr-defined]
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield srv.state, f"http://127.0.0.1:{srv.server_address[1]}"  # type: ignore[attr-defined]
    finally:
        srv.shutdown()
        srv.server_close()
        thread.join(timeout=2)


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed on exit: connecting is refused


def _leave_part(dest: Path, data: bytes, state: ServerState | None = None, path: str | None = None) -> Path:
    """A `.part` as an interrupted download leaves it: with the validator of the version it was started from."""
    part = dl.part_path(dest)
    part.parent.mkdir(parents=True, exist_ok=True)
    part.write_bytes(data)
    if state is not None and path is not None:
        for value in state.version(path).values():
            dl.validator_path(part).write_text(value)
    return part


def _fetch(url: str, dest: Path, **kw: object) -> dl.FetchResult:
    opts = {"timeout": 5.0, "retries": 0, "backoff": 0.0, "progress": False, **kw}
    return dl.fetch_file(url, dest, **opts)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------- pure helpers
def test_category_urls_and_destinations(tmp_path: Path) -> None:
    urls = dl.category_urls(CAT)
    base = "https://mcauleylab.ucsd.edu/public_datasets/data/amazon_2023"
    assert urls == {k: base + p for k, p in PATHS.items()}
    assert dl.category_urls(CAT, "http://mirror.example/x/")["meta"] == "http://mirror.example/x" + PATHS["meta"]
    dests = dl.category_destinations(CAT, tmp_path / "data" / "raw")
    paths = CategoryPaths(CAT, data_dir=tmp_path / "data")
    assert dests == {"meta": paths.meta_file, "train": paths.interactions_file, "reviews": paths.reviews_file}
    assert all(p.name.endswith(".gz") for p in dests.values())


@pytest.mark.parametrize("bad", ["../etc", "a/b", "", "Video Games", "x;rm"])
def test_invalid_category_rejected(bad: str) -> None:
    with pytest.raises(ValueError):
        dl.category_urls(bad)
    with pytest.raises(ValueError):
        dl.category_destinations(bad)


def test_select_kinds() -> None:
    assert dl.select_kinds() == ["meta", "train"]
    assert dl.select_kinds(skip_reviews=False) == ["meta", "train", "reviews"]
    assert dl.select_kinds(["reviews", "meta"]) == ["meta", "reviews"]
    with pytest.raises(ValueError):
        dl.select_kinds(["images"])


def test_parse_content_range() -> None:
    assert dl.parse_content_range("bytes 100-199/1000") == (100, 199, 1000)
    assert dl.parse_content_range("bytes */1000") == (None, None, 1000)
    assert dl.parse_content_range("bytes 0-9/*") == (0, 9, None)
    assert dl.parse_content_range(None) == (None, None, None)


# --------------------------------------------------------------------------------------------- downloads
def test_full_download_is_byte_identical(server, tmp_path: Path) -> None:
    state, base = server
    body = state.files[PATHS["meta"]] = _gz(1)
    dest = tmp_path / "raw" / CAT / f"meta_{CAT}.jsonl.gz"
    result = _fetch(base + PATHS["meta"], dest)
    assert result.status == "downloaded" and result.path == dest and result.size == len(body)
    assert dest.read_bytes() == body  # still gzipped, exactly as served
    assert not dl.part_path(dest).exists()
    assert [r[2] for r in state.gets()] == [None]  # one plain GET, no Range


def test_resume_sends_range_and_is_byte_identical(server, tmp_path: Path) -> None:
    state, base = server
    body = state.files[PATHS["train"]] = _gz(2)
    dest = tmp_path / f"{CAT}.train.csv.gz"
    cut = 70_001
    _leave_part(dest, body[:cut], state, PATHS["train"])
    result = _fetch(base + PATHS["train"], dest)
    assert result.status == "resumed"
    assert dest.read_bytes() == body
    assert [r[2] for r in state.gets()] == [f"bytes={cut}-"]
    assert state.sent == [len(body) - cut]  # only the missing tail crossed the wire
    assert not dl.part_path(dest).exists()


def test_server_ignoring_range_restarts_from_zero(server, tmp_path: Path) -> None:
    state, base = server
    body = state.files[PATHS["meta"]] = _gz(3)
    state.modes[PATHS["meta"]] = "ignore_range"
    dest = tmp_path / "meta.jsonl.gz"
    _leave_part(dest, body[:50_000], state, PATHS["meta"])
    _fetch(base + PATHS["meta"], dest)
    assert state.gets()[0][2] == "bytes=50000-"  # asked to resume, got a 200 with the whole file
    assert dest.read_bytes() == body  # not the old 50 kB followed by the whole file again


def test_truncated_body_is_an_error_and_keeps_part(server, tmp_path: Path) -> None:
    state, base = server
    body = state.files[PATHS["meta"]] = _gz(4)
    state.modes[PATHS["meta"]] = "truncate"
    dest = tmp_path / "meta.jsonl.gz"
    with pytest.raises(dl.SizeMismatch) as err:
        _fetch(base + PATHS["meta"], dest, retries=2)
    assert not dest.exists()
    part = dl.part_path(dest)
    assert part.exists() and part.stat().st_size == len(body) // 2  # kept for a later resume
    assert str(part) in str(err.value) and f"{len(body):,}" in str(err.value)
    assert len(state.gets()) == 3  # a cut-short body is retried (retries=2)


def test_html_error_page_is_never_saved(server, tmp_path: Path) -> None:
    state, base = server
    state.files[PATHS["meta"]] = _gz(5)
    state.modes[PATHS["meta"]] = "html"
    dest = tmp_path / "meta.jsonl.gz"
    with pytest.raises(dl.NotGzip, match="text/html"):
        _fetch(base + PATHS["meta"], dest)
    assert not dest.exists() and not dl.part_path(dest).exists()


def test_foreign_partial_file_is_not_completed(server, tmp_path: Path) -> None:
    state, base = server
    state.files[PATHS["meta"]] = _gz(6)
    dest = tmp_path / "meta.jsonl.gz"
    # e.g. an error page left behind by another tool; even with a matching version record it is not completed
    _leave_part(dest, HTML, state, PATHS["meta"])
    with pytest.raises(dl.NotGzip):
        _fetch(base + PATHS["meta"], dest)
    assert not dest.exists() and not dl.part_path(dest).exists()


def test_404_says_category_may_be_wrong(server, tmp_path: Path) -> None:
    _, base = server
    url = dl.category_urls("Video_Game", base)["meta"]
    with pytest.raises(dl.NotFound) as err:
        _fetch(url, tmp_path / "x.gz")
    assert "category name may be wrong" in str(err.value)
    assert dl.CATEGORY_LIST_URL in str(err.value)
    assert not any(tmp_path.iterdir())


def test_5xx_is_retried_then_succeeds(server, tmp_path: Path) -> None:
    state, base = server
    body = state.files[PATHS["meta"]] = _gz(7)
    state.fail_gets[PATHS["meta"]] = 2
    dest = tmp_path / "meta.jsonl.gz"
    _fetch(base + PATHS["meta"], dest, retries=2)
    assert dest.read_bytes() == body and len(state.gets()) == 3


def test_5xx_beyond_retries_fails(server, tmp_path: Path) -> None:
    state, base = server
    state.files[PATHS["meta"]] = _gz(8)
    state.fail_gets[PATHS["meta"]] = 5
    with pytest.raises(dl.DownloadError, match="HTTP 503"):
        _fetch(base + PATHS["meta"], tmp_path / "meta.jsonl.gz", retries=1)
    assert len(state.gets()) == 2


def test_complete_file_is_skipped_without_get(server, tmp_path: Path) -> None:
    state, base = server
    body = state.files[PATHS["meta"]] = _gz(9)
    dest = tmp_path / "meta.jsonl.gz"
    dest.write_bytes(body)
    assert _fetch(base + PATHS["meta"], dest).status == "skipped"
    assert state.gets() == [] and [r[0] for r in state.requests] == ["HEAD"]
    # --force downloads again
    assert _fetch(base + PATHS["meta"], dest, force=True).status == "downloaded"
    assert len(state.gets()) == 1 and dest.read_bytes() == body


def test_file_with_wrong_size_is_replaced(server, tmp_path: Path) -> None:
    state, base = server
    body = state.files[PATHS["meta"]] = _gz(10)
    dest = tmp_path / "meta.jsonl.gz"
    dest.write_bytes(body[:1000])  # e.g. an older or broken copy
    assert _fetch(base + PATHS["meta"], dest).status == "downloaded"
    assert dest.read_bytes() == body


def test_complete_part_only_needs_the_rename(server, tmp_path: Path) -> None:
    state, base = server
    body = state.files[PATHS["meta"]] = _gz(11)
    dest = tmp_path / "meta.jsonl.gz"
    _leave_part(dest, body, state, PATHS["meta"])  # interrupted between the last byte and the rename
    _fetch(base + PATHS["meta"], dest)
    assert dest.read_bytes() == body and state.gets() == []


def test_no_content_length_falls_back_to_gzip_integrity(server, tmp_path: Path) -> None:
    state, base = server
    body = state.files[PATHS["meta"]] = _gz(12)
    state.modes[PATHS["meta"]] = "nolength"
    dest = tmp_path / "meta.jsonl.gz"
    assert _fetch(base + PATHS["meta"], dest).size == len(body)
    assert dest.read_bytes() == body
    state.files[PATHS["meta"]] = body[: len(body) // 2]  # gzip magic present, stream cut short
    with pytest.raises(dl.DownloadError, match="incomplete or corrupt"):
        _fetch(base + PATHS["meta"], tmp_path / "other.jsonl.gz")
    assert not (tmp_path / "other.jsonl.gz").exists()


def test_unreachable_host_raises_server_unreachable(closed_port: int, tmp_path: Path) -> None:
    with pytest.raises(dl.ServerUnreachable, match="offline") as err:
        _fetch(f"http://127.0.0.1:{closed_port}/x.gz", tmp_path / "x.gz", retries=1)
    assert "connection refused" in str(err.value)
    assert not any(tmp_path.iterdir())


def test_unreachable_host_keeps_existing_file(closed_port: int, tmp_path: Path) -> None:
    dest = tmp_path / "x.gz"
    dest.write_bytes(_gz(13, 100))
    assert _fetch(f"http://127.0.0.1:{closed_port}/x.gz", dest).status == "kept"


# --------------------------------------------------------------------------------------------- CLI
def _cli(args: list[str], env: dict[str, str] | None = None):
    from python_jobs.cli import cli

    return CliRunner().invoke(cli, ["download", *args], env=env)


def test_cli_downloads_meta_and_train_by_default(server, tmp_path: Path) -> None:
    state, base = server
    for i, p in enumerate(PATHS.values()):
        state.files[p] = _gz(20 + i, 20_000)
    raw = tmp_path / "raw"
    res = _cli(
        ["--category", CAT, "--raw-dir", str(raw), "--no-progress", "--retries", "0"], env={dl.BASE_URL_ENV: base}
    )
    assert res.exit_code == 0, res.output
    dests = dl.category_destinations(CAT, raw)
    assert dests["meta"].read_bytes() == state.files[PATHS["meta"]]
    assert dests["train"].read_bytes() == state.files[PATHS["train"]]
    assert not dests["reviews"].exists()
    assert all(r[1] != PATHS["reviews"] for r in state.requests)  # reviews never requested
    # a second run skips both complete files
    res = _cli(["--category", CAT, "--raw-dir", str(raw), "--base-url", base, "--no-progress"])
    assert res.exit_code == 0 and res.output.count("already complete") == 2
    # --only reviews fetches just the reviews
    res = _cli(["--category", CAT, "--raw-dir", str(raw), "--base-url", base, "--no-progress", "--only", "reviews"])
    assert res.exit_code == 0, res.output
    assert dests["reviews"].read_bytes() == state.files[PATHS["reviews"]]


def test_cli_offline_message(closed_port: int, tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    res = _cli(
        [
            "--category",
            CAT,
            "--raw-dir",
            str(raw),
            "--base-url",
            f"http://127.0.0.1:{closed_port}",
            "--retries",
            "0",
            "--timeout",
            "2",
            "--no-progress",
        ]
    )
    assert res.exit_code != 0
    out = res.output
    assert "cannot reach the dataset server" in out and "offline" in out
    for kind in ("meta", "train"):  # the exact places to put the files by hand
        assert str(dl.category_destinations(CAT, raw)[kind]) in out
    assert "Traceback" not in out and out.count("Error:") == 1
    assert not raw.exists() or not any(raw.rglob("*"))


def test_cli_404_message(server, tmp_path: Path) -> None:
    _, base = server
    res = _cli(
        ["--category", "Video_Game", "--raw-dir", str(tmp_path), "--base-url", base, "--no-progress", "--retries", "0"]
    )
    assert res.exit_code != 0
    assert "category name may be wrong" in res.output and dl.CATEGORY_LIST_URL in res.output
    assert "Traceback" not in res.output


def test_cli_rejects_invalid_category(tmp_path: Path) -> None:
    res = _cli(["--category", "../etc", "--raw-dir", str(tmp_path)])
    assert res.exit_code == 2
    assert "invalid category" in res.output
    assert not any(tmp_path.iterdir())


def test_retry_classification() -> None:
    from urllib.error import HTTPError, URLError

    assert not dl.is_retryable(URLError(socket.gaierror(socket.EAI_NONAME, "unknown name")))  # offline: fail fast
    assert dl.is_retryable(URLError(socket.gaierror(socket.EAI_AGAIN, "try again")))
    assert dl.is_retryable(URLError(ConnectionRefusedError()))
    assert dl.is_retryable(TimeoutError())
    assert dl.is_retryable(HTTPError("http://x", 503, "unavailable", None, None))  # type: ignore[arg-type]
    assert not dl.is_retryable(HTTPError("http://x", 404, "not found", None, None))  # type: ignore[arg-type]
    assert not dl.is_retryable(dl.NotGzip("http://x", "text/html", b"<html>"))


# --------------------------------------------------------------------------------------------- a changed remote file
def _new_version(old: bytes) -> bytes:
    """Another file of exactly the same size: only the version record can tell a stale prefix from a good one."""
    new = _gz(99, 400_000)[: len(old)]
    assert len(new) == len(old) and new[:2] == dl.GZIP_MAGIC and new != old
    return new


def _interrupted_download(state: ServerState, base: str, dest: Path, path: str) -> bytes:
    """A real download cut short by the server: leaves a `.part` and its version record."""
    old = state.files[path] = _gz(20)
    state.modes[path] = "truncate"
    with pytest.raises(dl.SizeMismatch):
        _fetch(base + path, dest)
    state.modes.pop(path)
    assert dl.validator_path(dl.part_path(dest)).read_text() in state.version(path).values()
    return old


@pytest.mark.parametrize("validator", ["etag", "last_modified"])
def test_part_of_an_older_remote_file_is_restarted_not_completed(server, tmp_path: Path, validator: str) -> None:
    state, base = server
    state.validator = validator
    dest = tmp_path / "meta.jsonl.gz"
    old = _interrupted_download(state, base, dest, PATHS["meta"])
    new = state.files[PATHS["meta"]] = _new_version(old)  # the server's file changes before the resume
    state.requests.clear()
    assert _fetch(base + PATHS["meta"], dest).status == "downloaded"
    assert dest.read_bytes() == new  # not the old half followed by the new half
    assert [r[2] for r in state.gets()] == [None]  # the HEAD's validator told: one plain GET, no Range
    assert not dl.validator_path(dl.part_path(dest)).exists()


def test_if_range_gets_the_whole_file_when_only_get_names_the_version(server, tmp_path: Path) -> None:
    state, base = server
    state.head_validator = False  # so only the server's answer to If-Range can tell
    dest = tmp_path / "meta.jsonl.gz"
    old = _interrupted_download(state, base, dest, PATHS["meta"])
    recorded = dl.validator_path(dl.part_path(dest)).read_text()
    new = state.files[PATHS["meta"]] = _new_version(old)
    state.if_ranges.clear()
    _fetch(base + PATHS["meta"], dest)
    assert state.if_ranges == [recorded]  # the resume was conditional on the old version
    assert dest.read_bytes() == new


def test_a_206_of_another_version_is_not_appended(server, tmp_path: Path) -> None:
    state, base = server
    state.head_validator, state.honour_if_range = False, False  # a server that sends a tail whatever If-Range says
    dest = tmp_path / "meta.jsonl.gz"
    old = _interrupted_download(state, base, dest, PATHS["meta"])
    new = state.files[PATHS["meta"]] = _new_version(old)
    state.requests.clear()
    _fetch(base + PATHS["meta"], dest)
    assert dest.read_bytes() == new
    assert [r[2] for r in state.gets()] == [f"bytes={len(old) // 2}-", None]  # the 206's ETag told: restarted


def test_part_without_a_version_record_is_restarted_when_the_server_names_versions(server, tmp_path: Path) -> None:
    state, base = server
    body = state.files[PATHS["meta"]] = _gz(21)
    dest = tmp_path / "meta.jsonl.gz"
    dl.part_path(dest).write_bytes(_new_version(body)[:60_000])  # from an older tool: which version is unknown
    assert _fetch(base + PATHS["meta"], dest).status == "downloaded"
    assert dest.read_bytes() == body and [r[2] for r in state.gets()] == [None]


def test_part_is_resumed_when_the_server_names_no_versions(server, tmp_path: Path) -> None:
    state, base = server
    state.validator = "weak_etag"  # unusable in If-Range, so as good as none
    body = state.files[PATHS["meta"]] = _gz(22)
    dest = tmp_path / "meta.jsonl.gz"
    dl.part_path(dest).write_bytes(body[:60_000])
    assert _fetch(base + PATHS["meta"], dest).status == "resumed"
    assert dest.read_bytes() == body and state.if_ranges == [None]
