"""A running ringback app (real uvicorn on a free port) over SQLite and PostgreSQL."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from ringback.api.app import create_app, ensure_api_key
from ringback.engine.clock import VirtualClock
from ringback.store import open_store
from ringback.store.base import Store

API_KEY = "test-key"
START = datetime(2025, 3, 7, 9, 0, tzinfo=UTC)  # a Friday


@dataclass
class Server:
    url: str
    store: Store
    clock: VirtualClock
    client: httpx.Client  # authorised for the admin API

    def calls(self, token: str, path: str = "") -> str:
        return f"{self.url}/api/calls/campaign/{token}{path}"

    def create_campaign(self, **fields: object) -> dict[str, object]:
        body = {"name": "Test", **fields}
        response = self.client.post("/api/v1/campaigns", json=body)
        assert response.status_code == 201, response.text
        data: dict[str, object] = response.json()
        return data


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    fixture = "sqlite_url" if request.param == "sqlite" else "pg_url"
    url: str = request.getfixturevalue(fixture)
    return url


@contextmanager
def serving(
    db_url: str, make_app: Callable[[Store, VirtualClock], FastAPI] | None = None
) -> Iterator[Server]:
    """A migrated store at ``db_url`` with the test admin key, and its app (``create_app``, or
    ``make_app``) served by a real uvicorn on a free port while the block runs."""
    store = open_store(db_url)
    store.migrate()
    clock = VirtualClock(START)
    ensure_api_key(store, API_KEY, clock.now())
    app = create_app(store, clock=clock) if make_app is None else make_app(store, clock)
    port = _free_port()
    uv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not uv.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    url = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {API_KEY}"}
    try:
        with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
            yield Server(url, store, clock, client)
    finally:
        uv.should_exit = True
        thread.join(timeout=10)
        store.close()


@pytest.fixture
def server(db_url: str) -> Iterator[Server]:
    with serving(db_url) as running:
        yield running
