"""``ringback serve``: the REST API and a dialer in one process."""

from __future__ import annotations

import logging
import os
import signal
import socket
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated

import typer

from ringback.cli.output import fail

if TYPE_CHECKING:
    from ringback.engine.dialer import Dialer

log = logging.getLogger("ringback.serve")


def run_dialer(dialer: Dialer, stop: threading.Event, on_death: Callable[[], None]) -> None:
    """The dialer thread of ``ringback serve``. The dialer waits out database outages itself;
    anything that still stops it is a bug, and then the whole process goes down
    (``on_death``), so that a supervisor restarts it, rather than an API that goes on
    answering while nothing is dialled any more."""
    try:
        dialer.run(stop=stop.is_set)
    except BaseException:
        log.exception("the dialer stopped: shutting down", extra={"action": "dialer_failed"})
        on_death()


def register(app: typer.Typer) -> None:
    @app.command("serve")
    def serve_command(
        db: Annotated[str | None, typer.Option("--db", help="store URL")] = None,
        host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="port to listen on")] = 8080,
        telephony: Annotated[str, typer.Option(help="telephony driver: sim")] = "sim",
        scenario_path: Annotated[
            Path | None,
            typer.Option("--scenario", help="take the simulated callees from this scenario"),
        ] = None,
        dialer: Annotated[bool, typer.Option(help="run a dialer in this process")] = True,
    ) -> None:
        """Admin API + Calls API + Duckling API + a dialer (SQLite file by default)."""
        import uvicorn

        from ringback.api.app import create_app, ensure_api_key
        from ringback.api.webhooks import WebhookDispatcher, secret_from_env
        from ringback.engine.clock import SystemClock
        from ringback.engine.dialer import Dialer
        from ringback.scenario import ScenarioError, read
        from ringback.store import DEFAULT_DB_URL, open_store
        from ringback.telephony.simulated import Callees, SimulatedTelephony

        if telephony != "sim":
            fail("--telephony", "'sim' (the only driver so far: simulated callees)")
        if not 0 < port < 65536:
            fail("--port", "a port number 1-65535")
        callees, seed = Callees(), 0
        if scenario_path is not None:
            try:
                scenario = read(scenario_path)
            except ScenarioError as error:
                print(f"error: {error}", file=sys.stderr)
                raise SystemExit(2) from None
            callees, seed = scenario.callees, scenario.seed
        store = open_store(db or DEFAULT_DB_URL)
        store.migrate()
        clock = SystemClock()
        new_key = ensure_api_key(store, os.environ.get("RINGBACK_API_KEY"), clock.now())
        if new_key is not None:
            print(f"admin API key (shown once, stored hashed): {new_key}", flush=True)
        stop, died = threading.Event(), threading.Event()
        server = uvicorn.Server(
            uvicorn.Config(create_app(store, clock=clock), host=host, port=port, log_level="info")
        )

        def on_death() -> None:
            died.set()
            server.should_exit = True  # the server's loop looks at it every 0.1 s

        threads: list[threading.Thread] = []
        if dialer:
            driver = SimulatedTelephony(callees, seed=seed)
            print(f"telephony: {driver.description}", flush=True)
            worker = Dialer(
                store, driver, clock, worker=f"serve-{socket.gethostname()}-{os.getpid()}"
            )
            threads.append(
                threading.Thread(target=run_dialer, args=(worker, stop, on_death), daemon=True)
            )
        secret = secret_from_env(os.environ)
        if secret is None:
            print("webhooks: off (set RINGBACK_WEBHOOK_SECRET to sign and send them)", flush=True)
        else:
            print("webhooks: on, for campaigns with a webhookUrl (HMAC-SHA256 signed)", flush=True)
            hooks = WebhookDispatcher(store, clock, secret)
            threads.append(threading.Thread(target=hooks.run, args=(stop,), daemon=True))

        def on_signal(signum: int, frame: FrameType | None) -> None:
            # uvicorn handles the signals while it serves, then raises them again here (and a
            # signal before it serves lands here directly): the calls in progress finish
            # (below) instead of the process dying half-way.
            if stop.is_set():
                raise SystemExit(1)  # second signal: leave at once, the leases will expire
            print("stopping: finishing calls in progress", flush=True)
            stop.set()
            server.should_exit = True

        def start_when_serving() -> None:
            # The dialer starts once the API serves: a server that cannot (the port taken)
            # exits before anything was dialled.
            while not server.started:
                if stop.wait(0.05):
                    return
            print(f"ringback API on http://{host}:{port} (OpenAPI: /openapi.json)", flush=True)
            for thread in threads:
                thread.start()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        starter = threading.Thread(target=start_when_serving, daemon=True)
        starter.start()
        try:
            server.run()  # until a signal or the dialer's death; a second signal leaves at once
        finally:
            stop.set()
            starter.join()
        for thread in threads:
            if thread.ident is not None:  # started
                thread.join()  # the dialer returns once its calls ended and are recorded
        store.close()
        if died.is_set():
            print("error: the dialer stopped on an error (logged above)", file=sys.stderr)
            raise SystemExit(1)
