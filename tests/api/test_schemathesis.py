"""Property-based run over the OpenAPI schema: no 5xx, every response as the schema documents it.

The app runs over a real SQLite file through ASGI. Path parameters are mapped to real campaigns
(a random token would only ever get ``invalid.token``): most operations work on a campaign that
keeps numbers; the ones that end a campaign (delete, stop) get a campaign of their own, so the
main one stays open for addPhones.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from ringback import campaign as campaign_settings
from ringback.api.app import create_app, ensure_api_key
from ringback.engine.clock import VirtualClock
from ringback.store import open_store
from ringback.store.base import CampaignRecord, Store
from tests.api.conftest import API_KEY, START

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
HEADERS = {"Authorization": f"Bearer {API_KEY}"}


def _campaign(store: Store, name: str) -> CampaignRecord:
    settings_ = campaign_settings.parse_settings({"name": name, "maxAttempts": 3})
    record = store.create_campaign(settings_.pop("name"), settings_, START)
    numbers = campaign_settings.build_numbers([{"phone": "79161234567"}], settings_, START)
    store.add_numbers(record.id, numbers, START)
    return record


def _load() -> tuple[Any, Store, tempfile.TemporaryDirectory[str], dict[str, CampaignRecord]]:
    # The schema is built at import: schemathesis' lazy pytest fixture does not work with the
    # pytest we run, and the schema needs the app.
    folder = tempfile.TemporaryDirectory(prefix="ringback-schemathesis-")
    store = open_store(f"sqlite:///{Path(folder.name) / 'ringback.sqlite3'}")
    store.migrate()
    ensure_api_key(store, API_KEY, START)
    main, doomed = _campaign(store, "Main"), _campaign(store, "Doomed")
    loaded = schemathesis.openapi.from_asgi(
        "/openapi.json", create_app(store, clock=VirtualClock(START))
    )

    return loaded, store, folder, {"main": main, "doomed": doomed}


schema, _store, _folder, CAMPAIGNS = _load()


def _aim(case: schemathesis.Case) -> None:
    """Point the case's path at a real campaign (every phase: the coverage phase bypasses
    schemathesis' mapping hooks)."""
    if not case.path_parameters:
        return
    ending = case.method.upper() == "DELETE" or "/control/" in case.operation.path
    target = CAMPAIGNS["doomed" if ending else "main"]
    if "token" in case.path_parameters:
        case.path_parameters["token"] = target.token
    if "campaign_id" in case.path_parameters:
        case.path_parameters["campaign_id"] = target.id


@pytest.fixture(scope="module", autouse=True)
def _close_store() -> Iterator[None]:
    yield
    _store.close()
    _folder.cleanup()


@schema.parametrize()
@settings(
    max_examples=15,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case: schemathesis.Case) -> None:
    _aim(case)
    case.call_and_validate(headers=HEADERS, checks=CHECKS)
