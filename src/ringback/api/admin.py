"""The admin API under ``/api/v1``: campaigns, client-list import, the attempts report.

Authorised by ``Authorization: Bearer <key>``; keys are stored hashed (SHA-256).
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, File, Header, Request, UploadFile
from fastapi.responses import JSONResponse, Response, StreamingResponse

from ringback import campaign as campaign_settings
from ringback.api import schemas
from ringback.api.calls import CONTROLLABLE_STATUSES, ControlAction, control, now_of, store_of
from ringback.api.errors import ADMIN_RESPONSES, ApiError
from ringback.api.records import attempt_row, campaign_json
from ringback.domain.errors import ValidationError
from ringback.store.base import CampaignRecord, NewNumber, Store

MAX_IMPORT_BYTES = 50 * 1024 * 1024


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def require_key(request: Request, authorization: Annotated[str | None, Header()] = None) -> None:
    scheme, _, key = (authorization or "").partition(" ")
    store: Store = request.app.state.store
    if scheme.lower() != "bearer" or not key or not store.has_api_key(hash_key(key.strip())):
        raise ApiError(401, "unauthorized", "expected the header 'Authorization: Bearer <API key>'")


router = APIRouter(
    prefix="/api/v1",
    tags=["Admin API"],
    responses=ADMIN_RESPONSES,
    dependencies=[Depends(require_key)],
)
JsonBody = Annotated[Any, Body()]


def _get(request: Request, campaign_id: int) -> CampaignRecord:
    campaign = store_of(request).get_campaign(campaign_id)
    if campaign is None or campaign.status == "deleted":
        raise ApiError(404, "campaign.not.found", f"no campaign has id {campaign_id}")
    return campaign


@router.post(
    "/campaigns",
    status_code=201,
    response_model=schemas.Campaign,
    openapi_extra={"requestBody": schemas.CREATE_CAMPAIGN_BODY},
)
def create_campaign(request: Request, body: JsonBody) -> JSONResponse:
    settings = campaign_settings.parse_settings(body)
    name = settings.pop("name")
    campaign = store_of(request).create_campaign(name, settings, now_of(request))
    return JSONResponse(campaign_json(campaign), status_code=201)


@router.get("/campaigns", response_model=list[schemas.Campaign])
def list_campaigns(request: Request) -> list[dict[str, Any]]:
    return [campaign_json(c) for c in store_of(request).list_campaigns()]


@router.get("/campaigns/{campaign_id}", response_model=schemas.Campaign)
def read_campaign(request: Request, campaign_id: int) -> dict[str, Any]:
    return campaign_json(_get(request, campaign_id))


@router.patch(
    "/campaigns/{campaign_id}",
    response_model=schemas.Campaign,
    openapi_extra={"requestBody": schemas.PATCH_CAMPAIGN_BODY},
)
def change_campaign(request: Request, campaign_id: int, body: JsonBody) -> dict[str, Any]:
    campaign = _get(request, campaign_id)
    if campaign.status not in CONTROLLABLE_STATUSES:
        raise ApiError(
            400,
            "invalid.call.task.state",
            f"a {campaign.status} campaign cannot be changed",
            state=campaign.status.upper(),
        )
    base = {**campaign.settings, "name": campaign.name}
    settings = campaign_settings.parse_settings(body, base=base)
    name = settings.pop("name")
    updated = store_of(request).update_campaign(
        campaign_id, now_of(request), name=name, settings=settings
    )
    return campaign_json(updated)


@router.delete("/campaigns/{campaign_id}", status_code=204)
def delete_campaign(request: Request, campaign_id: int) -> Response:
    _get(request, campaign_id)
    store_of(request).set_campaign_status(campaign_id, "deleted", now_of(request))
    return Response(status_code=204)


@router.post("/campaigns/{campaign_id}/control/{action}", summary="Stop, pause or resume")
def control_campaign(request: Request, campaign_id: int, action: ControlAction) -> dict[str, Any]:
    if action not in ("stop", "pause", "resume"):
        raise ApiError(404, "not.found", f"unknown control {action!r}: stop, pause or resume")
    return campaign_json(control(request, _get(request, campaign_id), action))


def _read_rows(upload: UploadFile, data: bytes) -> list[list[Any]]:
    name = (upload.filename or "").lower()
    if name.endswith(".xlsx") or data[:2] == b"PK":
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as error:  # openpyxl raises many types for a broken file
            raise ValidationError("invalid.file", f"not a readable XLSX file: {error}") from None
        sheet = book.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError("invalid.file", "a CSV client list must be UTF-8") from None
    dialect: type[csv.Dialect] | csv.Dialect = csv.excel
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        pass
    return [row for row in csv.reader(io.StringIO(text), dialect) if row]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


@router.post(
    "/campaigns/{campaign_id}/phones/import",
    response_model=schemas.ImportResult,
    summary="Import a client list (CSV or XLSX)",
)
async def import_phones(
    request: Request, campaign_id: int, file: Annotated[UploadFile, File()]
) -> dict[str, Any]:
    """Phone in the first column; optional ``GMT_ZONE`` and ``PRIORITY`` columns; every other
    column becomes a payload key. Rows that fail are rejected one by one with their reason;
    the valid rows are added."""
    data = await file.read(MAX_IMPORT_BYTES + 1)
    if len(data) > MAX_IMPORT_BYTES:
        raise ValidationError("invalid.file", "a client list may be at most 50 MB")
    campaign = _get(request, campaign_id)
    if campaign.status in ("finished", "deleted"):
        raise ApiError(
            400,
            "invalid.call.task.state",
            "the campaign takes no new numbers",
            state=campaign.status.upper(),
        )
    rows = _read_rows(file, data)
    if not rows:
        raise ValidationError("invalid.file", "the client list is empty")
    header = [_cell(h) for h in rows[0]]
    now = now_of(request)
    rejected: list[dict[str, Any]] = []
    accepted: list[tuple[int, NewNumber]] = []
    seen: set[str] = set()
    for index, row in enumerate(rows[1:], start=2):  # row numbers as a spreadsheet shows them
        cells = [_cell(c) for c in row]
        if not any(cells):
            continue
        item: dict[str, Any] = {"phone": cells[0] if cells else "", "payload": {}}
        for key, value in zip(header[1:], cells[1:], strict=False):
            if key.upper() == "GMT_ZONE":
                if value:
                    item["gmtZone"] = value
            elif key.upper() == "PRIORITY":
                if value:
                    item["dialerPriority"] = int(value) if value.isdigit() else value
            elif key:
                item["payload"][key] = value
        try:
            number = campaign_settings.build_numbers([item], campaign.settings, now)[0]
        except ValidationError as error:
            rejected.append({"row": index, "type": error.type, "message": error.message})
            continue
        if number.phone in seen:
            rejected.append(
                {
                    "row": index,
                    "type": "phone.duplicated",
                    "message": f"{number.phone} is already in this file",
                }
            )
            continue
        seen.add(number.phone)
        accepted.append((index, number))
    store = store_of(request)
    fresh = [n for _, n in accepted]
    try:
        store.add_numbers(campaign.id, fresh, now)
    except ValidationError as error:
        # Numbers already in the campaign: reject those rows, add the others.
        if error.type != "phone.duplicated":
            raise
        known = {str(p) for p in error.details.get("phonesDuplicates", ())}
        rejected.extend(
            {
                "row": index,
                "type": "phone.duplicated",
                "message": f"{number.phone} is already in the campaign",
            }
            for index, number in accepted
            if number.phone in known
        )
        fresh = [n for n in fresh if n.phone not in known]
        if fresh:
            store.add_numbers(campaign.id, fresh, now)
    rejected.sort(key=lambda r: int(r["row"]))
    return {"added": len(fresh), "rejected": rejected}


REPORT_FIELDS = (
    "phone",
    "callJobId",
    "redialNumber",
    "attemptNumber",
    "startedAt",
    "finishedAt",
    "localStartedAt",
    "zone",
    "zoneSource",
    "outcome",
    "callResult",
    "jobStatus",
    "line",
    "transcript",
)


@router.get(
    "/campaigns/{campaign_id}/report.csv",
    summary="Every attempt, one CSV row each",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}, "description": "the attempts"}},
)
def report_csv(request: Request, campaign_id: int) -> StreamingResponse:
    campaign = _get(request, campaign_id)
    store = store_of(request)

    def rows() -> Iterator[str]:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=REPORT_FIELDS, extrasaction="ignore")
        writer.writeheader()
        for attempt in store.iter_attempts(campaign.id):
            writer.writerow(attempt_row(attempt, csv_cells=True))
            if out.tell() > 64 * 1024:
                yield out.getvalue()
                out.seek(0)
                out.truncate()
        yield out.getvalue()

    headers = {"Content-Disposition": f'attachment; filename="campaign-{campaign.id}.csv"'}
    return StreamingResponse(rows(), media_type="text/csv", headers=headers)
