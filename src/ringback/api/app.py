"""The FastAPI application: admin API, Calls API, Duckling API, health and metrics."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from datetime import datetime

from fastapi import FastAPI
from fastapi.responses import JSONResponse, Response
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from ringback import __version__
from ringback.api import admin, calls, errors
from ringback.engine.clock import Clock, SystemClock
from ringback.store.base import Store

DESCRIPTION = """
ringback's REST API.

* **Calls API** (`/api/calls/campaign/{token}/…`): JAICP's Calls API 1.10; the campaign's secret
  token in the path is the credential. POSTs take an optional `Idempotence-Key` header.
* **Admin API** (`/api/v1/…`): campaigns, client lists, reports; `Authorization: Bearer <key>`.
* **Duckling API** (`/parse`, `/targets`): time expressions, wire-compatible with Duckling.

Every 4xx answer is a typed error body `{"type": …, "message": …}`; a rejected request changes
nothing.
"""


class StoreCollector(Collector):
    """Gauges read from the store at scrape time, so several workers report one truth."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def collect(self) -> Iterator[GaugeMetricFamily]:
        numbers = GaugeMetricFamily("ringback_numbers", "Numbers per campaign", labels=["campaign"])
        processed = GaugeMetricFamily(
            "ringback_numbers_processed", "Numbers whose series all ended", labels=["campaign"]
        )
        busy = GaugeMetricFamily("ringback_lines_busy", "Attempts in flight", labels=["campaign"])
        lines = GaugeMetricFamily("ringback_lines", "maxSimultaneousCalls", labels=["campaign"])
        retry = GaugeMetricFamily(
            "ringback_jobs_on_retry", "Jobs waiting for a retry", labels=["campaign"]
        )
        backlog = GaugeMetricFamily(
            "ringback_due_backlog",
            "Numbers not yet processed and not in a call",
            labels=["campaign"],
        )
        for campaign in self.store.active_campaigns():
            counts = self.store.counts(campaign.id)
            label = [str(campaign.id)]
            numbers.add_metric(label, counts.total_numbers)
            processed.add_metric(label, counts.processed_numbers)
            busy.add_metric(label, counts.in_process)
            lines.add_metric(label, campaign.lines)
            retry.add_metric(label, counts.on_retry)
            backlog.add_metric(
                label, counts.total_numbers - counts.processed_numbers - counts.in_process
            )
        yield from (numbers, processed, busy, lines, retry, backlog)


def create_app(
    store: Store, *, clock: Clock | None = None, wake: Callable[[], None] | None = None
) -> FastAPI:
    """The app over ``store``. ``clock`` gives "now" for records (the dialer's clock, so a
    virtual-time test sees consistent instants); ``wake`` nudges the dialer after a change."""
    app = FastAPI(title="ringback", version=__version__, description=DESCRIPTION)
    app.state.store = store
    app.state.clock = clock or SystemClock()
    app.state.wake = wake
    errors.install(app)
    app.include_router(calls.router)
    app.include_router(admin.router)
    try:
        from ringback.entities.http import router as duckling_router
    except ImportError:  # the entities package is optional at import time only
        pass
    else:
        # Its 400s (a bad tz, locale …) are typed error bodies too: document them.
        app.include_router(duckling_router, tags=["Duckling API"], responses=errors.ERROR_RESPONSES)

    registry = CollectorRegistry()
    registry.register(StoreCollector(store))

    @app.get("/healthz", tags=["Operations"], summary="Liveness")
    def healthz() -> JSONResponse:
        return JSONResponse({"status": "ok", "version": __version__})

    @app.get(
        "/metrics",
        tags=["Operations"],
        summary="Prometheus metrics",
        response_class=Response,
        responses={200: {"content": {"text/plain": {}}, "description": "metrics"}},
    )
    def metrics() -> Response:
        return Response(generate_latest(registry), media_type="text/plain; version=0.0.4")

    return app


def ensure_api_key(store: Store, env_key: str | None, now: datetime) -> str | None:
    """Make sure an admin key exists; return a new key to print once, else None.

    ``RINGBACK_API_KEY`` is registered (hashed) when given; without it and without any stored
    key, a key is generated, stored hashed, and returned so the caller prints it once.
    """
    if env_key:
        digest = admin.hash_key(env_key)
        if not store.has_api_key(digest):
            store.add_api_key(digest, now)
        return None
    if store.any_api_key():
        return None
    key = secrets.token_urlsafe(24)
    store.add_api_key(admin.hash_key(key), now)
    return key
