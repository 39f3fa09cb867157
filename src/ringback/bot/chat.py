"""``ringback chat``: talk to a bot as the callee, in the terminal.

Every line typed is an utterance (an empty line is silence: ``speechNotRecognized``); end of
input (Ctrl-D) is the callee hanging up. After each step the bot's replies, its state path and
what it asked of ``$dialer`` are shown; when the call ends, the outcome — call result, report
data, tags, and a redial resolved through the domain (:func:`redial_schedule`): how many
attempts the new series gets and the earliest window of each.

The clock is ``--now`` (fixed, for reproducible sessions) or the real time at each step.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any, TextIO

from ringback.bot.adapter import JaicpBot, JaicpCall
from ringback.bot.runtime import Turn
from ringback.domain.errors import RedialError
from ringback.domain.policy import PolicyFields, effective_policy
from ringback.domain.series import RedialIgnored, parse_redial, plan_redial
from ringback.domain.windows import Window, next_window
from ringback.domain.zones import normalize_phone, resolve_zone
from ringback.engine.conversation import CallContext, DialHistory

DEFAULT_PHONE = "79990000000"
# A chat has no campaign: assume one allowing the most redial attempts (SPEC 3's cap is 5).
CHAT_CAMPAIGN = PolicyFields(max_attempts=5, retry_interval_minutes=1, dialer_priority=3)


@dataclass(frozen=True, slots=True)
class RedialSchedule:
    """A redial as the dialer will run it: the capped attempt count and each attempt's window
    (assuming every attempt goes unanswered and starts as early as it may)."""

    max_attempts: int
    retry_interval_minutes: int
    windows: tuple[Window, ...]


def redial_schedule(
    params: Mapping[str, Any],
    *,
    ended_at: datetime,
    campaign: PolicyFields = CHAT_CAMPAIGN,
    zones: tzinfo | Sequence[tzinfo] = UTC,
    redial_attempts_used: int = 0,
) -> RedialSchedule | RedialIgnored:
    """Resolve recorded ``$dialer.redial`` params with the domain rules (SPEC 3).

    Example: the seed script at 10:00 UTC asks for 2 attempts 5 minutes apart between 11:00 and
    11:15 → ``max_attempts=2``, windows opening at 11:00 and 11:05. Raises ``RedialError``.
    """
    plan = plan_redial(
        parse_redial(params),
        campaign=campaign,
        redial_attempts_used=redial_attempts_used,
    )
    if isinstance(plan, RedialIgnored):
        return plan
    policy = plan.policy
    windows: list[Window] = []
    after = ended_at
    for _ in range(policy.max_attempts):
        window = next_window(after, policy, zones)
        if window is None:
            break
        windows.append(window)
        after = window.open + timedelta(minutes=policy.retry_interval_minutes)
    return RedialSchedule(policy.max_attempts, policy.retry_interval_minutes, tuple(windows))


def phone_zone(phone: str, campaign_zone: str = "UTC", now: datetime | None = None) -> tzinfo:
    """The callee's zone by the SPEC 1.3 rule, as a campaign in ``campaign_zone`` with no
    window restriction would resolve it (a number with several zones gets the campaign zone
    when it is one of them)."""
    resolution = resolve_zone(
        phone, None, campaign_zone, effective_policy(PolicyFields()), now or datetime.now(UTC)
    )
    return resolution.tz


def chat_call_context(
    phone: str, payload: dict[str, Any], now: datetime, zone: tzinfo | None = None
) -> CallContext:
    """The call a chat pretends to be: job 1, attempt 1 of a one-attempt campaign."""
    return CallContext(
        phone=phone,
        payload=payload,
        campaign_id=0,
        campaign_token="chat",
        campaign_settings={},
        call_job_id=0,
        redial_number=None,
        attempt_number=1,
        zone=zone or phone_zone(phone),
        started_at=now,
        client={},
        history=DialHistory(1, 0, 1, 0),
    )


def run_chat(
    project: str | Path,
    *,
    phone: str = DEFAULT_PHONE,
    payload: dict[str, Any] | None = None,
    now: datetime | None = None,
    stdin: TextIO,
    stdout: TextIO,
    bot: JaicpBot | None = None,
    campaign_zone: str = "UTC",
) -> int:
    """Run one conversation on ``stdin``/``stdout``; returns the exit code (0)."""
    clock: Callable[[], datetime] = (lambda: now) if now else (lambda: datetime.now(UTC))
    phone = normalize_phone(phone)
    bot = bot or JaicpBot.load(project)
    start = clock()
    call = bot.open(
        chat_call_context(phone, payload or {}, start, phone_zone(phone, campaign_zone, start))
    )
    out = _Printer(stdout)
    for warning in bot.runtime.warnings:
        out.line(f"warning: {warning}")
    out.line(
        f"[{bot.runtime.project.name}: calling {phone}; empty line = silence, Ctrl-D = hang up]"
    )
    call.start(clock())
    out.turn(call.turns[-1])
    interactive = stdin.isatty()
    while not call.ended:
        if interactive:
            stdout.write("you> ")
            stdout.flush()
        line = stdin.readline()
        if not line:
            call.hangup(clock())
            out.line("[you hung up]")
            break
        call.hear(line.rstrip("\n"), clock())
        out.turn(call.turns[-1])
    if call.ended:
        out.line("[the bot hung up]")
    out.outcome(call, clock())
    return 0


class _Printer:
    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def line(self, text: str) -> None:
        self.stream.write(text + "\n")
        self.stream.flush()

    def turn(self, turn: Turn) -> None:
        for text in turn.answers:
            self.line(f"bot: {text}")
        for button in turn.buttons:
            self.line(f"     [button] {button.get('text')}")
        for error in turn.errors:
            self.line(f"     ! script error: {error}")
        for name, args in turn.dialer_calls:
            shown = ", ".join(json.dumps(a, ensure_ascii=False) for a in args)
            self.line(f"     $dialer.{name}({shown})")
        self.line(f"     (state {turn.state})")

    def outcome(self, call: JaicpCall, ended_at: datetime) -> None:
        result = call.outcome()
        d = call.conv.dialer
        self.line("outcome:")
        self.line(
            f"  call result: {result.call_result or '-'}"
            + (
                f" {json.dumps(result.call_result_payload)}"
                if result.call_result_payload is not None
                else ""
            )
        )
        for header, value in result.report_data.items():
            self.line(f"  report {header}: {value}")
        for tag in d.tags:
            self.line(f"  tag: {tag['tag']}")
        if result.client is not None:
            self.line(f"  $client saved: {json.dumps(result.client, ensure_ascii=False)}")
        if result.redial is None:
            self.line("  redial: none")
        else:
            self._redial(result.redial, ended_at, call.call.zone)
        if d.ignored_redials:
            self.line(f"  later redials ignored: {d.ignored_redials} (one per conversation)")

    def _redial(self, params: dict[str, Any], ended_at: datetime, zone: tzinfo) -> None:
        try:
            schedule = redial_schedule(params, ended_at=ended_at, zones=zone)
        except RedialError as error:
            self.line(f"  redial rejected: {error}")
            return
        if isinstance(schedule, RedialIgnored):
            self.line(f"  redial ignored: {schedule.reason}")
            return
        self.line(
            f"  redial: {schedule.max_attempts} attempt(s), "
            f"{schedule.retry_interval_minutes} min apart"
        )
        for i, window in enumerate(schedule.windows, start=1):
            local = window.open.astimezone(zone)
            self.line(
                f"    attempt {i}: from {window.open.isoformat()} "
                f"(local {local.strftime('%Y-%m-%d %H:%M %Z')}), "
                f"window closes {window.close.isoformat()}"
            )
