"""Pull new and changed studies from the ClinicalTrials.gov API v2 into the landing folder.

Politeness and safety, in the API's own terms (https://clinicaltrials.gov/data-api/api):
one `requests.Session`, connect and read timeouts, a descriptive User-Agent, a request
rate limit, `429` honoured with `Retry-After`, exponential backoff with jitter on 5xx and
connection errors, and a bounded number of attempts. A body that is not complete JSON is
retried, never saved.

Each pull appends every page's studies, exactly as the API returned them, as NDJSON to
`pulls/pull-<id>.ndjson.part`; a progress file records the next page token and the byte
length of the data after each completed page, so a pull killed half-way resumes from the
last completed page (and cuts any half-written page off). When the last page is in, the
file is renamed to `.ndjson` (the loader ignores `.part` files) and a manifest with the
pull's metadata is written to `.pulls/`, which the next load copies into `etl_pull`.

Bounded in pages, time and trust (issue 19): a page token seen before, or more pages than
the announced total needs, stops the pull (a server in a loop); each request's body must
arrive within `TW_PULL_REQUEST_SECONDS` and the whole pull within `TW_PULL_MAX_SECONDS`
(a body trickled under the read timeout is cut off); a response that is not a JSON object
(an HTML maintenance page with status 200, a list) fails at once, named. A pull stopped for
a loop is marked `abandoned`, so the next one starts afresh instead of resuming the loop; a
pull that received fewer studies than the API counted is loaded but marked `short`, and
only `completed` pulls move the next pull's default `since` forward.
"""

from __future__ import annotations

import email.utils
import json
import os
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import requests

from trialwarehouse.logs import Progress
from trialwarehouse.settings import Settings
from trialwarehouse.version import software_version

STATE_DIR = ".pulls"
DATA_DIR = "pulls"
RETRY_STATUSES = {429, 500, 502, 503, 504}


class PullError(RuntimeError):
    """The API could not be read after every allowed attempt."""


class PullLoop(PullError):
    """The API led the pull in a loop (a repeated token, pages past the announced total)."""


# Pages an API may send beyond what its announced total needs (an update landing mid-pull).
EXTRA_PAGES = 2


def incremental_term(since: date, user_query: str | None) -> str:
    """The Essie expression for "updated since": AREA[LastUpdatePostDate]RANGE[since,MAX]."""
    term = f"AREA[LastUpdatePostDate]RANGE[{since.isoformat()},MAX]"
    return f"({user_query}) AND {term}" if user_query else term


@dataclass
class PullState:
    """Progress of one pull, saved after every completed page."""

    pull_id: str
    started_at: str
    since: str | None
    query: str | None
    full: bool
    params: dict
    next_page_token: str | None = None
    pages: int = 0
    studies: int = 0
    data_bytes: int = 0
    total_count: int | None = None
    newest_last_update: str | None = None
    api_version: str | None = None
    data_timestamp: str | None = None
    listed_ids: int | None = None
    status: str = "running"
    finished_at: str | None = None
    data_file: str | None = None
    count_mismatch: bool = False
    nct_ids_file: str | None = None
    seen_tokens: list[str] = field(default_factory=list)  # every page token followed, to detect a loop
    problem: str | None = None  # why an abandoned pull was stopped

    def matches(self, since: str | None, query: str | None, full: bool) -> bool:
        return (self.since, self.query, self.full) == (since, query, full)


@dataclass
class _RateLimiter:
    per_minute: float
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    _last: float | None = field(default=None, init=False)

    def wait(self) -> None:
        interval = 60.0 / self.per_minute
        now = self.clock()
        if self._last is not None and now - self._last < interval:
            self.sleep(interval - (now - self._last))
        self._last = self.clock()


class ApiClient:
    """GET JSON from the API with rate limiting, retries and clear errors."""

    def __init__(self, settings: Settings, session: requests.Session | None = None, sleep=time.sleep):
        self.deadline = time.monotonic() + settings.pull_max_seconds  # the whole pull's bound
        self.base = settings.api_url.rstrip("/")
        self.settings = settings
        self.sleep = sleep
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = (
            f"trialwarehouse/{software_version()} (nightly clinical-trial warehouse; python-requests)"
        )
        self.session.headers["Accept"] = "application/json"
        self.limiter = _RateLimiter(settings.pull_rate_per_minute, sleep=sleep)
        self.requests_made = 0

    def _check_deadline(self, url: str) -> None:
        if time.monotonic() > self.deadline:
            raise PullError(
                f"pull stopped at its {self.settings.pull_max_seconds:.0f} s bound (TW_PULL_MAX_SECONDS) at {url}"
            )

    def _read_body(self, response: requests.Response) -> bytes:
        """The body, read as it comes (one receive at a time), within the request's wall-clock bound."""
        bound = time.monotonic() + self.settings.pull_request_seconds
        chunks: list[bytes] = []
        while True:
            chunk = response.raw.read1(1 << 16)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
            if time.monotonic() > bound:
                response.close()
                raise requests.Timeout(
                    f"body still arriving after {self.settings.pull_request_seconds:.0f} s (TW_PULL_REQUEST_SECONDS)"
                )

    def get_json(self, path: str, params: dict | None = None) -> dict:
        url = f"{self.base}/{path.lstrip('/')}"
        last_problem = "no attempt made"
        for attempt in range(1, self.settings.pull_max_attempts + 1):
            self._check_deadline(url)
            self.limiter.wait()
            self.requests_made += 1
            try:
                response = self.session.get(
                    url,
                    params=params,
                    timeout=(self.settings.pull_connect_timeout, self.settings.pull_read_timeout),
                    stream=True,
                )
                body = self._read_body(response) if response.status_code == 200 else b""
            except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError) as exc:
                last_problem = f"{type(exc).__name__}: {exc}"
                self._backoff(attempt)
                continue
            except Exception as exc:  # urllib3's own errors while reading the stream
                last_problem = f"{type(exc).__name__}: {exc}"
                self._backoff(attempt)
                continue
            if response.status_code == 429:
                last_problem = "HTTP 429 Too Many Requests"
                self.sleep(self._retry_after(response, attempt))
                continue
            if response.status_code in RETRY_STATUSES:
                last_problem = f"HTTP {response.status_code}"
                self._backoff(attempt)
                continue
            if response.status_code != 200:
                raise PullError(f"GET {response.url} answered HTTP {response.status_code}: {response.text[:300]}")
            kind = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
            if kind in ("text/html", "application/xhtml+xml") or body.lstrip()[:1] == b"<":
                # A maintenance page or a proxy's login page: asking again does not help.
                raise PullError(f"GET {response.url} answered HTML with status 200, not JSON: {body[:120]!r}")
            try:
                document = json.loads(body)
            except ValueError as exc:  # truncated or invalid body: never saved, asked again
                last_problem = f"invalid or truncated JSON body ({exc})"
                self._backoff(attempt)
                continue
            if not isinstance(document, dict):
                raise PullError(f"GET {response.url} answered JSON {type(document).__name__}, not an object")
            return document
        raise PullError(
            f"GET {url} failed after {self.settings.pull_max_attempts} attempts; last problem: {last_problem}"
        )

    def _backoff(self, attempt: int) -> None:
        base = self.settings.pull_backoff_seconds * (2 ** (attempt - 1))
        self.sleep(min(base, 300.0) * (0.5 + random.random() / 2))  # full jitter keeps clients apart

    def _retry_after(self, response: requests.Response, attempt: int) -> float:
        header = response.headers.get("Retry-After")
        if header:
            if header.strip().isdigit():
                return float(header.strip())
            when = email.utils.parsedate_to_datetime(header)
            if when is not None:
                return max(0.0, (when - datetime.now(UTC)).total_seconds())
        return self.settings.pull_backoff_seconds * (2 ** (attempt - 1))


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _state_dir(raw_dir: Path) -> Path:
    path = raw_dir / STATE_DIR
    path.mkdir(parents=True, exist_ok=True)
    return path


def _write_json_atomically(path: Path, payload: dict) -> None:
    temporary = path.with_name(path.name + ".tmp")
    with temporary.open("w", encoding="utf-8") as handle:
        json.dump(payload, handle, indent=1)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def _save(raw_dir: Path, state: PullState) -> None:
    _write_json_atomically(_state_dir(raw_dir) / f"{state.pull_id}.progress.json", asdict(state))


def pending_manifests(raw_dir: Path) -> list[dict]:
    folder = raw_dir / STATE_DIR
    if not folder.is_dir():
        return []
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.manifest.json"))]


def _unfinished(raw_dir: Path) -> list[PullState]:
    folder = raw_dir / STATE_DIR
    if not folder.is_dir():
        return []
    states = [PullState(**json.loads(p.read_text(encoding="utf-8"))) for p in sorted(folder.glob("*.progress.json"))]
    return [s for s in states if s.status == "running"]


def default_since(settings: Settings, raw_dir: Path, today: date | None = None) -> date:
    """Newest last-update date of the last successful pull, minus one day (the API's dates
    are days, and a study updated late on that day may not have been in it)."""
    newest: list[str] = [
        m["newest_last_update"]
        for m in pending_manifests(raw_dir)
        if m.get("newest_last_update") and m.get("status") == "completed"  # a short pull keeps the watermark
    ]
    if settings.warehouse.exists():
        try:
            con = duckdb.connect(str(settings.warehouse), read_only=True)
            try:
                row = con.execute("SELECT max(newest_last_update) FROM etl_pull WHERE status = 'completed'").fetchone()
                if row and row[0]:
                    newest.append(row[0].isoformat())
            finally:
                con.close()
        except duckdb.Error:
            pass  # a warehouse without pull state yet, or busy: fall back to the window
    if newest:
        return date.fromisoformat(max(newest)) - timedelta(days=1)
    return (today or date.today()) - timedelta(days=settings.pull_window_days)


def _page_params(state: PullState, page_size: int) -> dict:
    params = dict(state.params)
    params["pageSize"] = page_size
    if state.next_page_token:
        params["pageToken"] = state.next_page_token
    else:
        params["countTotal"] = "true"  # asked once, on the first page
    return params


def _last_update(study: dict) -> str | None:
    value = (
        ((study.get("protocolSection") or {}).get("statusModule") or {}).get("lastUpdatePostDateStruct") or {}
    ).get("date")
    return value if isinstance(value, str) else None


def _truncate_to_completed_pages(part: Path, state: PullState) -> None:
    # A kill between writing a page and saving progress leaves extra bytes: drop them.
    if part.exists() and part.stat().st_size != state.data_bytes:
        with part.open("r+b") as handle:
            handle.truncate(state.data_bytes)


def _fetch_studies(client: ApiClient, raw_dir: Path, state: PullState, page_size: int, log) -> Path:
    data_dir = raw_dir / DATA_DIR
    data_dir.mkdir(parents=True, exist_ok=True)
    part = data_dir / f"pull-{state.pull_id}.ndjson.part"
    _truncate_to_completed_pages(part, state)
    progress = Progress("pull", None, _pages_for(state.total_count, page_size), unit="pages")
    progress.advance(state.pages, records=state.studies)  # a resumed pull starts where it stopped
    while True:
        page = client.get_json("studies", _page_params(state, page_size))
        studies = page.get("studies")
        if not isinstance(studies, list) or not all(isinstance(s, dict) for s in studies):
            raise PullError(f"API page without a 'studies' list of objects (keys: {sorted(page)[:10]})")
        if state.total_count is None and isinstance(page.get("totalCount"), int):
            state.total_count = page["totalCount"]
        token = page.get("nextPageToken")
        if token is not None and not isinstance(token, str):
            raise PullError(f"API page with a nextPageToken that is not text: {token!r}")
        _check_for_loop(state, token, page_size)
        lines = b"".join(
            json.dumps(s, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n" for s in studies
        )
        with part.open("ab") as handle:
            handle.write(lines)
            handle.flush()
            os.fsync(handle.fileno())
        updates = [d for d in (_last_update(s) for s in studies) if d]
        if updates:
            state.newest_last_update = max([state.newest_last_update or "", *updates]) or None
        state.pages += 1
        state.studies += len(studies)
        state.data_bytes += len(lines)
        state.next_page_token = token
        if token:
            state.seen_tokens.append(token)
        _save(raw_dir, state)
        if progress.total is None and state.total_count is not None:
            progress.set_total(_pages_for(state.total_count, page_size) or 1)
        progress.advance(records=len(studies))
        log(
            f"pull {state.pull_id}: page {state.pages}, {state.studies} studies"
            + (f" of {state.total_count}" if state.total_count is not None else "")
        )
        if not state.next_page_token:
            progress.done()
            return part


def _pages_for(total_count: int | None, page_size: int) -> int | None:
    return None if total_count is None else -(-total_count // page_size)


def _check_for_loop(state: PullState, token: str | None, page_size: int) -> None:
    """Stop a pull the API leads in circles: a token it gave before, or more pages than its
    announced total needs (empty pages with fresh tokens, for ever)."""
    if token and (token in state.seen_tokens or token == state.next_page_token):
        raise PullLoop(f"the API repeated page token {token[:40]!r} after page {state.pages + 1}: stopped")
    if state.total_count is not None:
        allowed = -(-state.total_count // page_size) + EXTRA_PAGES
        if state.pages + 1 > allowed:
            raise PullLoop(
                f"page {state.pages + 1} is more than the {allowed} pages {state.total_count} studies need: stopped"
            )


def _list_nct_ids(client: ApiClient, raw_dir: Path, state: PullState, page_size: int) -> Path:
    params = {"fields": "NCTId", "pageSize": page_size, "countTotal": "true"}
    if state.query:
        params["query.term"] = state.query
    ids: list[str] = []
    seen: set[str] = set()
    pages = 0
    while True:
        page = client.get_json("studies", params)
        pages += 1
        studies = page.get("studies") or []
        if not isinstance(studies, list):
            raise PullError(f"API id listing without a 'studies' list (keys: {sorted(page)[:10]})")
        for study in studies:
            nct = ((study.get("protocolSection") or {}).get("identificationModule") or {}).get("nctId")
            if isinstance(nct, str):
                ids.append(nct)
        token = page.get("nextPageToken")
        if not token:
            break
        total = page.get("totalCount") if pages == 1 else None
        if token in seen or (isinstance(total, int) and pages > -(-total // page_size) + EXTRA_PAGES):
            raise PullLoop(f"the API id listing loops (page token {str(token)[:40]!r} after page {pages}): stopped")
        seen.add(token)
        params = {**params, "pageToken": token}
        params.pop("countTotal", None)
    target = _state_dir(raw_dir) / f"{state.pull_id}.nct_ids.json"
    _write_json_atomically(target, {"pull_id": state.pull_id, "query": state.query, "nct_ids": ids})
    state.listed_ids = len(ids)
    return target


def pull(
    settings: Settings,
    raw_dir: Path,
    since: date | None = None,
    query: str | None = None,
    full: bool = False,
    client: ApiClient | None = None,
    log=print,
) -> PullState:
    """Fetch studies updated since `since` (default: from the pull state) into raw_dir."""
    query = query if query is not None else settings.pull_query
    since = since or default_since(settings, raw_dir)
    client = client or ApiClient(settings)
    state = next((s for s in _unfinished(raw_dir) if s.matches(since.isoformat(), query, full)), None)
    if state:
        log(f"pull {state.pull_id}: resuming after page {state.pages} ({state.studies} studies saved)")
    else:
        pull_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        state = PullState(
            pull_id=pull_id,
            started_at=datetime.now(UTC).isoformat(),
            since=since.isoformat(),
            query=query,
            full=full,
            params={"query.term": incremental_term(since, query), "format": "json"},
        )
        _save(raw_dir, state)
    try:
        version = client.get_json("version")
        state.api_version, state.data_timestamp = _text(version.get("apiVersion")), _text(version.get("dataTimestamp"))
        part = _fetch_studies(client, raw_dir, state, settings.pull_page_size, log)
        if full:
            state.nct_ids_file = _list_nct_ids(client, raw_dir, state, settings.pull_page_size).name
    except PullLoop as loop:
        # Resuming would follow the same loop: the next pull starts afresh. What arrived stays
        # in the .part file, which the loader never reads.
        state.status, state.problem, state.finished_at = "abandoned", str(loop), datetime.now(UTC).isoformat()
        _save(raw_dir, state)
        raise
    final = part.with_name(part.name.removesuffix(".part"))
    os.replace(part, final)
    state.data_file = final.relative_to(raw_dir).as_posix()
    state.count_mismatch = state.total_count is not None and state.total_count != state.studies
    # Fewer studies than announced: what arrived is loaded, but the watermark must not pass
    # the studies that did not (the next pull asks for them again).
    state.status = "short" if state.total_count is not None and state.studies < state.total_count else "completed"
    state.finished_at = datetime.now(UTC).isoformat()
    _write_json_atomically(_state_dir(raw_dir) / f"{state.pull_id}.manifest.json", asdict(state))
    (_state_dir(raw_dir) / f"{state.pull_id}.progress.json").unlink(missing_ok=True)
    if state.count_mismatch:
        log(f"pull {state.pull_id}: WARNING received {state.studies} studies but the API counted {state.total_count}")
    return state
