"""Download a category's raw Amazon Reviews 2023 files from the McAuley-lab server.

Library functions (`category_urls`, `category_destinations`, `remote_size`, `fetch_file`) plus
the click command `download`. Only the standard library does HTTP here: urllib never decodes a
`Content-Encoding`, so the bytes written are exactly the `.gz` file the server holds (the original pipeline
wrote decompressed data under a `.gz` name).

A download goes to `<file>.part`, resumes with an HTTP Range request, is checked for the gzip magic bytes and
for the announced size, and only then is renamed atomically to its final name.

A `.part` only ever grows by bytes of the version of the remote file it was started from: the version's
validator (a strong ETag, else Last-Modified) is kept beside it in `<file>.part.validator`, and a resume sends
it as `If-Range`. When the remote file changed (the HEAD's validator differs, the server answers the If-Range
with the whole new file, or a 206 carries another ETag), or when the part has no record of its version while
the server names one, the part starts over. Without this, an old prefix plus the new file's tail of the same
total size passed every check (the gzip magic is the old file's, the size is the new one's).
"""

from __future__ import annotations

import gzip
import http.client
import logging
import os
import re
import socket
import ssl
import time
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar
from urllib.error import HTTPError, URLError
from urllib.parse import urlsplit
from urllib.request import Request, urlopen

import click
from tqdm import tqdm

from python_jobs.common.paths import CategoryPaths, validate_category
from python_jobs.common.settings import options_for
from python_jobs.prepare.settings import PrepareSettings

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://mcauleylab.ucsd.edu/public_datasets/data/amazon_2023"
BASE_URL_ENV = "SID_AMAZON_BASE_URL"
CATEGORY_LIST_URL = "https://amazon-reviews-2023.github.io/"
# the order files are fetched in: what the pipeline reads first, the big unused reviews last
KINDS: tuple[str, ...] = ("meta", "train", "reviews")
GZIP_MAGIC = b"\x1f\x8b"
CHUNK_BYTES = 1 << 20
USER_AGENT = "semantic-id-pipeline/0.1 (python urllib)"
_RETRY_STATUS = frozenset({408, 429, 500, 502, 503, 504})
_MAX_BACKOFF_S = 30.0

T = TypeVar("T")


# --------------------------------------------------------------------------------------------------- errors
class DownloadError(Exception):
    """A download failed in a way the user can act on; the message says how."""


class ServerUnreachable(DownloadError):
    """No connection to the server at all (DNS failure, refused, timed out, connection dropped)."""

    def __init__(self, url: str, reason: str, partial: Path | None = None, partial_bytes: int = 0) -> None:
        self.url, self.reason, self.partial, self.partial_bytes = url, reason, partial, partial_bytes
        host = urlsplit(url).netloc or url
        message = (
            f"cannot reach the dataset server {host} ({reason}). "
            "This machine may be offline, or the server may be down."
        )
        if partial is not None and partial_bytes:
            message += f" {partial_bytes:,} bytes are kept in {partial}; rerun to resume."
        super().__init__(message)


class NotFound(DownloadError):
    def __init__(self, url: str) -> None:
        self.url = url
        super().__init__(
            f"{url}: HTTP 404 Not Found. The category name may be wrong (names are case-sensitive, "
            f"e.g. Video_Games, Books); the list of categories is at {CATEGORY_LIST_URL}"
        )


class SizeMismatch(DownloadError):
    def __init__(self, url: str, part: Path, got: int, expected: int) -> None:
        self.url, self.part, self.got, self.expected = url, part, got, expected
        super().__init__(
            f"{url}: received {got:,} bytes but the server announced {expected:,}. The partial file is kept in "
            f"{part}; rerun to resume (or use --force to start over)."
        )


class NotGzip(DownloadError):
    def __init__(self, url: str, content_type: str | None, head: bytes) -> None:
        self.url = url
        super().__init__(
            f"{url}: the server did not send gzip data (Content-Type {content_type or 'unknown'}, "
            f"starts with {head[:40]!r}); probably an error page. Nothing was saved."
        )


# --------------------------------------------------------------------------------------------------- pure helpers
def category_urls(category: str, base_url: str | None = None) -> dict[str, str]:
    """The three source URLs of a category, keyed by kind (meta, train, reviews)."""
    validate_category(category)
    base = (base_url or DEFAULT_BASE_URL).rstrip("/")
    return {
        "meta": f"{base}/raw/meta_categories/meta_{category}.jsonl.gz",
        "train": f"{base}/benchmark/5core/timestamp_w_his/{category}.train.csv.gz",
        "reviews": f"{base}/raw/review_categories/{category}.jsonl.gz",
    }


def category_destinations(category: str, raw_dir: Path | str = Path("data/raw")) -> dict[str, Path]:
    """Where each kind is saved: `<raw_dir>/<category>/<name>`, as `CategoryPaths` says (still gzipped)."""
    paths = CategoryPaths(category, raw_root=Path(raw_dir))
    return {"meta": paths.meta_file, "train": paths.interactions_file, "reviews": paths.reviews_file}


def select_kinds(only: Iterable[str] = (), skip_reviews: bool = True) -> list[str]:
    """Kinds to fetch, in `KINDS` order: `only` when given (it wins over skip_reviews), else all but reviews."""
    only = set(only)
    unknown = only - set(KINDS)
    if unknown:
        raise ValueError(f"unknown kind(s) {sorted(unknown)}; choose from {list(KINDS)}")
    if only:
        return [k for k in KINDS if k in only]
    return [k for k in KINDS if not (skip_reviews and k == "reviews")]


def part_path(dest: Path) -> Path:
    return dest.with_name(dest.name + ".part")


def validator_path(part: Path) -> Path:
    """Where the validator of the remote version a `.part` holds is kept."""
    return part.with_name(part.name + ".validator")


def response_validator(headers: object) -> str | None:
    """What names this version of the remote file in an If-Range: a strong ETag, else Last-Modified.

    A weak ETag (W/...) is left out: If-Range must not be used with one (RFC 9110, 13.1.5).
    """
    get = getattr(headers, "get", None)
    if get is None:
        return None
    etag = (get("ETag") or "").strip()
    if etag and not etag.startswith("W/"):
        return etag
    return (get("Last-Modified") or "").strip() or None


def _stored_validator(part: Path) -> str | None:
    try:
        return validator_path(part).read_text(encoding="utf-8").strip() or None
    except FileNotFoundError:
        return None


def _remember_validator(part: Path, validator: str | None) -> None:
    record = validator_path(part)
    if validator:
        record.write_text(validator, encoding="utf-8")
    else:
        record.unlink(missing_ok=True)


def discard_part(part: Path) -> None:
    part.unlink(missing_ok=True)
    validator_path(part).unlink(missing_ok=True)


def parse_content_range(value: str | None) -> tuple[int | None, int | None, int | None]:
    """`bytes 100-199/1000` -> (100, 199, 1000); `bytes */1000` -> (None, None, 1000); unknown parts None."""
    if not value:
        return None, None, None
    m = re.fullmatch(r"\s*bytes\s+(?:(\d+)-(\d+)|\*)\s*/\s*(\d+|\*)\s*", value)
    if not m:
        return None, None, None
    start, end, total = m.groups()
    as_int = lambda s: int(s) if s is not None and s != "*" else None  # noqa: E731
    return as_int(start), as_int(end), as_int(total)


def describe_connection_failure(exc: BaseException, timeout: float | None = None) -> str | None:
    """A short reason if `exc` means no usable connection to the server; None for HTTP-level errors."""
    if isinstance(exc, HTTPError):
        return None
    if isinstance(exc, URLError):
        reason = exc.reason
        if isinstance(reason, BaseException):
            return describe_connection_failure(reason, timeout) or str(reason)
        return str(reason)
    if isinstance(exc, socket.gaierror):
        return f"host name could not be resolved: {exc.strerror or exc}"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, TimeoutError):
        return f"timed out after {timeout:g} s" if timeout else "timed out"
    if isinstance(exc, (ConnectionError, http.client.HTTPException)):
        return f"connection lost: {type(exc).__name__} {exc}".strip()
    if isinstance(exc, OSError):
        return str(exc) or type(exc).__name__
    return None


def is_retryable(exc: BaseException) -> bool:
    """Transient failures worth another try: connection problems, 5xx/408/429, a body cut short."""
    if isinstance(exc, HTTPError):
        return exc.code in _RETRY_STATUS or exc.code >= 500
    if isinstance(exc, SizeMismatch):
        return exc.got < exc.expected  # cut short: the next try resumes; too long: the server is wrong
    reason = exc.reason if isinstance(exc, URLError) else exc
    if isinstance(reason, ssl.SSLCertVerificationError):
        return False  # a certificate problem will not fix itself
    if isinstance(reason, socket.gaierror) and reason.errno == socket.EAI_NONAME:
        return False  # the name does not exist (or no DNS at all: offline); EAI_AGAIN stays retryable
    return describe_connection_failure(exc) is not None


# --------------------------------------------------------------------------------------------------- HTTP
@dataclass(frozen=True)
class FetchResult:
    path: Path
    status: str  # "downloaded", "resumed", "skipped" (already complete), "kept" (exists, could not verify)
    size: int


def _request(url: str, method: str = "GET", headers: dict[str, str] | None = None) -> Request:
    # identity: we want the file's own bytes, never a transfer-compressed variant of them
    base = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity"}
    return Request(url, method=method, headers={**base, **(headers or {})})


def remote_info(url: str, *, timeout: float = 60.0) -> tuple[int | None, str | None]:
    """(Content-Length, validator) from a HEAD request; None for what the server does not say (or no HEAD)."""
    try:
        with urlopen(_request(url, "HEAD"), timeout=timeout) as resp:
            length = resp.headers.get("Content-Length")
            validator = response_validator(resp.headers)
    except HTTPError as exc:
        if exc.code in (405, 501):
            exc.close()
            return None, None
        raise
    return (int(length) if length and length.isdigit() else None), validator


def remote_size(url: str, *, timeout: float = 60.0) -> int | None:
    """Content-Length from a HEAD request; None when the server does not say (or does not allow HEAD)."""
    return remote_info(url, timeout=timeout)[0]


def _with_retries(fn: Callable[[], T], *, retries: int, backoff: float, what: str) -> T:
    for attempt in range(retries + 1):
        try:
            return fn()
        except Exception as exc:  # noqa: BLE001 - classified right below, everything else re-raised
            if attempt >= retries or not is_retryable(exc):
                raise
            delay = min(backoff * 2**attempt, _MAX_BACKOFF_S)
            log.warning("%s failed (%s); retry %d/%d in %.1f s", what, _short(exc), attempt + 1, retries, delay)
            time.sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover


def _short(exc: BaseException) -> str:
    if isinstance(exc, HTTPError):
        return f"HTTP {exc.code} {exc.reason}"
    return describe_connection_failure(exc) or str(exc)


def _translate(exc: Exception, url: str, part: Path | None, timeout: float) -> DownloadError:
    """Map a low-level failure to the user-facing error that says what to do."""
    if isinstance(exc, DownloadError):
        return exc
    if isinstance(exc, HTTPError):
        if exc.code == 404:
            return NotFound(url)
        return DownloadError(f"{url}: HTTP {exc.code} {exc.reason}")
    reason = describe_connection_failure(exc, timeout)
    if reason is not None:
        size = part.stat().st_size if part is not None and part.exists() else 0
        return ServerUnreachable(url, reason, part if size else None, size)
    return DownloadError(f"{url}: {type(exc).__name__}: {exc}")


def _check_magic(url: str, head: bytes, content_type: str | None) -> None:
    if head[:2] != GZIP_MAGIC:
        raise NotGzip(url, content_type, head)


def _verify_gzip_stream(url: str, path: Path) -> None:
    """Full decompression check, used only when the server gave no size to compare against."""
    try:
        with gzip.open(path, "rb") as f:
            while f.read(CHUNK_BYTES):
                pass
    except (EOFError, OSError, zlib.error) as exc:
        message = f"{url}: the server gave no size and the gzip data is incomplete or corrupt ({exc})"
        raise DownloadError(message) from exc


def _get_into_part(url: str, part: Path, *, expected: int | None, timeout: float, progress: bool) -> int | None:
    """One GET attempt appending to (or restarting) `part`; returns the total size the server announced."""
    offset = part.stat().st_size if part.exists() else 0
    if expected is not None and offset > expected:
        log.info("%s is larger than the remote file; starting over", part)
        discard_part(part)
        offset = 0
    if expected is not None and offset == expected and offset > 0:
        return expected  # a previous attempt got everything; only the checks and the rename are left
    stored = _stored_validator(part) if offset else None
    headers = {"Range": f"bytes={offset}-"} if offset else {}
    if stored:
        # the server sends the tail only if the file is still the version the part holds, else the whole file
        headers["If-Range"] = stored
    try:
        resp = urlopen(_request(url, headers=headers), timeout=timeout)
    except HTTPError as exc:
        if exc.code == 416 and offset:
            _, _, total = parse_content_range(exc.headers.get("Content-Range"))
            exc.close()
            if total == offset and expected in (None, total):
                return total
            log.info("server rejected the resume range for %s; starting over", part)
            discard_part(part)
            return _get_into_part(url, part, expected=expected, timeout=timeout, progress=progress)
        raise
    with resp:
        content_type = resp.headers.get("Content-Type")
        sent = response_validator(resp.headers)
        if resp.status == 206 and stored and sent and sent != stored:
            # a server that ignores If-Range but honours Range: the tail belongs to another version
            log.info("%s holds another version of the remote file (%s, now %s); starting over", part, stored, sent)
            resp.close()
            discard_part(part)
            return _get_into_part(url, part, expected=expected, timeout=timeout, progress=progress)
        if resp.status == 206:
            start, _, total = parse_content_range(resp.headers.get("Content-Range"))
            if start != offset:
                raise DownloadError(f"{url}: asked for bytes from {offset} but the server sent from {start}")
            if total is None:
                length = resp.headers.get("Content-Length")
                total = offset + int(length) if length and length.isdigit() else None
            mode = "ab"
            with part.open("rb") as f:
                head = f.read(64)  # the part's own start: re-check, a foreign .part must not be completed
            if head[:2] != GZIP_MAGIC:
                discard_part(part)
                raise NotGzip(url, "(existing partial file)", head)
        elif resp.status == 200:
            if offset:
                log.info("server sent the whole file for %s (changed, or Range ignored); restarting", part.name)
            offset, mode, head = 0, "wb", b""
            # recorded before the first byte: an interrupted download always knows which version it holds
            _remember_validator(part, sent)
            length = resp.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
        else:
            raise DownloadError(f"{url}: unexpected HTTP status {resp.status}")

        bar = tqdm(
            total=total,
            initial=offset,
            unit="B",
            unit_scale=True,
            unit_divisor=1024,
            desc=part.name.removesuffix(".part"),
            disable=not progress,
            leave=True,
        )
        try:
            with part.open(mode) as out:
                while chunk := resp.read(CHUNK_BYTES):
                    if len(head) < 2:
                        head += chunk[: 2 - len(head)]
                        if len(head) >= 2:
                            try:
                                _check_magic(url, head + chunk[2:64], content_type)
                            except NotGzip:
                                out.close()
                                discard_part(part)
                                raise
                    out.write(chunk)
                    bar.update(len(chunk))
                out.flush()
                os.fsync(out.fileno())
        finally:
            bar.close()
    if len(head) < 2 and mode == "wb":
        discard_part(part)
        raise NotGzip(url, content_type, head)
    return total


def fetch_file(
    url: str,
    dest: Path | str,
    *,
    timeout: float = 60.0,
    retries: int = 3,
    backoff: float = 1.0,
    progress: bool = True,
    force: bool = False,
) -> FetchResult:
    """Download `url` to `dest` (resuming `dest.part`), verify it, rename atomically; skip if already complete.

    Raises `ServerUnreachable`, `NotFound`, `SizeMismatch`, `NotGzip` or `DownloadError`.
    """
    dest = Path(dest)
    part = part_path(dest)
    if force:
        discard_part(part)
    try:
        expected, current = _with_retries(
            lambda: remote_info(url, timeout=timeout), retries=retries, backoff=backoff, what=f"HEAD {url}"
        )
    except Exception as exc:
        err = _translate(exc, url, part, timeout)
        if isinstance(err, ServerUnreachable) and dest.exists() and not force:
            # our files only reach their final name after the checks, so an existing one is usable
            log.warning("%s exists; server unreachable, so its size was not verified (%s)", dest, err.reason)
            return FetchResult(dest, "kept", dest.stat().st_size)
        raise err from exc

    if dest.exists() and not force:
        local = dest.stat().st_size
        if expected is None:
            log.warning("%s exists; the server gives no size to compare, keeping it (use --force to refetch)", dest)
            return FetchResult(dest, "kept", local)
        if local == expected:
            return FetchResult(dest, "skipped", local)
        log.info("%s has %d bytes, the server has %d; downloading again", dest, local, expected)

    dest.parent.mkdir(parents=True, exist_ok=True)
    if part.exists() and current is not None and _stored_validator(part) != current:
        # started from another version of the remote file, or from an unknown one (no record): its bytes
        # cannot be trusted to precede the current file's tail
        log.info("%s is not from the current version of the remote file (%s); starting over", part, current)
        discard_part(part)
    resumed_from = part.stat().st_size if part.exists() else 0

    def attempt() -> int:
        total = _get_into_part(url, part, expected=expected, timeout=timeout, progress=progress)
        size = part.stat().st_size
        if total is not None and size != total:
            raise SizeMismatch(url, part, size, total)
        if expected is not None and size != expected:
            raise SizeMismatch(url, part, size, expected)
        if total is None and expected is None:
            _verify_gzip_stream(url, part)
        return size

    try:
        size = _with_retries(attempt, retries=retries, backoff=backoff, what=f"GET {url}")
    except Exception as exc:
        raise _translate(exc, url, part, timeout) from exc
    os.replace(part, dest)  # atomic on one filesystem: a reader never sees a half-written final file
    validator_path(part).unlink(missing_ok=True)
    return FetchResult(dest, "resumed" if resumed_from else "downloaded", size)


def manual_placement_hint(
    urls: dict[str, str], dests: dict[str, Path], category: str, raw_dir: Path = Path("data/raw")
) -> str:
    lines = ["To work without this command, fetch these files on a connected machine and place them, still gzipped:"]
    for kind in urls:
        lines.append(f"  {dests[kind]}")
        lines.append(f"      <- {urls[kind]}")
    extra = "" if Path(raw_dir) == Path("data/raw") else f", raw_dir: '{raw_dir}'"
    lines.append(f"then run: dbt build --vars '{{category: {category}{extra}}}'")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------------- CLI
def _validate_category_option(ctx: click.Context, param: click.Parameter, value: str) -> str:
    try:
        return validate_category(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@click.command("download")
@click.option(
    "--category",
    required=True,
    callback=_validate_category_option,
    help="Amazon Reviews 2023 category, exactly as on the dataset site (e.g. Video_Games, Books). "
    "Letters, digits and underscore only.",
)
@options_for(PrepareSettings, only=("raw_dir",))  # files land in RAW_DIR/CATEGORY/, where dbt reads them
@click.option(
    "--base-url",
    envvar=BASE_URL_ENV,
    default=DEFAULT_BASE_URL,
    show_default=True,
    help=f"Dataset root URL, for a mirror or a test server (env {BASE_URL_ENV}).",
)
@click.option(
    "--only",
    "only",
    type=click.Choice(KINDS),
    multiple=True,
    help="Fetch only this file kind (repeatable): meta = item metadata, train = benchmark 5-core "
    "timestamp_w_his train CSV (the user sequences), reviews = full review texts. "
    "Overrides --skip-reviews/--with-reviews.",
)
@click.option(
    "--skip-reviews/--with-reviews",
    default=True,
    show_default=True,
    help="The review file is large (gigabytes for big categories) and no pipeline step reads it, "
    "so it is skipped unless asked for.",
)
@click.option(
    "--force", is_flag=True, help="Download again even when a complete file exists; discards any partial .part file."
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=60.0,
    show_default=True,
    help="Seconds to wait for a connection or for the next data (not a limit on the whole download).",
)
@click.option(
    "--retries",
    type=click.IntRange(min=0),
    default=3,
    show_default=True,
    help="Extra attempts per request on connection errors, HTTP 5xx/429 or a cut-short body, "
    "with exponential backoff (1, 2, 4 ... s); each retry resumes the partial file.",
)
@click.option("--progress/--no-progress", default=True, show_default=True, help="Show a byte progress bar.")
def download(
    settings: PrepareSettings,
    category: str,
    base_url: str,
    only: tuple[str, ...],
    skip_reviews: bool,
    force: bool,
    timeout: float,
    retries: int,
    progress: bool,
) -> None:
    """Fetch a category's raw Amazon Reviews 2023 files (McAuley lab) into <raw-dir>/<category>/.

    Files are kept gzipped exactly as served. Each goes to <file>.part first (an interrupted download resumes
    from there), must start with the gzip magic bytes and match the size the server announced, and is then
    renamed to its final name. Files already complete are skipped. Exits non-zero with a clear message when
    the server cannot be reached or a file is missing.
    """
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(message)s")
    raw_dir = Path(settings.raw_dir)
    kinds = select_kinds(only, skip_reviews)
    all_urls = category_urls(category, base_url)
    all_dests = category_destinations(category, raw_dir)
    urls = {k: all_urls[k] for k in kinds}
    dests = {k: all_dests[k] for k in kinds}

    failures: list[str] = []
    for kind in kinds:
        try:
            result = fetch_file(
                urls[kind], dests[kind], timeout=timeout, retries=retries, progress=progress, force=force
            )
        except ServerUnreachable as exc:
            # the same host serves every file: no point trying the others
            raise click.ClickException(f"{exc}\n{manual_placement_hint(urls, dests, category, raw_dir)}") from None
        except DownloadError as exc:
            failures.append(f"{kind}: {exc}")
            click.echo(f"{kind:<8} FAILED  {exc}", err=True)
            continue
        note = {"skipped": "already complete", "kept": "exists, not verified"}.get(result.status, result.status)
        click.echo(f"{kind:<8} {result.path}  {result.size / 1e6:,.1f} MB  {note}")
    if failures:
        raise click.ClickException(f"{len(failures)} of {len(kinds)} file(s) failed; see the messages above.")
