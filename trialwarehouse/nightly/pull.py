"""Pull new and changed studies from the ClinicalTrials.gov API v2 into the landing folder.

The HTTP client (politeness, retries, bounds) is `api_client`; the progress and manifests
of pulls, and the default `since`, are `pull_state`.

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

import json
import os
from dataclasses import asdict
from datetime import UTC, date, datetime
from pathlib import Path

from trialwarehouse.atomic import write_json_atomically
from trialwarehouse.logs import Progress
from trialwarehouse.nightly.api_client import ApiClient, PullError, PullLoop
from trialwarehouse.nightly.pull_state import (
    DATA_DIR,
    PullState,
    default_since,
    save_progress,
    state_dir,
    unfinished_pulls,
)
from trialwarehouse.settings import Settings

__all__ = ["PullError", "incremental_term", "pull"]

# Pages an API may send beyond what its announced total needs (an update landing mid-pull).
EXTRA_PAGES = 2


def incremental_term(since: date, user_query: str | None) -> str:
    """The Essie expression for "updated since": AREA[LastUpdatePostDate]RANGE[since,MAX]."""
    term = f"AREA[LastUpdatePostDate]RANGE[{since.isoformat()},MAX]"
    return f"({user_query}) AND {term}" if user_query else term


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


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
        save_progress(raw_dir, state)
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
    target = state_dir(raw_dir) / f"{state.pull_id}.nct_ids.json"
    write_json_atomically(target, {"pull_id": state.pull_id, "query": state.query, "nct_ids": ids})
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
    state = next((s for s in unfinished_pulls(raw_dir) if s.matches(since.isoformat(), query, full)), None)
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
        save_progress(raw_dir, state)
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
        save_progress(raw_dir, state)
        raise
    final = part.with_name(part.name.removesuffix(".part"))
    os.replace(part, final)
    state.data_file = final.relative_to(raw_dir).as_posix()
    state.count_mismatch = state.total_count is not None and state.total_count != state.studies
    # Fewer studies than announced: what arrived is loaded, but the watermark must not pass
    # the studies that did not (the next pull asks for them again).
    state.status = "short" if state.total_count is not None and state.studies < state.total_count else "completed"
    state.finished_at = datetime.now(UTC).isoformat()
    write_json_atomically(state_dir(raw_dir) / f"{state.pull_id}.manifest.json", asdict(state))
    (state_dir(raw_dir) / f"{state.pull_id}.progress.json").unlink(missing_ok=True)
    if state.count_mismatch:
        log(f"pull {state.pull_id}: WARNING received {state.studies} studies but the API counted {state.total_count}")
    return state
