"""The calling policy: its fields, their validation (JAICP error types) and the 3-level merge.

A policy is given at three levels (SPEC 1.1): the campaign, the number (``addPhones`` fields) and
a redial series (``$dialer.redial``). Each level is parsed into :class:`PolicyFields`, where
``None`` means "inherit"; :func:`effective_policy` and :func:`redial_policy` merge them field by
field into a :class:`CallingPolicy` whose every field is resolved.

Decisions where SPEC is silent:

- A JSON ``null`` for a field means the field was not given (it is inherited).
- ``allowedTime`` wins over the deprecated ``localTimeFrom``/``localTimeTo`` shorthand; when both
  appear the shorthand is ignored entirely (not even validated): it is stale data.
- ``allowedTime`` must have at least one key (``{}`` would never open and is surely a mistake);
  keys and ``allowedDays`` values are case-insensitive and stored lower-case; extra keys inside
  a ``{"localTimeFrom", "localTimeTo"}`` object are ignored.
- Overlap: windows that start on the same day must not overlap, and a cross-midnight window must
  not overlap the windows that start on the next day. "The next day" is taken for all seven
  weekdays as the ranges that would apply there (its own key, else ``default``), ignoring
  ``allowedDays`` (which may come from another level). Touching windows (``22:00-02:00`` then
  ``02:00-06:00``) are not an overlap: they form one continuous window.
- ``allowedDays`` says on which days windows *start*: a ``mon`` window ``22:00-02:00`` with
  ``allowedDays: ["mon"]`` is open until Tuesday 02:00 (SPEC: "it belongs to the day on which
  it starts").
- Timestamps: ISO-8601 with an offset or ``Z``; a naive ISO string (or a naive ``datetime``) is
  UTC; an ``int``/``float`` is Unix epoch milliseconds (what a JS ``Date`` becomes).
- The merge does not cross-check levels (a number whose start is after the campaign's finish is
  valid; it simply never opens).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

from ringback.domain.errors import ValidationError

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ALLOWED_TIME_KEYS: tuple[str, ...] = ("default", *WEEKDAYS)

MINUTES_PER_DAY = 1440

ALLOWED_TIME_ERROR = "invalid.call.allowed.time"
_HHMM = re.compile(r"^([01]?[0-9]|2[0-3]):[0-5][0-9]$")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class TimeRange:
    """One local-time window that starts on a given day.

    ``start`` and ``end`` are minutes after local midnight (0..1439). ``end < start`` crosses
    midnight and ends on the next day. ``end == start`` is never produced from input (it is
    invalid there); internally it means a 24-hour window from ``start`` to the same wall time
    the next day — :data:`FULL_DAY` (``TimeRange(0, 0)``) is 00:00 to 24:00.
    """

    start: int
    end: int

    @property
    def crosses_midnight(self) -> bool:
        """True when the window ends on the next day (24-hour windows included)."""
        return self.end <= self.start

    @property
    def length(self) -> int:
        """Length in wall-clock minutes (1..1440)."""
        return (self.end - self.start) % MINUTES_PER_DAY or MINUTES_PER_DAY

    def to_json(self) -> dict[str, str]:
        return {"localTimeFrom": format_hhmm(self.start), "localTimeTo": format_hhmm(self.end)}


FULL_DAY = TimeRange(0, 0)

AllowedTime = Mapping[str, tuple[TimeRange, ...]]


# --- low-level parsers (series.py re-uses them for $dialer.redial) -------------------------


def parse_hhmm(value: Any) -> int:
    """``"9:05"``/``"09:05"`` → 545 (minutes after midnight); else ``invalid.call.allowed.time``."""
    if not isinstance(value, str) or not _HHMM.match(value):
        raise ValidationError(
            ALLOWED_TIME_ERROR, f"a time must be HH:MM (00:00-23:59), got {value!r}"
        )
    hours, minutes = value.split(":")
    return int(hours) * 60 + int(minutes)


def format_hhmm(minutes: int) -> str:
    """545 → ``"09:05"``."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_time_range(value: Any) -> TimeRange:
    """``{"localTimeFrom": "22:00", "localTimeTo": "02:00"}`` → ``TimeRange(1320, 120)``."""
    if not isinstance(value, Mapping):
        raise ValidationError(
            ALLOWED_TIME_ERROR,
            f'a window must be an object {{"localTimeFrom": "HH:MM", "localTimeTo": "HH:MM"}}, '
            f"got {value!r}",
        )
    for key in ("localTimeFrom", "localTimeTo"):
        if key not in value:
            raise ValidationError(
                ALLOWED_TIME_ERROR, f"a window needs {key} (HH:MM), got {value!r}"
            )
    start, end = parse_hhmm(value["localTimeFrom"]), parse_hhmm(value["localTimeTo"])
    if start == end:
        raise ValidationError(
            ALLOWED_TIME_ERROR,
            f"localTimeFrom must differ from localTimeTo, got {format_hhmm(start)} for both",
        )
    return TimeRange(start, end)


def _minute_spans(ranges: tuple[TimeRange, ...], day_offset: int) -> list[tuple[int, int]]:
    base = day_offset * MINUTES_PER_DAY
    return [(base + r.start, base + r.start + r.length) for r in ranges]


def _first_overlap(
    spans: list[tuple[int, int]],
) -> tuple[tuple[int, int], tuple[int, int]] | None:
    ordered = sorted(spans)
    for previous, current in pairwise(ordered):
        if current[0] < previous[1]:
            return previous, current
    return None


def _describe_span(span: tuple[int, int]) -> str:
    return f"{format_hhmm(span[0] % MINUTES_PER_DAY)}-{format_hhmm(span[1] % MINUTES_PER_DAY)}"


def _check_overlaps(allowed: Mapping[str, tuple[TimeRange, ...]]) -> None:
    for key, ranges in allowed.items():
        clash = _first_overlap(_minute_spans(ranges, 0))
        if clash:
            raise ValidationError(
                ALLOWED_TIME_ERROR,
                f"windows of {key} must not overlap, got {_describe_span(clash[0])} "
                f"and {_describe_span(clash[1])}",
            )

    def applying(day: str) -> tuple[str, tuple[TimeRange, ...]]:
        key = day if day in allowed else "default"
        return key, allowed.get(key, ())

    for index, day in enumerate(WEEKDAYS):
        key, ranges = applying(day)
        tails = [r for r in ranges if r.crosses_midnight]
        if not tails:
            continue
        next_key, next_ranges = applying(WEEKDAYS[(index + 1) % 7])
        clash = _first_overlap(_minute_spans(tuple(tails), 0) + _minute_spans(next_ranges, 1))
        if clash:
            raise ValidationError(
                ALLOWED_TIME_ERROR,
                f"the cross-midnight window {_describe_span(clash[0])} of {key} overlaps "
                f"{_describe_span(clash[1])} of {next_key} on the next day ({day} night)",
            )


def parse_allowed_time(value: Any) -> dict[str, tuple[TimeRange, ...]]:
    """Parse an ``allowedTime`` object; any problem is ``invalid.call.allowed.time``.

    Keys are ``default``/``mon``..``sun`` (any case); each value a non-empty array of windows.
    The windows of a key are returned sorted by start.
    """
    if not isinstance(value, Mapping):
        raise ValidationError(
            ALLOWED_TIME_ERROR,
            f"allowedTime must be an object with keys default, mon..sun, got {value!r}",
        )
    if not value:
        raise ValidationError(
            ALLOWED_TIME_ERROR, "allowedTime must have at least one key (default, mon..sun)"
        )
    allowed: dict[str, tuple[TimeRange, ...]] = {}
    for raw_key, raw_ranges in value.items():
        key = raw_key.lower() if isinstance(raw_key, str) else raw_key
        if key not in ALLOWED_TIME_KEYS:
            raise ValidationError(
                ALLOWED_TIME_ERROR,
                f"allowedTime keys must be default or mon..sun, got {raw_key!r}",
            )
        if key in allowed:
            raise ValidationError(ALLOWED_TIME_ERROR, f"allowedTime key {key} is given twice")
        if not isinstance(raw_ranges, list | tuple) or not raw_ranges:
            raise ValidationError(
                ALLOWED_TIME_ERROR,
                f"allowedTime.{key} must be a non-empty array of "
                f"{{localTimeFrom, localTimeTo}}, got {raw_ranges!r}",
            )
        allowed[key] = tuple(sorted((parse_time_range(r) for r in raw_ranges), key=_start))
    _check_overlaps(allowed)
    return allowed


def _start(r: TimeRange) -> int:
    return r.start


def parse_local_time_shorthand(local_from: Any, local_to: Any) -> dict[str, tuple[TimeRange, ...]]:
    """The deprecated ``localTimeFrom``/``localTimeTo`` pair → ``{"default": (range,)}``."""
    if local_from is None or local_to is None:
        raise ValidationError(
            ALLOWED_TIME_ERROR,
            "localTimeFrom and localTimeTo must be given together (HH:MM each)",
        )
    return {"default": (parse_time_range({"localTimeFrom": local_from, "localTimeTo": local_to}),)}


def parse_allowed_days(value: Any) -> tuple[str, ...]:
    """``["MON", "tue"]`` → ``("mon", "tue")``: 1-7 distinct weekdays, else ``invalid.allowedDays``.

    Order is kept as given.
    """
    expected = "allowedDays must be an array of 1-7 distinct days mon..sun"
    if not isinstance(value, list | tuple) or not 1 <= len(value) <= 7:
        raise ValidationError("invalid.allowedDays", f"{expected}, got {value!r}")
    days: list[str] = []
    for raw in value:
        day = raw.lower() if isinstance(raw, str) else raw
        if day not in WEEKDAYS:
            raise ValidationError("invalid.allowedDays", f"{expected}, got the day {raw!r}")
        if day in days:
            raise ValidationError("invalid.allowedDays", f"{expected}, got {day} twice")
        days.append(day)
    return tuple(days)


def parse_instant(value: Any, field: str = "startDateTime") -> datetime:
    """An instant → aware UTC ``datetime``; bad input is ``invalid.<field>``.

    Accepts an ISO-8601 string (``2020-03-23T00:00:00Z``, ``…+03:00``; naive means UTC), a
    ``datetime`` (naive means UTC) or Unix epoch milliseconds (``int``/``float``, not ``bool``).
    """
    expected = f"{field} must be an ISO-8601 instant (e.g. 2020-03-23T00:00:00Z) or epoch ms"
    if isinstance(value, datetime):
        instant = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        if not math.isfinite(value):
            raise ValidationError(f"invalid.{field}", f"{expected}, got {value!r}")
        try:
            return _EPOCH + timedelta(milliseconds=value)
        except OverflowError:
            raise ValidationError(f"invalid.{field}", f"{expected}, got {value!r}") from None
    elif isinstance(value, str):
        try:
            instant = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValidationError(f"invalid.{field}", f"{expected}, got {value!r}") from None
    else:
        raise ValidationError(f"invalid.{field}", f"{expected}, got {value!r}")
    if instant.tzinfo is None or instant.utcoffset() is None:
        return instant.replace(tzinfo=UTC)
    return instant.astimezone(UTC)


def format_instant(instant: datetime) -> str:
    """Aware instant → ISO-8601 UTC with ``Z`` (microseconds only when non-zero)."""
    return instant.astimezone(UTC).replace(tzinfo=None).isoformat() + "Z"


def parse_int(value: Any, *, field: str, low: int, high: int | None, error_type: str) -> int:
    """An integer in ``low..high`` (``high=None``: no upper bound); booleans are not integers."""
    if isinstance(value, int) and not isinstance(value, bool):
        if value >= low and (high is None or value <= high):
            return value
    bounds = f"{low}-{high}" if high is not None else f">= {low}"
    raise ValidationError(error_type, f"{field} must be an integer {bounds}, got {value!r}")


# --- one level ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PolicyFields:
    """One level (campaign, number or redial) as given; ``None`` means "inherit"."""

    start_datetime: datetime | None = None
    finish_datetime: datetime | None = None
    allowed_days: tuple[str, ...] | None = None
    allowed_time: AllowedTime | None = None
    retry_interval_minutes: int | None = None
    max_attempts: int | None = None
    dialer_priority: int | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PolicyFields:
        """Parse the camelCase wire fields of one level; other keys are ignored.

        >>> PolicyFields.from_json({"phone": "79990000000", "maxAttempts": 3}).max_attempts
        3
        """

        def given(key: str) -> Any:
            return data.get(key)

        start = given("startDateTime")
        finish = given("finishDateTime")
        start_dt = parse_instant(start, "startDateTime") if start is not None else None
        finish_dt = parse_instant(finish, "finishDateTime") if finish is not None else None
        if start_dt is not None and finish_dt is not None and start_dt >= finish_dt:
            raise ValidationError(
                "invalid.startDateTime",
                f"startDateTime must be before finishDateTime, got {format_instant(start_dt)} "
                f"and {format_instant(finish_dt)}",
            )
        days = given("allowedDays")
        allowed_time: AllowedTime | None = None
        if given("allowedTime") is not None:
            allowed_time = parse_allowed_time(given("allowedTime"))
        elif given("localTimeFrom") is not None or given("localTimeTo") is not None:
            allowed_time = parse_local_time_shorthand(given("localTimeFrom"), given("localTimeTo"))
        retry = given("retryIntervalInMinutes")
        attempts = given("maxAttempts")
        priority = given("dialerPriority")
        return cls(
            start_datetime=start_dt,
            finish_datetime=finish_dt,
            allowed_days=parse_allowed_days(days) if days is not None else None,
            allowed_time=allowed_time,
            retry_interval_minutes=None
            if retry is None
            else parse_int(
                retry,
                field="retryIntervalInMinutes",
                low=1,
                high=2880,
                error_type="invalid.retryIntervalInMinutes",
            ),
            max_attempts=None
            if attempts is None
            else parse_int(
                attempts, field="maxAttempts", low=1, high=50, error_type="invalid.maxAttempts"
            ),
            dialer_priority=None
            if priority is None
            else parse_int(
                priority,
                field="dialerPriority",
                low=1,
                high=5,
                error_type="invalid.dialer_priority",
            ),
        )

    def to_json(self) -> dict[str, Any]:
        """The given fields in wire form (camelCase, ISO ``Z`` instants); round-trips."""
        out: dict[str, Any] = {}
        if self.start_datetime is not None:
            out["startDateTime"] = format_instant(self.start_datetime)
        if self.finish_datetime is not None:
            out["finishDateTime"] = format_instant(self.finish_datetime)
        if self.allowed_days is not None:
            out["allowedDays"] = list(self.allowed_days)
        if self.allowed_time is not None:
            out["allowedTime"] = allowed_time_to_json(self.allowed_time)
        if self.retry_interval_minutes is not None:
            out["retryIntervalInMinutes"] = self.retry_interval_minutes
        if self.max_attempts is not None:
            out["maxAttempts"] = self.max_attempts
        if self.dialer_priority is not None:
            out["dialerPriority"] = self.dialer_priority
        return out

    def is_custom(self) -> bool:
        """Any field given (SPEC 1.4: numbers with a custom schedule are dialled first)."""
        return any(getattr(self, f.name) is not None for f in fields(self))


def allowed_time_to_json(allowed: AllowedTime) -> dict[str, list[dict[str, str]]]:
    """``{"mon": (TimeRange(540, 1080),)}`` → ``{"mon": [{"localTimeFrom": "09:00", …}]}``."""
    return {key: [r.to_json() for r in ranges] for key, ranges in allowed.items()}


# --- the merged policy --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CallingPolicy:
    """The effective policy after the merge; every field resolved."""

    start_datetime: datetime | None
    finish_datetime: datetime | None
    allowed_days: frozenset[str] | None  # None: every day that has a window
    allowed_time: AllowedTime | None  # None: open all day (00:00-24:00)
    retry_interval_minutes: int
    max_attempts: int
    dialer_priority: int

    def ranges_for(self, weekday: str) -> tuple[TimeRange, ...]:
        """The windows that start on that local weekday, sorted by start.

        Not in ``allowed_days`` → none; no ``allowed_time`` → ``(FULL_DAY,)`` (00:00-24:00);
        else the day's own key, else ``default``, else none.
        """
        if self.allowed_days is not None and weekday not in self.allowed_days:
            return ()
        if self.allowed_time is None:
            return (FULL_DAY,)
        ranges = self.allowed_time.get(weekday)
        if ranges is None:
            ranges = self.allowed_time.get("default", ())
        return ranges


CAMPAIGN_DEFAULTS = PolicyFields(max_attempts=1, retry_interval_minutes=1, dialer_priority=3)


def _merge(*levels: PolicyFields | None) -> CallingPolicy:
    """Field by field, the last level that gives a field wins; then CAMPAIGN_DEFAULTS."""
    chain = [CAMPAIGN_DEFAULTS, *(level for level in levels if level is not None)]

    def pick(name: str) -> Any:
        for level in reversed(chain):
            value = getattr(level, name)
            if value is not None:
                return value
        return None

    days = pick("allowed_days")
    return CallingPolicy(
        start_datetime=pick("start_datetime"),
        finish_datetime=pick("finish_datetime"),
        allowed_days=frozenset(days) if days is not None else None,
        allowed_time=pick("allowed_time"),
        retry_interval_minutes=pick("retry_interval_minutes"),
        max_attempts=pick("max_attempts"),
        dialer_priority=pick("dialer_priority"),
    )


def effective_policy(campaign: PolicyFields, number: PolicyFields | None = None) -> CallingPolicy:
    """A number's policy: its own fields override the campaign's, field by field.

    ``allowedTime`` is one field: a number that gives it replaces the campaign's whole.
    """
    return _merge(campaign, number)


def redial_policy(campaign: PolicyFields, redial: PolicyFields) -> CallingPolicy:
    """A redial series' policy: fields left out come from the campaign, not the number."""
    return _merge(campaign, redial)
