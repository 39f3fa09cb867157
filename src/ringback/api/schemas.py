"""OpenAPI descriptions of the wire shapes, with examples.

Request bodies are validated by the domain (so that every error carries JAICP's type), not by
pydantic; their JSON schemas are declared here for the documentation and for schemathesis.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

_TIME_RANGE = {
    "type": "object",
    "properties": {
        "localTimeFrom": {"type": "string", "example": "10:00"},
        "localTimeTo": {"type": "string", "example": "20:00"},
    },
    "required": ["localTimeFrom", "localTimeTo"],
}
POLICY_PROPERTIES: dict[str, Any] = {
    "startDateTime": {"type": "string", "format": "date-time"},
    "finishDateTime": {"type": "string", "format": "date-time"},
    "allowedDays": {
        "type": "array",
        "items": {"type": "string", "enum": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]},
    },
    "allowedTime": {
        "type": "object",
        "additionalProperties": {"type": "array", "items": _TIME_RANGE},
        "example": {"default": [{"localTimeFrom": "10:00", "localTimeTo": "20:00"}]},
    },
    "localTimeFrom": {"type": "string", "deprecated": True},
    "localTimeTo": {"type": "string", "deprecated": True},
    "retryIntervalInMinutes": {"type": "integer", "minimum": 1, "maximum": 2880},
    "maxAttempts": {"type": "integer", "minimum": 1, "maximum": 50},
    "dialerPriority": {"type": "integer", "minimum": 1, "maximum": 5},
}


def _json_body(schema: dict[str, Any], example: Any, required: bool = True) -> dict[str, Any]:
    return {
        "required": required,
        "content": {"application/json": {"schema": schema, "example": example}},
    }


ADD_PHONES_BODY = _json_body(
    {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {
                "phone": {"type": "string", "example": "79161234567"},
                "payload": {"type": "object"},
                "gmtZone": {"type": "string", "example": "+03:00"},
                "externalCheck": {},
                **POLICY_PROPERTIES,
            },
            "required": ["phone"],
        },
    },
    [{"phone": "79161234567", "payload": {"name": "Ann"}, "gmtZone": "Europe/Moscow"}],
)
SELECTION_BODY = _json_body(
    {
        "type": "object",
        "properties": {
            "phones": {"type": "array", "items": {"type": "string"}},
            "ids": {"type": "array", "items": {"type": "string"}},
        },
    },
    {"phones": ["79161234567"], "ids": ["1"]},
)
_PAGINATION = {
    "type": "object",
    "properties": {
        "page": {"type": "integer", "minimum": 0, "maximum": 199, "default": 0},
        "pageSize": {"type": "integer", "minimum": 1, "maximum": 200, "default": 20},
    },
}
PAGINATION_BODY = _json_body(_PAGINATION, {"page": 0, "pageSize": 20}, required=False)


def by_date_body(first: str) -> dict[str, Any]:
    bounds = {
        name: {"type": "string", "format": "date-time"}
        for name in (f"{first}From", f"{first}To", "finishedAtFrom", "finishedAtTo")
    }
    return _json_body(
        {
            "type": "object",
            "properties": {
                "filter": {"type": "object", "properties": bounds},
                "pagination": _PAGINATION,
            },
        },
        {"filter": {f"{first}From": "2025-03-07T00:00:00Z"}, "pagination": {"page": 0}},
        required=False,
    )


CAMPAIGN_PROPERTIES: dict[str, Any] = {
    "name": {"type": "string", "example": "Reminders"},
    "bot": {"type": "string", "description": "a bot project folder; omitted: the built-in bot"},
    "timezone": {"type": "string", "example": "Europe/Moscow", "default": "UTC"},
    "maxSimultaneousCalls": {"type": "integer", "minimum": 1, "default": 1},
    "ringTimeoutSeconds": {"type": "integer", "minimum": 1, "maximum": 600, "default": 30},
    "webhookUrl": {"type": "string", "format": "uri"},
    **POLICY_PROPERTIES,
}
CREATE_CAMPAIGN_BODY = _json_body(
    {"type": "object", "properties": CAMPAIGN_PROPERTIES, "required": ["name"]},
    {
        "name": "Reminders",
        "timezone": "Europe/Moscow",
        "maxSimultaneousCalls": 10,
        "maxAttempts": 3,
        "retryIntervalInMinutes": 60,
        "allowedDays": ["mon", "tue", "wed", "thu", "fri"],
        "allowedTime": {"default": [{"localTimeFrom": "10:00", "localTimeTo": "20:00"}]},
    },
)
PATCH_CAMPAIGN_BODY = _json_body(
    {"type": "object", "properties": CAMPAIGN_PROPERTIES}, {"maxSimultaneousCalls": 20}
)


class CallJob(BaseModel):
    callJobId: str = Field(examples=["1"])
    redialNumber: int | None
    phone: str
    attemptsCount: int
    jobStatus: str = Field(examples=["longCallWithResult"])
    createdAt: int
    finishedAt: int | None
    callDuration: int
    reportData: dict[str, Any]
    tagName: str | None
    tagPayload: Any
    callResult: str | None
    callResultPayload: Any


class CallAttempt(BaseModel):
    callJobId: str
    redialNumber: int | None
    phone: str
    jobStatus: str | None
    callResult: str | None
    callDuration: int
    startedAt: int
    finishedAt: int | None
    attemptNumber: int
    tagName: str | None
    tagPayload: Any
    reportData: dict[str, Any]
    outcome: str | None = Field(examples=["answer"])
    zone: str = Field(examples=["Europe/Moscow"])
    zoneSource: str = Field(examples=["number"])


class Pagination(BaseModel):
    page: int
    pageSize: int


class CallJobPage(BaseModel):
    items: list[CallJob]
    pagination: Pagination


class CallAttemptPage(BaseModel):
    items: list[CallAttempt]
    pagination: Pagination


class ShortReport(BaseModel):
    totalNumbers: int
    processedNumbers: int
    usedTalkingTime: int
    usedAsrSeconds: int
    inProcessCalls: int
    retryCalls: int


class CampaignInfo(BaseModel):
    id: int
    name: str
    projectName: str
    creationDate: int
    botId: str
    startTime: int | None
    endTime: int | None
    status: str
    maxSimultaneousCalls: int
    shortReport: ShortReport


class Campaign(BaseModel):
    """A campaign in the admin API: its id, secret token, status and every setting."""

    model_config = ConfigDict(extra="allow")
    id: int
    token: str
    status: str
    name: str
    createdAt: int
    updatedAt: int
    startedAt: int | None = None
    finishedAt: int | None = None


class ImportRejection(BaseModel):
    row: int
    type: str
    message: str


class ImportResult(BaseModel):
    added: int
    rejected: list[ImportRejection]
