"""Typed error bodies: every 4xx answer is ``{"type": …, "message": …}`` (plus details)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException as StarletteHTTPException

from ringback.domain.errors import ValidationError


class ErrorBody(BaseModel):
    """A typed error: JAICP's ``type`` (``phone.bad.format``, ``invalid.token`` …) and a
    message saying what was wrong and what was expected; some types carry details (``phone``,
    ``phonesDuplicates``, ``gmtZone``, ``state``, ``key``)."""

    model_config = ConfigDict(extra="allow")
    type: str
    message: str


class ApiError(Exception):
    """An error with its HTTP status (400 unless said)."""

    def __init__(self, status: int, type: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.status = status
        self.body = {"type": type, **details, "message": message}


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "Invalid request; nothing was changed"},
}
TOKEN_RESPONSES: dict[int | str, dict[str, Any]] = {
    **ERROR_RESPONSES,
    404: {"model": ErrorBody, "description": "`invalid.token`: no campaign has this token"},
    409: {
        "model": ErrorBody,
        "description": (
            "`idempotence.key.reused`: the `Idempotence-Key` came with another body; "
            "`idempotence.key.inProgress`: a request with this key and body is still running "
            "and did not answer while this one waited: retry later. Both carry `key`"
        ),
    },
}
ADMIN_RESPONSES: dict[int | str, dict[str, Any]] = {
    **ERROR_RESPONSES,
    401: {"model": ErrorBody, "description": "`unauthorized`: missing or wrong API key"},
    404: {"model": ErrorBody, "description": "`campaign.not.found`"},
}

_HTTP_TYPES = {
    401: "unauthorized",
    404: "not.found",
    405: "method.not.allowed",
    413: "body.too.large",
    415: "unsupported.media.type",
}


def install(app: FastAPI) -> None:
    @app.exception_handler(ValidationError)
    async def validation_error(_: Request, error: ValidationError) -> JSONResponse:
        return JSONResponse(error.to_json(), status_code=400)

    @app.exception_handler(ApiError)
    async def api_error(_: Request, error: ApiError) -> JSONResponse:
        return JSONResponse(error.body, status_code=error.status)

    @app.exception_handler(RequestValidationError)
    async def request_error(_: Request, error: RequestValidationError) -> JSONResponse:
        first = error.errors()[0] if error.errors() else {}
        location = [str(part) for part in first.get("loc", ())]
        # A body that is not JSON (or not the declared shape) is invalid.body; a bad query,
        # path or form parameter is invalid.<its name>.
        if len(location) >= 2 and location[0] in ("query", "path", "header", "form"):
            field = location[1]
        else:
            field = "body"
        where = ".".join(location[1:]) or field
        return JSONResponse(
            {"type": f"invalid.{field}", "message": f"{where}: {first.get('msg', 'invalid')}"},
            status_code=400,
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, error: StarletteHTTPException) -> JSONResponse:
        kind = _HTTP_TYPES.get(error.status_code, f"http.{error.status_code}")
        return JSONResponse(
            {"type": kind, "message": str(error.detail)},
            status_code=error.status_code,
            headers=getattr(error, "headers", None),
        )
