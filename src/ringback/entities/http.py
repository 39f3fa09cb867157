"""Duckling's HTTP API: ``POST /parse`` (form-encoded) and ``GET /targets``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Form
from fastapi.responses import JSONResponse

from ringback.domain.errors import ValidationError
from ringback.entities.extract import DIMS, LANGS
from ringback.entities.request import handle

router = APIRouter(tags=["duckling"])

Field = Annotated[str | None, Form()]


@router.post("/parse", response_model=None)
def parse_endpoint(
    text: Field = None,
    locale: Field = None,
    lang: Field = None,
    dims: Field = None,
    tz: Field = None,
    reftime: Field = None,
    latent: Field = None,
) -> JSONResponse | list[dict[str, Any]]:
    """Entities in ``text`` as Duckling returns them; bad input → 400 ``invalid.<field>``."""
    try:
        return handle(
            text=text,
            locale=locale,
            lang=lang,
            dims_=dims,
            tz=tz,
            ref=reftime,
            latent=latent,
            now=datetime.now(UTC),  # the server's clock is the default reference time
        )
    except ValidationError as error:
        return JSONResponse(error.to_json(), status_code=400)


@router.get("/targets")
def targets() -> dict[str, list[str]]:
    """The dimensions each language supports, Duckling's shape: ``{"en": ["duration", …]}``."""
    return {lang: sorted(DIMS) for lang in LANGS}


def create_app() -> FastAPI:
    """A standalone Duckling-compatible server (``ringback entities serve``)."""
    app = FastAPI(title="ringback entities (Duckling-compatible)")
    app.include_router(router)
    return app
