"""``ringback policy explain``: which zone a number gets, the policy in words, its next windows.

Decisions: ``--policy`` holds campaign-level fields (the body of ``POST /campaigns``); its
``timezone`` key is the campaign zone unless ``--campaign-zone`` is given (default UTC, as for a
new campaign). Times are shown to the minute, with seconds only when an opening is not on a
minute (``--from`` or ``startDateTime`` inside a window).
"""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from ringback.cli.output import fail
from ringback.domain.errors import ValidationError
from ringback.domain.policy import (
    WEEKDAYS,
    CallingPolicy,
    PolicyFields,
    TimeRange,
    effective_policy,
)
from ringback.domain.windows import Window, next_window
from ringback.domain.zones import (
    ZoneResolution,
    candidate_zones,
    normalize_phone,
    parse_gmt_zone,
    resolve_zone,
)

_MIN_WIDTH = 120  # the table needs this many columns; narrower pipes would wrap it


def register(app: typer.Typer) -> None:
    """Add the ``policy`` command group to the ``ringback`` app."""
    group = typer.Typer(help="Inspect calling policies.", no_args_is_help=True)
    group.command("explain")(explain)
    app.add_typer(group, name="policy")


def explain(
    phone: Annotated[str, typer.Option(help="Callee number: digits with country code.")],
    policy: Annotated[
        str, typer.Option(help="Campaign policy fields as a JSON object, or @file.json.")
    ] = "{}",
    campaign_zone: Annotated[
        str | None, typer.Option(help="Campaign timezone (default: the policy's, else UTC).")
    ] = None,
    gmt_zone: Annotated[str | None, typer.Option(help="The number's own gmtZone.")] = None,
    from_: Annotated[
        str | None, typer.Option("--from", help="ISO-8601 instant to start from (default: now).")
    ] = None,
    count: Annotated[int, typer.Option(help="How many window openings to list.")] = 5,
) -> None:
    """Explain the zone, the effective policy and the next window openings of a number."""
    data = _load_policy(policy)
    if count < 1:
        fail("--count", "a positive number of windows")
    start = _parse_from(from_)
    zone_name = campaign_zone or data.get("timezone") or "UTC"
    _check_campaign_zone(zone_name, "--campaign-zone" if campaign_zone else "timezone")
    number = normalize_phone(phone)
    effective = effective_policy(PolicyFields.from_json(data))
    resolution = resolve_zone(number, gmt_zone, zone_name, effective, start)

    console = Console(highlight=False, soft_wrap=True)
    if console.width < _MIN_WIDTH:
        console = Console(highlight=False, soft_wrap=True, width=_MIN_WIDTH)
    console.print(f"phone       {number}")
    console.print(f"zone        {resolution.zone}")
    console.print(f"zoneSource  {resolution.source}: {_why(number, zone_name, resolution)}")
    console.print("policy      " + "\n            ".join(describe_policy(effective)))
    console.print(f"from        {_instant(start, UTC)} UTC")
    windows = _windows(start, effective, resolution.check, count)
    if not windows:
        console.print("no window opens from then on")
        return
    table = Table(title=f"next {len(windows)} window(s)")
    table.add_column("#", justify="right", no_wrap=True, min_width=2)
    for header in ("opens UTC", "closes UTC", "opens local", "closes local"):
        table.add_column(header, no_wrap=True)
    for index, window in enumerate(windows, 1):
        table.add_row(
            str(index),
            _instant(window.open, UTC),
            _instant(window.close, UTC),
            _instant(window.open, resolution.tz),
            _instant(window.close, resolution.tz),
        )
    console.print(table)
    if any(a.close == b.open for a, b in itertools.pairwise(windows)):
        console.print("a row opening when the one before closes continues it without a break")
    if len(windows) < count:
        console.print("no further window opens")


def _load_policy(text: str) -> dict[str, Any]:
    if text.startswith("@"):
        try:
            text = Path(text[1:]).read_text(encoding="utf-8")
        except OSError as error:
            fail("--policy", f"a readable JSON file ({error.strerror}: {text[1:]})")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        fail("--policy", f"a JSON object (line {error.lineno} column {error.colno}: {error.msg})")
    if not isinstance(data, dict):
        fail("--policy", "a JSON object of campaign policy fields")
    return data


def _check_campaign_zone(zone: object, field: str) -> None:
    try:
        if isinstance(zone, str):
            parse_gmt_zone(zone)
            return
    except ValidationError:
        pass
    fail(field, "an IANA zone name (e.g. Europe/Moscow) or a ±HH:MM offset")


def _parse_from(text: str | None) -> datetime:
    if text is None:
        # The CLI may read the clock (the domain may not); whole minutes read better.
        return datetime.now(UTC).replace(second=0, microsecond=0)
    try:
        instant = datetime.fromisoformat(text)
    except ValueError:
        fail("--from", "an ISO-8601 instant such as 2026-03-02T09:00:00Z")
    if instant.tzinfo is None:
        fail("--from", "an instant with an offset, such as 2026-03-02T09:00:00Z")
    return instant.astimezone(UTC)


def _windows(
    start: datetime, policy: CallingPolicy, zones: tuple[tzinfo, ...], count: int
) -> list[Window]:
    windows: list[Window] = []
    after = start
    while len(windows) < count:
        window = next_window(after, policy, zones)
        if window is None:
            break
        windows.append(window)
        after = window.close  # close is exclusive: the next search starts after this window
    return windows


def _why(number: str, campaign_zone: str, resolution: ZoneResolution) -> str:
    candidates = candidate_zones(number)
    if resolution.source == "explicit":
        return f"the number's gmtZone {resolution.zone!r}"
    if resolution.source == "number" and len(candidates) == 1:
        return f"number {number} has one zone: {resolution.zone}"
    if resolution.source == "number":
        return f"campaign zone {campaign_zone} is one of the number's {len(candidates)} zones"
    if resolution.source == "intersection":
        count = len(candidates)
        return (
            f"none of the number's {count} zones is {campaign_zone}; calls start only when "
            f"the window is open in all {count} (times shown in {campaign_zone})"
        )
    if candidates:
        return (
            f"the number's {len(candidates)} zones have no common open time within 7 days; "
            f"campaign zone {campaign_zone} used"
        )
    return f"number {number} has no known zone; campaign zone {campaign_zone} used"


def describe_policy(policy: CallingPolicy) -> list[str]:
    """The effective policy in words, one line per aspect."""
    lines = [_describe_days(policy)]
    start, finish = policy.start_datetime, policy.finish_datetime
    if start is None and finish is None:
        lines.append("no start or finish date")
    else:
        since = f"from {_instant(start, UTC)} UTC" if start else "from any time"
        until = f"until {_instant(finish, UTC)} UTC (exclusive)" if finish else "with no finish"
        lines.append(f"{since} {until}")
    attempts = "1 attempt" if policy.max_attempts == 1 else f"{policy.max_attempts} attempts"
    lines.append(
        f"at most {attempts} per series, the next one {policy.retry_interval_minutes} min or "
        f"more after one ends; dialerPriority {policy.dialer_priority}"
    )
    return lines


def _describe_days(policy: CallingPolicy) -> str:
    """``mon-fri 09:00-18:00; sat 10:00-14:00 (local time)``: consecutive equal days grouped."""
    days = [d for d in WEEKDAYS if policy.allowed_days is None or d in policy.allowed_days]
    spans: list[tuple[list[str], str]] = []
    for day in days:
        ranges = policy.ranges_for(day)
        if not ranges:
            continue
        text = ", ".join(_describe_range(r) for r in ranges)
        if (
            spans
            and spans[-1][1] == text
            and WEEKDAYS.index(spans[-1][0][-1]) + 1 == (WEEKDAYS.index(day))
        ):
            spans[-1][0].append(day)
        else:
            spans.append(([day], text))
    if not spans:
        return "no day has a window: nothing can be called"
    parts = [f"{_describe_group(group)} {text}" for group, text in spans]
    return "; ".join(parts) + " (callee's local time)"


def _describe_group(days: list[str]) -> str:
    if len(days) == len(WEEKDAYS):
        return "every day"
    return f"{days[0]}-{days[-1]}" if len(days) > 1 else days[0]


def _describe_range(time_range: TimeRange) -> str:
    start = f"{time_range.start // 60:02d}:{time_range.start % 60:02d}"
    end_minutes = time_range.end or 24 * 60  # an end at midnight reads as 24:00
    end = f"{end_minutes // 60:02d}:{end_minutes % 60:02d}"
    if 0 < time_range.end < time_range.start:
        return f"{start}-{end} (ends next day)"
    return f"{start}-{end}"


def _instant(at: datetime, zone: tzinfo) -> str:
    local = at.astimezone(zone)
    clock = "%H:%M" if local.second == 0 and local.microsecond == 0 else "%H:%M:%S"
    text = local.strftime(f"%a %Y-%m-%d {clock}")
    if zone is UTC:
        return text
    offset = local.utcoffset()
    assert offset is not None
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    return f"{text} {sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
