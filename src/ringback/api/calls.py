"""The JAICP-compatible Calls API: ``/api/calls/campaign/{token}/…`` (JAICP Calls API 1.10).

The campaign's secret token in the path is the only credential, as in JAICP. Every POST takes an
optional ``Idempotence-Key`` header: the same key within 24 h returns the first response and
changes nothing, also when the repeat arrives while the first request still runs
(:func:`idempotent`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Body, Form, Header, Path, Query, Request
from fastapi.responses import JSONResponse, Response

from ringback import campaign as campaign_settings
from ringback.api import schemas
from ringback.api.errors import TOKEN_RESPONSES, ApiError
from ringback.api.records import attempt_json, job_json, ms
from ringback.domain.errors import ValidationError
from ringback.domain.policy import parse_instant
from ringback.store.base import (
    CampaignRecord,
    Page,
    Reservation,
    Store,
    StoredResponse,
    TimeFilter,
)

log = logging.getLogger(__name__)
router = APIRouter(tags=["Calls API"], responses=TOKEN_RESPONSES)
BASE = "/api/calls/campaign/{token}"
IdempotenceKey = Annotated[str | None, Header(alias="Idempotence-Key")]
JsonBody = Annotated[Any, Body()]

CLOSED_STATUSES = ("finished", "deleted")
CONTROLLABLE_STATUSES = ("new", "planned", "inProgress", "paused")


def store_of(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def now_of(request: Request) -> datetime:
    now: datetime = request.app.state.clock.now()
    return now


def _campaign(request: Request, token: str) -> CampaignRecord:
    campaign = store_of(request).get_campaign_by_token(token)
    if campaign is None or campaign.status == "deleted":
        raise ApiError(404, "invalid.token", "no campaign has this token")
    return campaign


def _open_campaign(request: Request, token: str) -> CampaignRecord:
    campaign = _campaign(request, token)
    if campaign.status in CLOSED_STATUSES:
        raise ApiError(
            400,
            "invalid.call.task.state",
            f"the campaign is {campaign.status}: it takes no new numbers",
            state=campaign.status.upper(),
        )
    return campaign


#: How long a key stays reserved for a request that is still running: a process that dies
#: mid-request leaves its key free again after this. A request running longer than this loses
#: its key to a repeat, which then runs too.
IDEMPOTENCE_LEASE = timedelta(seconds=60)


@dataclass(frozen=True, slots=True)
class IdempotenceWait:
    """How a request waits for another one running under its ``Idempotence-Key``: it asks the
    store again every ``interval`` seconds, for up to ``bound`` seconds of ``monotonic`` time.
    ``app.state.idempotence_wait`` replaces the default (tests give it a virtual clock)."""

    bound: float = 10.0
    interval: float = 0.1
    sleep: Callable[[float], None] = time.sleep
    monotonic: Callable[[], float] = time.monotonic


def _reserve(request: Request, scope: str, key: str, digest: str) -> Reservation | StoredResponse:
    """Reserve ``key`` for this request, or the response stored for it, waiting while another
    request with the same body holds it; 409 for another body, or when the wait is over."""
    store = store_of(request)
    wait: IdempotenceWait = getattr(request.app.state, "idempotence_wait", IdempotenceWait())
    deadline = wait.monotonic() + wait.bound
    while True:
        state = store.reserve_idempotent(scope, key, digest, now_of(request), IDEMPOTENCE_LEASE)
        if isinstance(state, Reservation):
            return state
        if state.request_hash != digest:
            raise ApiError(
                409,
                "idempotence.key.reused",
                "this Idempotence-Key was used within 24 h for a request with another body",
                key=key,
            )
        if isinstance(state, StoredResponse):
            return state
        left = deadline - wait.monotonic()
        if left <= 0:
            raise ApiError(
                409,
                "idempotence.key.inProgress",
                "a request with this Idempotence-Key is still running: retry later",
                key=key,
            )
        wait.sleep(min(wait.interval, left))


def idempotent(
    request: Request, scope: str, key: str | None, body: Any, run: Callable[[], Any]
) -> Response:
    """Run ``run`` once per ``Idempotence-Key``: a repeat within 24 h gets the first answer.

    The key is reserved in the store before ``run`` starts, so a repeat arriving while the
    first request still runs (a client's retry after a timeout) waits for its answer instead
    of running again; the store decides between concurrent requests, across processes too.

    Only successful answers are stored: a rejected request changed nothing, so repeating it
    must be allowed to succeed once the input is fixed. ``run`` fails by raising (the typed
    4xx errors as well as any 5xx), and a failure releases the key. A key sent again with a
    different body is a client bug (two requests under one key): answering the first response
    would drop the second request's numbers silently, so it is refused with 409
    ``idempotence.key.reused``.
    """
    if key is None:
        return JSONResponse(run())
    store = store_of(request)
    digest = hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()
    state = _reserve(request, scope, key, digest)
    if isinstance(state, StoredResponse):
        return JSONResponse(state.body, status_code=state.status_code)
    try:
        result = run()
    except BaseException:
        try:
            store.release_idempotent(scope, key, state.token)
        except Exception:  # the answer is the request's own error; the lease frees the key
            log.exception("%s: could not release Idempotence-Key %r", scope, key)
        raise
    stored = StoredResponse(200, result, digest)
    try:
        kept = store.complete_idempotent(scope, key, state.token, stored, now_of(request))
    except Exception:
        # The request's work is committed: answer it, or the client would retry a request that
        # succeeded. Unstored, the key frees itself when its lease ends.
        log.exception("%s: could not store the answer under Idempotence-Key %r", scope, key)
        return JSONResponse(result)
    if not kept:
        log.warning(
            "%s: the request under Idempotence-Key %r outlived its %.0f s lease and a repeat "
            "took the key: the repeat runs too",
            scope,
            key,
            IDEMPOTENCE_LEASE.total_seconds(),
        )
    return JSONResponse(result)


def add_phones(request: Request, campaign: CampaignRecord, body: Any) -> list[str]:
    now = now_of(request)
    numbers = campaign_settings.build_numbers(body, campaign.settings, now)
    ids = store_of(request).add_numbers(campaign.id, numbers, now)
    wake = getattr(request.app.state, "wake", None)
    if wake is not None:
        wake()
    return [str(i) for i in ids]


@router.post(
    BASE + "/addPhones",
    summary="Add numbers (all or nothing)",
    response_model=list[str],
    openapi_extra={"requestBody": schemas.ADD_PHONES_BODY},
)
def post_add_phones(
    request: Request, token: str, body: JsonBody, idempotence_key: IdempotenceKey = None
) -> Response:
    campaign = _open_campaign(request, token)
    return idempotent(
        request,
        f"addPhones:{campaign.id}",
        idempotence_key,
        body,
        lambda: add_phones(request, campaign, body),
    )


def _crm_add(request: Request, token: str, phone: str, gmt_zone: str | None) -> str:
    campaign = _open_campaign(request, token)
    item: dict[str, Any] = {"phone": phone}
    if gmt_zone is not None:
        item["gmtZone"] = gmt_zone
    return add_phones(request, campaign, [item])[0]


@router.get(
    "/api/crmCalls/campaign/{token}/addPhone",
    response_model=str,
    summary="Add one number (query string)",
)
def get_crm_add_phone(
    request: Request,
    token: str,
    phone: Annotated[str, Query()],
    gmtZone: Annotated[str | None, Query()] = None,
) -> str:
    return _crm_add(request, token, phone, gmtZone)


@router.post(
    "/api/crmCalls/campaign/{token}/addPhone", response_model=str, summary="Add one number (form)"
)
def post_crm_add_phone(
    request: Request,
    token: str,
    phone: Annotated[str, Form()],
    gmtZone: Annotated[str | None, Form()] = None,
) -> str:
    return _crm_add(request, token, phone, gmtZone)


def _selection(body: Any) -> tuple[list[str], list[int]]:
    """``{"phones": […], "ids": […]}``: the union of what they name (either may be absent)."""
    if not isinstance(body, dict):
        raise ValidationError("invalid.body", 'expected {"phones": [...], "ids": [...]}')
    phones = body.get("phones") or []
    ids = body.get("ids") or []
    if not isinstance(phones, list) or not all(isinstance(p, (str, int)) for p in phones):
        raise ValidationError("invalid.phones", "phones must be an array of phone strings")
    if not isinstance(ids, list):
        raise ValidationError("invalid.ids", "ids must be an array of call-job ids")
    parsed: list[int] = []
    for value in ids:
        try:
            parsed.append(int(str(value)))
        except ValueError:
            raise ValidationError("id.not.found", f"no call job has id {value!r}") from None
    return [str(p) for p in phones], parsed


@router.post(
    BASE + "/callJob/cancel",
    response_model=list[str],
    openapi_extra={"requestBody": schemas.SELECTION_BODY},
)
def cancel(
    request: Request, token: str, body: JsonBody, idempotence_key: IdempotenceKey = None
) -> Response:
    campaign = _campaign(request, token)
    phones, ids = _selection(body)

    def run() -> list[str]:
        done = store_of(request).cancel_jobs(campaign.id, phones, ids, now_of(request))
        return [str(i) for i in done]

    return idempotent(request, f"cancel:{campaign.id}", idempotence_key, body, run)


@router.post(
    BASE + "/callJob/getReport",
    response_model=list[schemas.CallJob],
    openapi_extra={"requestBody": schemas.SELECTION_BODY},
)
def job_report(request: Request, token: str, body: JsonBody) -> list[dict[str, Any]]:
    campaign = _campaign(request, token)
    phones, ids = _selection(body)
    return [job_json(j) for j in store_of(request).get_jobs(campaign.id, phones=phones, ids=ids)]


def _page(data: Any) -> Page:
    if data is None:
        return Page()
    if not isinstance(data, dict):
        raise ValidationError("invalid.pagination", "pagination must be {page, pageSize}")
    page, size = data.get("page", 0), data.get("pageSize", 20)
    for name, value, low, high in (("page", page, 0, 199), ("pageSize", size, 1, 200)):
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValidationError(
                "invalid.pagination", f"{name} must be an integer {low}-{high}, got {value!r}"
            )
    return Page(page, size)


def _filter(data: Any, first: str) -> TimeFilter:
    if data is None:
        return TimeFilter()
    if not isinstance(data, dict):
        raise ValidationError("invalid.filter", "filter must be an object of ISO-8601 bounds")
    names = (f"{first}From", f"{first}To", "finishedAtFrom", "finishedAtTo")
    values: list[datetime | None] = []
    for name in names:
        raw = data.get(name)
        if raw is None:
            values.append(None)
            continue
        try:
            values.append(parse_instant(raw, field=name))
        except ValidationError:
            raise ValidationError(
                "invalid.filter", f"filter.{name} must be an ISO-8601 date-time, got {raw!r}"
            ) from None
    return TimeFilter(*values)


def _paged(items: Sequence[dict[str, Any]], page: Page) -> dict[str, Any]:
    return {"items": list(items), "pagination": {"page": page.page, "pageSize": page.page_size}}


def _body_object(body: Any) -> dict[str, Any]:
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise ValidationError("invalid.body", "expected a JSON object")
    return body


def _by_date(body: Any, first: str) -> tuple[TimeFilter, Page]:
    """``{"filter": {<first>From, <first>To, finishedAtFrom, finishedAtTo}, "pagination"}``."""
    data = _body_object(body)
    return _filter(data.get("filter"), first), _page(data.get("pagination"))


@router.post(
    BASE + "/callJob/getReportByDate",
    response_model=schemas.CallJobPage,
    openapi_extra={"requestBody": schemas.by_date_body("createdAt")},
)
def job_report_by_date(request: Request, token: str, body: JsonBody = None) -> dict[str, Any]:
    campaign = _campaign(request, token)
    flt, page = _by_date(body, "createdAt")
    jobs = store_of(request).jobs_by_date(campaign.id, flt, page)
    return _paged([job_json(j) for j in jobs], page)


@router.post(
    BASE + "/callJob/getUnfinished",
    response_model=schemas.CallJobPage,
    openapi_extra={"requestBody": schemas.PAGINATION_BODY},
)
def unfinished(request: Request, token: str, body: JsonBody = None) -> dict[str, Any]:
    campaign = _campaign(request, token)
    page = _page(_body_object(body) or None)
    jobs = store_of(request).unfinished_jobs(campaign.id, page)
    return _paged([job_json(j) for j in jobs], page)


@router.post(
    BASE + "/callAttempt/getReport",
    response_model=list[schemas.CallAttempt],
    openapi_extra={"requestBody": schemas.SELECTION_BODY},
)
def attempt_report(request: Request, token: str, body: JsonBody) -> list[dict[str, Any]]:
    campaign = _campaign(request, token)
    phones, ids = _selection(body)
    attempts = store_of(request).get_attempts(campaign.id, phones=phones, ids=ids)
    return [attempt_json(a) for a in attempts]


@router.post(
    BASE + "/callAttempt/getReportByDate",
    response_model=schemas.CallAttemptPage,
    openapi_extra={"requestBody": schemas.by_date_body("startedAt")},
)
def attempt_report_by_date(request: Request, token: str, body: JsonBody = None) -> dict[str, Any]:
    campaign = _campaign(request, token)
    flt, page = _by_date(body, "startedAt")
    attempts = store_of(request).attempts_by_date(campaign.id, flt, page)
    return _paged([attempt_json(a) for a in attempts], page)


@router.get(BASE, response_model=schemas.CampaignInfo, summary="The campaign and its short report")
def campaign_info(request: Request, token: str) -> dict[str, Any]:
    campaign = _campaign(request, token)
    counts = store_of(request).counts(campaign.id)
    settings = campaign.settings
    return {
        "id": campaign.id,
        "name": campaign.name,
        "projectName": settings.get("bot") or "builtin",
        "creationDate": ms(campaign.created_at),
        "botId": settings.get("bot") or "builtin",
        "startTime": ms(campaign.started_at),
        "endTime": ms(campaign.finished_at),
        "status": campaign.status,
        "maxSimultaneousCalls": campaign.lines,
        "shortReport": {
            "totalNumbers": counts.total_numbers,
            "processedNumbers": counts.processed_numbers,
            "usedTalkingTime": counts.talk_seconds,
            "usedAsrSeconds": 0,
            "inProcessCalls": counts.in_process,
            "retryCalls": counts.on_retry,
        },
    }


@router.get(BASE + "/status", response_model=str)
def campaign_status(request: Request, token: str) -> str:
    return _campaign(request, token).status


def control(request: Request, campaign: CampaignRecord, action: str) -> CampaignRecord:
    """Stop, pause or resume; accepted in new, planned, inProgress and paused (SPEC §2)."""
    if campaign.status not in CONTROLLABLE_STATUSES:
        raise ApiError(
            400,
            "invalid.call.task.state",
            f"cannot {action} a campaign that is {campaign.status}",
            state=campaign.status.upper(),
        )
    if action == "stop":
        status = "finished"
    elif action == "pause":
        status = "paused"
    elif campaign.status != "paused":
        return campaign  # resuming a running campaign changes nothing
    else:
        status = "inProgress" if campaign.started_at is not None else "planned"
    updated = store_of(request).set_campaign_status(campaign.id, status, now_of(request))
    wake = getattr(request.app.state, "wake", None)
    if wake is not None:
        wake()
    return updated


ControlAction = Annotated[str, Path(json_schema_extra={"enum": ["stop", "pause", "resume"]})]


@router.post(
    BASE + "/control/{action}",
    summary="Stop, pause or resume the campaign",
    response_class=Response,
    responses={200: {"description": "Done; the body is empty"}},
)
def post_control(request: Request, token: str, action: ControlAction) -> Response:
    if action not in ("stop", "pause", "resume"):
        raise ApiError(404, "not.found", f"unknown control {action!r}: stop, pause or resume")
    control(request, _campaign(request, token), action)
    return Response(status_code=200)
