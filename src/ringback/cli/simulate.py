"""``ringback simulate``, ``ringback demo`` and ``ringback worker``."""

from __future__ import annotations

import json
import os
import signal
import socket
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ringback.cli.output import fail
from ringback.scenario import Scenario, ScenarioError

err = Console(stderr=True)
out = Console()


def _scenario_error(error: ScenarioError) -> None:
    print(f"error: {error.field}: {error.problem}", file=sys.stderr)
    raise SystemExit(2)


def _summary_table(summary: dict[str, Any], wall: float) -> Table:
    table = Table(title=f"campaign {summary['campaign']['name']!r}", show_header=False)
    table.add_column("", style="bold")
    table.add_column("")
    table.add_row("virtual time", f"{summary['clock']['start']} → {summary['clock']['end']}")
    table.add_row("numbers", str(summary["numbers"]["total"]))
    for status, n in summary["numbers"]["byJobStatus"].items():
        table.add_row(f"  {status}", str(n))
    table.add_row("attempts", str(summary["attempts"]["total"]))
    for outcome, n in summary["attempts"]["byOutcome"].items():
        table.add_row(f"  {outcome}", str(n))
    table.add_row("redials", str(summary["redials"]))
    table.add_row("lines", str(summary["lines"]))
    table.add_row("line occupancy", f"{summary['lineOccupancy']:.1%}")
    table.add_row("violations", str(summary["violations"]))
    table.add_row("wall time", f"{wall:.1f} s")
    return table


def run_scenario(
    scenario: Scenario, *, out_path: Path | None, report: Path | None, db: str | None
) -> dict[str, Any]:
    """Run with a progress bar, write the files, print the summary table; return the summary."""
    from ringback import simulate
    from ringback.engine.dialer import BotUnavailableError

    total = (
        (scenario.until - scenario.start).total_seconds() if scenario.until is not None else None
    )
    started = time.monotonic()
    with (
        simulate.open_run_store(db) as store,
        Progress(
            TextColumn("[bold]simulating"),
            BarColumn(),
            TextColumn("{task.fields[at]}"),
            TimeElapsedColumn(),
            console=err,
            transient=False,
        ) as progress,
    ):
        task = progress.add_task("run", total=total, at="")
        last = [0.0]

        def tick(now: datetime) -> None:
            wall = time.monotonic()
            if wall - last[0] < 0.1:
                return
            last[0] = wall
            done = (now - scenario.start).total_seconds()
            progress.update(task, completed=done, at=simulate.iso_utc(now))

        handle = out_path.open("w", encoding="utf-8") if out_path is not None else None
        try:
            result = simulate.run(scenario, store, out=handle, on_tick=tick)
        except BotUnavailableError as error:
            print(f"error: campaign.bot: {error}", file=sys.stderr)
            raise SystemExit(2) from None
        finally:
            if handle is not None:
                handle.close()
        progress.update(task, completed=total, at=result.summary["clock"]["end"])
    summary = result.summary
    summary["wallSeconds"] = round(time.monotonic() - started, 2)
    if report is not None:
        simulate.write_report(summary, report)
    out.print(_summary_table(summary, summary["wallSeconds"]))
    return summary


def register(app: typer.Typer) -> None:
    @app.command("simulate")
    def simulate_command(
        scenario_path: Annotated[Path, typer.Argument(metavar="SCENARIO", help="YAML or JSON")],
        out_path: Annotated[
            Path | None, typer.Option("--out", help="attempts, one JSON object per line")
        ] = None,
        report: Annotated[Path | None, typer.Option("--report", help="summary JSON")] = None,
        db: Annotated[
            str | None, typer.Option("--db", help="store URL (default: a private temporary one)")
        ] = None,
        setup_only: Annotated[
            bool,
            typer.Option("--setup-only", help="only create the campaign and numbers in --db"),
        ] = False,
    ) -> None:
        """Run a campaign scenario in virtual time against simulated callees (SPEC §7)."""
        from ringback.scenario import load_into, read

        try:
            scenario = read(scenario_path)
        except ScenarioError as error:
            _scenario_error(error)
        if setup_only:
            if db is None:
                fail("--setup-only", "--db URL (the store to set the campaign up in)")
            from ringback.simulate import open_run_store

            with open_run_store(db) as store:
                campaign_id = load_into(store, scenario)
            print(json.dumps({"campaignId": campaign_id, "numbers": len(scenario.numbers)}))
            return
        run_scenario(scenario, out_path=out_path, report=report, db=db)

    @app.command("demo")
    def demo_command(
        out_dir: Annotated[
            Path, typer.Option("--out-dir", help="where attempts.jsonl and summary.json go")
        ] = Path("ringback-demo"),
        numbers: Annotated[int, typer.Option(help="numbers to generate")] = 3000,
    ) -> None:
        """A sample campaign with the callback bot, simulated over several days."""
        from ringback.demo import demo_scenario

        if not 1 <= numbers <= 1_000_000:
            fail("--numbers", "an integer 1-1000000")
        try:
            scenario = demo_scenario(numbers)
        except ScenarioError as error:
            _scenario_error(error)
        out_dir.mkdir(parents=True, exist_ok=True)
        attempts, report = out_dir / "attempts.jsonl", out_dir / "summary.json"
        run_scenario(scenario, out_path=attempts, report=report, db=None)
        out.print(f"attempts: {attempts}")
        out.print(f"summary:  {report}")

    @app.command("worker")
    def worker_command(
        db: Annotated[str, typer.Option("--db", help="store URL (PostgreSQL to scale out)")],
        name: Annotated[str | None, typer.Option("--name", help="worker name")] = None,
        scenario_path: Annotated[
            Path | None,
            typer.Option("--scenario", help="take the simulated callees from this scenario"),
        ] = None,
        lease: Annotated[float, typer.Option(help="lease seconds, extended every third")] = 30.0,
    ) -> None:
        """A real-time dialer worker serving every active campaign of the store."""
        from ringback.engine.clock import SystemClock
        from ringback.engine.dialer import Dialer
        from ringback.scenario import read
        from ringback.simulate import open_run_store
        from ringback.telephony.simulated import Callees, SimulatedTelephony

        if not 0.5 <= lease <= 3600:
            fail("--lease", "seconds 0.5-3600")
        callees, seed = Callees(), 0
        if scenario_path is not None:
            try:
                scenario = read(scenario_path)
            except ScenarioError as error:
                _scenario_error(error)
            callees, seed = scenario.callees, scenario.seed
        worker = name or f"{socket.gethostname()}-{os.getpid()}"
        telephony = SimulatedTelephony(callees, seed=seed)
        print(f"worker {worker}: telephony: {telephony.description}", flush=True)
        stopping = [False]

        def on_signal(signum: int, frame: FrameType | None) -> None:
            if stopping[0]:
                raise SystemExit(1)  # second signal: leave at once, the leases will expire
            stopping[0] = True
            print(f"worker {worker}: stopping, finishing calls in progress", flush=True)

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        with open_run_store(db) as store:
            dialer = Dialer(
                store, telephony, SystemClock(), worker=worker, lease=timedelta(seconds=lease)
            )
            dialer.run(stop=lambda: stopping[0])
        print(f"worker {worker}: stopped after {dialer.attempts_finished} attempts", flush=True)
