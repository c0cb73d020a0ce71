"""A real HTTP server on 127.0.0.1 that replays API v2 pages built from real records.

Faults are scripted per request (429 with Retry-After, 503, a dropped connection, a
truncated body, a slow response, a fatal 404), so tests see what the live API can do; and
what a broken or hostile one does (issue 19): a page token that repeats, empty pages with
fresh tokens for ever, a body trickled a few bytes at a time, an HTML page with status 200,
a page or a /version that is a JSON list. `always` is the fault once the script runs out.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


class FakeRegistry:
    def __init__(self, studies: list[dict], data_timestamp: str = "2026-11-21T09:00:00"):
        self.studies = studies
        self.data_timestamp = data_timestamp
        self.faults: list[str] = []  # consumed one per /studies request; "ok" means no fault
        self.requests: list[dict] = []
        self.total_count_override: int | None = None
        self.listed_ids: list[str] | None = None
        self.slow_seconds = 2.0
        self.trickle_seconds = 0.2  # between the bytes of a trickled body
        self.always = "ok"  # the fault of every /studies request once `faults` is used up
        self.version_body: bytes | None = None  # replaces the /version answer
        self._fresh = 0
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/api/v2"

    def __enter__(self) -> FakeRegistry:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def page(self, params: dict) -> dict:
        size = int(params.get("pageSize", 10))
        offset = int(base64.urlsafe_b64decode(params["pageToken"]).decode()) if "pageToken" in params else 0
        if params.get("fields") == "NCTId":
            ids = (
                self.listed_ids
                if self.listed_ids is not None
                else [s["protocolSection"]["identificationModule"]["nctId"] for s in self.studies]
            )
            chunk = [{"protocolSection": {"identificationModule": {"nctId": i}}} for i in ids[offset : offset + size]]
            total = len(ids)
        else:
            chunk = self.studies[offset : offset + size]
            total = len(self.studies)
        body: dict = {"studies": chunk}
        if offset + size < total:
            body["nextPageToken"] = base64.urlsafe_b64encode(str(offset + size).encode()).decode()
        if params.get("countTotal") == "true":
            body["totalCount"] = self.total_count_override if self.total_count_override is not None else total
        return body

    def _handler(self):
        registry = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def _send(self, status: int, body: bytes, headers: dict | None = None, length: int | None = None):
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(length if length is not None else len(body)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                parsed = urlparse(self.path)
                params = {k: v[0] for k, v in parse_qs(parsed.query).items()}
                registry.requests.append(
                    {"path": parsed.path, "params": params, "user_agent": self.headers.get("User-Agent")}
                )
                if parsed.path.endswith("/version"):
                    self._send(
                        200,
                        registry.version_body
                        or json.dumps({"apiVersion": "2.0.5", "dataTimestamp": registry.data_timestamp}).encode(),
                    )
                    return
                if not parsed.path.endswith("/studies"):
                    self._send(404, b'{"message": "not found"}')
                    return
                fault = registry.faults.pop(0) if registry.faults else registry.always
                page = registry.page(params)
                if fault == "repeat-token":  # the token of this very page, again: a loop
                    page["nextPageToken"] = params.get("pageToken") or base64.urlsafe_b64encode(b"0").decode()
                elif fault == "empty-fresh":  # nothing, and a token never seen before
                    registry._fresh += 1
                    fresh = base64.urlsafe_b64encode(str(10**6 + registry._fresh).encode()).decode()
                    page = {"studies": [], "nextPageToken": fresh}
                    if params.get("countTotal") == "true":
                        page["totalCount"] = len(registry.studies)
                body = json.dumps(page).encode()
                if fault == "429":
                    self._send(429, b'{"message": "slow down"}', {"Retry-After": "1"})
                elif fault == "503":
                    self._send(503, b"Service Unavailable")
                elif fault == "404":
                    self._send(404, b'{"message": "gone"}')
                elif fault == "drop":
                    self.connection.shutdown(2)  # close without any response
                elif fault == "truncate":
                    self._send(200, body[: len(body) // 2], length=len(body) // 2)
                elif fault == "slow":
                    time.sleep(registry.slow_seconds)
                    self._send(200, body)
                elif fault == "trickle":  # every byte well inside the read timeout
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    try:
                        for start in range(0, len(body), 4):
                            self.wfile.write(body[start : start + 4])
                            self.wfile.flush()
                            time.sleep(registry.trickle_seconds)
                    except OSError:
                        pass  # the client hung up, as it should
                elif fault == "html":
                    page_html = b"<!DOCTYPE html><html><body><h1>Down for maintenance</h1></body></html>"
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                    self.send_header("Content-Length", str(len(page_html)))
                    self.end_headers()
                    self.wfile.write(page_html)
                elif fault == "list":
                    self._send(200, json.dumps(page["studies"]).encode())
                else:
                    self._send(200, body)

        return Handler
