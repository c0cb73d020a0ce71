"""The HTTP client of the ClinicalTrials.gov API v2 pull: polite, bounded and strict.

Politeness and safety, in the API's own terms (https://clinicaltrials.gov/data-api/api):
one `requests.Session`, connect and read timeouts, a descriptive User-Agent, a request
rate limit, `429` honoured with `Retry-After`, exponential backoff with jitter on 5xx and
connection errors, and a bounded number of attempts. A body that is not complete JSON is
retried, never saved; each body must arrive within `TW_PULL_REQUEST_SECONDS` and the whole
pull within `TW_PULL_MAX_SECONDS`; a response that is not a JSON object (an HTML
maintenance page with status 200, a list) fails at once, named.
"""

from __future__ import annotations

import email.utils
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import requests

from trialwarehouse.settings import Settings
from trialwarehouse.version import software_version

RETRY_STATUSES = {429, 500, 502, 503, 504}


class PullError(RuntimeError):
    """The API could not be read after every allowed attempt."""


class PullLoop(PullError):
    """The API led the pull in a loop (a repeated token, pages past the announced total)."""


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
