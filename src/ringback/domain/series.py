"""A number's series of attempts (SPEC 2) and the rules of ``$dialer.redial`` (SPEC 3).

Decisions are values: after every event the engine asks this module what happens next and gets
a :class:`Retry` (the series goes on, the next attempt may start in ``window``) or a
:class:`SeriesEnd` (the job's final ``jobStatus``). Nothing here reads the clock.

Decisions where SPEC is silent:

- A series that can never start (no window at all, or ``finishDateTime`` already passed before
  the first attempt) ends ``notDone``: no attempt was made, so ``noAnswer`` ("every attempt went
  unanswered") would be false. Once an attempt was made, running out of windows ends
  ``noAnswer``.
- A failed (technical) attempt counts like busy / no answer: a series whose attempts all failed
  ends ``noAnswer`` (SPEC 2), not ``technicalError``.
- Every status other than ``planned``, ``inProcess`` and ``onRetry`` is final, ``unknown``
  included: the engine never dials a job in a status it does not understand.

``$dialer.redial`` validation reasons (``str(RedialError)`` is
``"$dialer.redial params error. <reason>"``); the JS layer copies :data:`REDIAL_REASONS`
verbatim:

- ``no_params``: ``Params are not specified.``
- ``no_start_or_time``: ``Either startDateTime or allowedTime must be specified.``
- ``bad_date``: ``startDateTime and finishDateTime must be dates.``
- ``start_not_before_finish``: ``startDateTime must be before finishDateTime.``
- ``bad_day``: ``allowedDays must be a non-empty array of distinct days from mon, tue, wed,
  thu, fri, sat, sun.``
- ``bad_time``: ``localTimeFrom and localTimeTo must be times in HH:MM format.``
- ``bad_retry_interval``: ``retryIntervalInMinutes must be an integer from 1 to 2880.``
- ``bad_max_attempts``: ``maxAttempts must be an integer from 1 to 50.``
- ``bad_priority``: ``dialerPriority must be an integer from 1 to 5.``
- ``bad_allowed_time_key``: ``allowedTime keys must be default, mon, tue, wed, thu, fri, sat
  or sun.``
- ``bad_allowed_time_value``: ``allowedTime values must be non-empty arrays of {localTimeFrom,
  localTimeTo}.``

Windows that are well-formed but unusable (``localTimeTo`` equal to ``localTimeFrom``, two
intervals of one day overlapping) are rejected by the policy parser; its message becomes the
reason.

**One per conversation** (only the first valid redial of a conversation counts) is enforced by
the caller, the bot/engine layer, which knows the conversation; this module sees one request.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum
from typing import Any, Final, Literal, get_args

from ringback.domain.errors import RedialError, ValidationError
from ringback.domain.policy import (
    ALLOWED_TIME_KEYS,
    WEEKDAYS,
    CallingPolicy,
    PolicyFields,
    effective_policy,
    parse_instant,
    redial_policy,
)
from ringback.domain.windows import Window, next_window

Outcome = Literal["answer", "busy", "noAnswer", "failed", "nonexistent"]
OUTCOMES: Final[tuple[Outcome, ...]] = get_args(Outcome)


class JobStatus(StrEnum):
    """JAICP's ``jobStatus`` values (SPEC 2)."""

    planned = "planned"  # waiting: startDateTime, a window, a free line or a resume
    inProcess = "inProcess"  # in a call
    onRetry = "onRetry"  # a retry is pending
    noAnswer = "noAnswer"  # every attempt busy / no answer / failed
    longCallWithResult = "longCallWithResult"  # answered, the bot set a call result
    longCallWithNoResult = "longCallWithNoResult"  # answered, no call result
    notDone = "notDone"  # stopped (or could never start) before the series finished
    cancelledByUser = "cancelledByUser"
    technicalError = "technicalError"
    nonexistentNumber = "nonexistentNumber"
    unknown = "unknown"


ACTIVE_STATUSES: Final = frozenset({JobStatus.planned, JobStatus.inProcess, JobStatus.onRetry})
FINAL_STATUSES: Final = frozenset(JobStatus) - ACTIVE_STATUSES

MAX_REDIAL_ATTEMPTS: Final = 5

Zones = tzinfo | Sequence[tzinfo]


@dataclass(frozen=True, slots=True)
class Retry:
    """The series goes on: the next attempt may start in ``window``."""

    window: Window
    status: JobStatus  # planned (no attempt yet) or onRetry


@dataclass(frozen=True, slots=True)
class SeriesEnd:
    """The series is over with this final status."""

    status: JobStatus


def first_attempt(created_at: datetime, policy: CallingPolicy, zones: Zones) -> Retry | SeriesEnd:
    """The first window of a new job, or ``notDone`` when it can never be called."""
    window = next_window(created_at, policy, zones)
    if window is None:
        return SeriesEnd(JobStatus.notDone)
    return Retry(window, JobStatus.planned)


def after_attempt(
    outcome: Outcome,
    *,
    ended_at: datetime,
    attempts_made: int,
    policy: CallingPolicy,
    zones: Zones,
    call_result_set: bool,
) -> Retry | SeriesEnd:
    """What follows an attempt that ended at ``ended_at`` (``attempts_made`` includes it).

    Example: ``maxAttempts`` 3, ``retryIntervalInMinutes`` 60, window 09:00–18:00; a busy
    attempt ends at 17:30 local, so the retry is due at 18:30, moved to 09:00 the next allowed
    day: ``Retry(Window(09:00, 18:00), onRetry)``. After the third busy attempt: ``noAnswer``.
    """
    if outcome == "answer":
        return SeriesEnd(
            JobStatus.longCallWithResult if call_result_set else JobStatus.longCallWithNoResult
        )
    if outcome == "nonexistent":
        return SeriesEnd(JobStatus.nonexistentNumber)
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}; expected one of {', '.join(OUTCOMES)}")
    if attempts_made >= policy.max_attempts:
        return SeriesEnd(JobStatus.noAnswer)
    due = ended_at + timedelta(minutes=policy.retry_interval_minutes)
    window = next_window(due, policy, zones)
    if window is None:  # finishDateTime reached: the series ran out
        return SeriesEnd(JobStatus.noAnswer)
    return Retry(window, JobStatus.onRetry)


def reschedule(
    now: datetime, *, attempts_made: int, policy: CallingPolicy, zones: Zones
) -> Retry | SeriesEnd:
    """A job whose window closed before it was claimed (or whose attempt was reaped).

    The next window from ``now``; the status stays ``planned`` until an attempt was made, then
    ``onRetry``. No window left: ``noAnswer`` after attempts, ``notDone`` before any.
    """
    if attempts_made >= policy.max_attempts:
        return SeriesEnd(JobStatus.noAnswer)
    window = next_window(now, policy, zones)
    if window is None:
        return SeriesEnd(JobStatus.noAnswer if attempts_made else JobStatus.notDone)
    return Retry(window, JobStatus.onRetry if attempts_made else JobStatus.planned)


# --- $dialer.redial -------------------------------------------------------------------------

REDIAL_REASONS: Final[Mapping[str, str]] = {
    "no_params": "Params are not specified.",
    "no_start_or_time": "Either startDateTime or allowedTime must be specified.",
    "bad_date": "startDateTime and finishDateTime must be dates.",
    "start_not_before_finish": "startDateTime must be before finishDateTime.",
    "bad_day": (
        "allowedDays must be a non-empty array of distinct days from "
        "mon, tue, wed, thu, fri, sat, sun."
    ),
    "bad_time": "localTimeFrom and localTimeTo must be times in HH:MM format.",
    "bad_retry_interval": "retryIntervalInMinutes must be an integer from 1 to 2880.",
    "bad_max_attempts": "maxAttempts must be an integer from 1 to 50.",
    "bad_priority": "dialerPriority must be an integer from 1 to 5.",
    "bad_allowed_time_key": (
        "allowedTime keys must be default, mon, tue, wed, thu, fri, sat or sun."
    ),
    "bad_allowed_time_value": (
        "allowedTime values must be non-empty arrays of {localTimeFrom, localTimeTo}."
    ),
}

_HHMM = re.compile(r"([01]?[0-9]|2[0-3]):[0-5][0-9]")


def _fail(reason: str) -> RedialError:
    return RedialError(REDIAL_REASONS[reason])


def _instant(value: Any, field: str) -> datetime:
    """A JS Date as the JS layer serializes it: epoch ms (number) or an ISO-8601 string."""
    try:
        return parse_instant(value, field)
    except ValidationError:
        raise _fail("bad_date") from None


def _integer(value: Any, low: int, high: int, reason: str) -> int:
    """An integer in low..high; JS numbers may arrive as integral floats (``2.0``)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail(reason)
    if isinstance(value, float) and not value.is_integer():  # 2.5, inf, nan
        raise _fail(reason)
    if not low <= value <= high:
        raise _fail(reason)
    return int(value)


def _time(value: Any) -> str:
    if not isinstance(value, str) or not _HHMM.fullmatch(value):
        raise _fail("bad_time")
    return value


def _days(value: Any) -> list[str]:
    if isinstance(value, str) or not isinstance(value, Sequence) or not value:
        raise _fail("bad_day")
    days = [day.lower() if isinstance(day, str) else day for day in value]
    if any(day not in WEEKDAYS for day in days) or len(set(days)) != len(days):
        raise _fail("bad_day")
    return days


def _allowed_time(value: Any) -> dict[str, list[dict[str, str]]]:
    if not isinstance(value, Mapping):
        raise _fail("bad_allowed_time_value")
    result: dict[str, list[dict[str, str]]] = {}
    for raw_key, intervals in value.items():
        key = raw_key.lower() if isinstance(raw_key, str) else raw_key
        if key not in ALLOWED_TIME_KEYS or key in result:
            raise _fail("bad_allowed_time_key")
        if isinstance(intervals, str | Mapping) or not isinstance(intervals, Sequence):
            raise _fail("bad_allowed_time_value")
        if not intervals or not all(
            isinstance(i, Mapping) and "localTimeFrom" in i and "localTimeTo" in i
            for i in intervals
        ):
            raise _fail("bad_allowed_time_value")
        result[key] = [
            {"localTimeFrom": _time(i["localTimeFrom"]), "localTimeTo": _time(i["localTimeTo"])}
            for i in intervals
        ]
    return result


def parse_redial(params: Mapping[str, Any] | None) -> PolicyFields:
    """Validate the params of ``$dialer.redial`` and return them as one policy level.

    Keys that are not policy fields are ignored, and so are ``null`` values (JS ``undefined``
    never reaches here). The deprecated ``localTimeFrom``/``localTimeTo`` pair counts as an
    ``allowedTime``; when both are given, ``allowedTime`` wins (SPEC 1.2).

    >>> parse_redial({"allowedTime": {"default": [{"localTimeFrom": "9:00",
    ...     "localTimeTo": "18:00"}]}}).max_attempts is None
    True
    """
    if not isinstance(params, Mapping) or not params:
        raise _fail("no_params")
    given = {key: value for key, value in params.items() if value is not None}
    wire: dict[str, Any] = {}
    for key in ("startDateTime", "finishDateTime"):
        if key in given:
            wire[key] = _instant(given[key], key)
    if "allowedTime" in given:
        wire["allowedTime"] = _allowed_time(given["allowedTime"])
    elif "localTimeFrom" in given or "localTimeTo" in given:
        wire["allowedTime"] = _allowed_time(
            {"default": [{k: given.get(k) for k in ("localTimeFrom", "localTimeTo")}]}
        )
    if "startDateTime" not in wire and "allowedTime" not in wire:
        raise _fail("no_start_or_time")
    start, finish = wire.get("startDateTime"), wire.get("finishDateTime")
    if start is not None and finish is not None and start >= finish:
        raise _fail("start_not_before_finish")
    if "allowedDays" in given:
        wire["allowedDays"] = _days(given["allowedDays"])
    for key, low, high, reason in (
        ("retryIntervalInMinutes", 1, 2880, "bad_retry_interval"),
        ("maxAttempts", 1, 50, "bad_max_attempts"),
        ("dialerPriority", 1, 5, "bad_priority"),
    ):
        if key in given:
            wire[key] = _integer(given[key], low, high, reason)
    try:
        return PolicyFields.from_json(wire)
    except ValidationError as error:  # well-formed but unusable windows (overlap, empty)
        raise RedialError(error.message) from None


@dataclass(frozen=True, slots=True)
class RedialPlan:
    """An accepted redial: the fields stored with the new job, and its effective policy."""

    fields: PolicyFields
    policy: CallingPolicy


@dataclass(frozen=True, slots=True)
class RedialIgnored:
    """A valid redial that is not carried out (logged by the caller)."""

    reason: str


def plan_redial(
    requested: PolicyFields, *, campaign: PolicyFields, redial_attempts_used: int
) -> RedialPlan | RedialIgnored:
    """Apply the cap and the campaign-wide limit to a validated redial (SPEC 3).

    ``maxAttempts`` omitted → the campaign's; then capped at 5; then shortened to what the
    campaign limit leaves: the attempts of all redial series of one number never add up to more
    than the campaign's ``maxAttempts``. ``redial_attempts_used`` counts attempts actually made
    in the number's earlier redial series, so a series that ended early (answered on its first
    attempt, say) gives its unused attempts back.

    Example: campaign ``maxAttempts`` 7, earlier redial series made 4 attempts; a redial asking
    for 10 is capped to 5, then shortened to 3. With 7 used, it is ignored.
    """
    limit = effective_policy(campaign).max_attempts
    left = limit - redial_attempts_used
    if left <= 0:
        return RedialIgnored(
            f"campaign limit of {limit} redial attempts per number reached "
            f"({redial_attempts_used} made)"
        )
    wanted = requested.max_attempts if requested.max_attempts is not None else limit
    fields = replace(requested, max_attempts=min(wanted, MAX_REDIAL_ATTEMPTS, left))
    return RedialPlan(fields, redial_policy(campaign, fields))
