"""``ringback test PROJECT`` (JAICP XML tests) and ``ringback chat PROJECT`` (talk as callee)."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from ringback.cli.output import fail


def register(app: typer.Typer) -> None:
    """Add ``test`` and ``chat`` to the ``ringback`` app."""
    app.command("test")(test)
    app.command("chat")(chat)


def _load(project: Path) -> Any:
    from ringback.bot.adapter import JaicpBot
    from ringback.bot.project import ProjectError

    # The commands print warnings and script errors themselves: keep the log quiet.
    logging.getLogger("ringback").addHandler(logging.NullHandler())

    try:
        return JaicpBot.load(project)
    except ProjectError as error:
        print(f"error: cannot load {project}: {error}", file=sys.stderr)
        raise SystemExit(2) from None


def test(
    project: Annotated[Path, typer.Argument(help="the bot project folder (with chatbot.yaml)")],
    junit_xml: Annotated[
        Path | None, typer.Option("--junit-xml", help="also write a JUnit XML report")
    ] = None,
    integration: Annotated[
        bool, typer.Option("--integration", help='run integration="true" tests too')
    ] = False,
) -> None:
    """Run a bot project's XML tests: one line per case, then 'N passed, N failed'."""
    from ringback.bot.xmltests import run_project_tests, write_junit

    bot = _load(project)
    try:
        for warning in bot.runtime.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        report = run_project_tests(bot.runtime, integration=integration)
    finally:
        bot.runtime.close()
    for r in report.results:
        label = {"passed": "PASS", "failed": "FAIL", "skipped": "SKIP"}[r.status]
        print(f"{label} {r.name}" + (f": {r.message}" if r.message else ""))
    print(report.summary())
    if junit_xml is not None:
        write_junit(report, junit_xml, suite=bot.runtime.project.name)
    raise SystemExit(1 if report.count("failed") else 0)


def chat(
    project: Annotated[Path, typer.Argument(help="the bot project folder (with chatbot.yaml)")],
    phone: Annotated[str, typer.Option("--phone", help="the callee's number")] = "79990000000",
    payload: Annotated[str, typer.Option("--payload", help="the number's payload, as JSON")] = "{}",
    now: Annotated[
        str | None, typer.Option("--now", help="fix the clock (ISO-8601, UTC if no offset)")
    ] = None,
    timezone: Annotated[
        str, typer.Option("--timezone", help="the campaign zone (picks among a number's zones)")
    ] = "UTC",
) -> None:
    """Talk to a bot as the callee (empty line = silence, Ctrl-D = hang up)."""
    from ringback.bot.chat import run_chat
    from ringback.domain.zones import zone_info

    if zone_info(timezone) is None:
        fail("--timezone", "an IANA zone name such as Europe/Moscow")

    try:
        data = json.loads(payload)
    except ValueError:
        fail("--payload", "a JSON object")
    if not isinstance(data, dict):
        fail("--payload", "a JSON object")
    fixed = None
    if now is not None:
        try:
            fixed = datetime.fromisoformat(now)
        except ValueError:
            fail("--now", "an ISO-8601 date-time such as 2026-03-01T10:00:00+03:00")
        fixed = fixed.replace(tzinfo=UTC) if fixed.tzinfo is None else fixed.astimezone(UTC)
    bot = _load(project)
    try:
        code = run_chat(
            project,
            phone=phone,
            payload=data,
            now=fixed,
            stdin=sys.stdin,
            stdout=sys.stdout,
            bot=bot,
            campaign_zone=timezone,
        )
    finally:
        bot.runtime.close()
    raise SystemExit(code)
