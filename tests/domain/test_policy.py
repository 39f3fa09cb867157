"""Policy fields: validation with JAICP's error types, the shorthand, the 3-level merge."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from ringback.domain.errors import ValidationError
from ringback.domain.policy import (
    CAMPAIGN_DEFAULTS,
    FULL_DAY,
    CallingPolicy,
    PolicyFields,
    TimeRange,
    effective_policy,
    parse_allowed_days,
    parse_allowed_time,
    parse_hhmm,
    parse_instant,
    parse_int,
    redial_policy,
)

NINE_TO_SIX = {"localTimeFrom": "09:00", "localTimeTo": "18:00"}


def window(start: str, end: str) -> dict[str, str]:
    return {"localTimeFrom": start, "localTimeTo": end}


def error_of(data: dict[str, Any]) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        PolicyFields.from_json(data)
    return caught.value


# --- validation: every error type ---------------------------------------------------------

BAD_INPUT = [
    # (id, data, type, words the message must contain)
    ("attempts_zero", {"maxAttempts": 0}, "invalid.maxAttempts", "1-50, got 0"),
    ("attempts_51", {"maxAttempts": 51}, "invalid.maxAttempts", "got 51"),
    ("attempts_bool", {"maxAttempts": True}, "invalid.maxAttempts", "got True"),
    ("attempts_str", {"maxAttempts": "3"}, "invalid.maxAttempts", "integer"),
    ("attempts_float", {"maxAttempts": 2.0}, "invalid.maxAttempts", "integer"),
    ("retry_zero", {"retryIntervalInMinutes": 0}, "invalid.retryIntervalInMinutes", "1-2880"),
    ("retry_2881", {"retryIntervalInMinutes": 2881}, "invalid.retryIntervalInMinutes", "2881"),
    ("priority_0", {"dialerPriority": 0}, "invalid.dialer_priority", "1-5, got 0"),
    ("priority_6", {"dialerPriority": 6}, "invalid.dialer_priority", "got 6"),
    ("priority_bool", {"dialerPriority": False}, "invalid.dialer_priority", "got False"),
    ("days_empty", {"allowedDays": []}, "invalid.allowedDays", "1-7"),
    ("days_bad_name", {"allowedDays": ["mon", "monday"]}, "invalid.allowedDays", "'monday'"),
    ("days_duplicate", {"allowedDays": ["mon", "MON"]}, "invalid.allowedDays", "mon twice"),
    ("days_not_array", {"allowedDays": "mon"}, "invalid.allowedDays", "array"),
    ("days_eight", {"allowedDays": ["mon"] * 8}, "invalid.allowedDays", "1-7"),
    ("start_garbage", {"startDateTime": "tomorrow"}, "invalid.startDateTime", "ISO-8601"),
    ("start_bool", {"startDateTime": True}, "invalid.startDateTime", "ISO-8601"),
    ("finish_garbage", {"finishDateTime": "2020-13-01"}, "invalid.finishDateTime", "ISO-8601"),
    (
        "start_not_before_finish",
        {"startDateTime": "2020-03-23T10:00:00Z", "finishDateTime": "2020-03-23T13:00:00+03:00"},
        "invalid.startDateTime",
        "before finishDateTime",
    ),
    ("time_not_object", {"allowedTime": []}, "invalid.call.allowed.time", "object"),
    ("time_empty_object", {"allowedTime": {}}, "invalid.call.allowed.time", "at least one"),
    ("time_bad_key", {"allowedTime": {"monday": [NINE_TO_SIX]}}, "invalid.call.allowed.time", ""),
    ("time_empty_array", {"allowedTime": {"mon": []}}, "invalid.call.allowed.time", "non-empty"),
    ("time_not_array", {"allowedTime": {"mon": NINE_TO_SIX}}, "invalid.call.allowed.time", ""),
    (
        "time_bad_hhmm",
        {"allowedTime": {"default": [window("24:00", "09:00")]}},
        "invalid.call.allowed.time",
        "'24:00'",
    ),
    (
        "time_seconds",
        {"allowedTime": {"default": [window("09:00:00", "10:00")]}},
        "invalid.call.allowed.time",
        "HH:MM",
    ),
    (
        "time_missing_to",
        {"allowedTime": {"default": [{"localTimeFrom": "09:00"}]}},
        "invalid.call.allowed.time",
        "localTimeTo",
    ),
    (
        "time_from_equals_to",
        {"allowedTime": {"default": [window("9:00", "09:00")]}},
        "invalid.call.allowed.time",
        "differ",
    ),
    (
        "time_overlap_same_key",
        {"allowedTime": {"mon": [window("09:00", "12:00"), window("11:00", "13:00")]}},
        "invalid.call.allowed.time",
        "09:00-12:00 and 11:00-13:00",
    ),
    (
        "time_overlap_cross_midnight_same_key",
        {"allowedTime": {"mon": [window("22:00", "02:00"), window("23:00", "23:30")]}},
        "invalid.call.allowed.time",
        "overlap",
    ),
    (
        "time_overlap_into_next_day_default",
        {"allowedTime": {"default": [window("22:00", "02:00"), window("01:00", "05:00")]}},
        "invalid.call.allowed.time",
        "overlaps 01:00-05:00 of default",
    ),
    (
        "time_overlap_into_next_day_key",
        {"allowedTime": {"sun": [window("20:00", "09:30")], "mon": [window("09:00", "17:00")]}},
        "invalid.call.allowed.time",
        "of sun overlaps 09:00-17:00 of mon",
    ),
    (
        "time_overlap_into_default",
        {"allowedTime": {"fri": [window("20:00", "10:00")], "default": [NINE_TO_SIX]}},
        "invalid.call.allowed.time",
        "fri night",
    ),
    ("shorthand_alone_from", {"localTimeFrom": "09:00"}, "invalid.call.allowed.time", "together"),
    ("shorthand_alone_to", {"localTimeTo": "18:00"}, "invalid.call.allowed.time", "together"),
    (
        "shorthand_bad",
        {"localTimeFrom": "9", "localTimeTo": "18:00"},
        "invalid.call.allowed.time",
        "'9'",
    ),
    (
        "shorthand_equal",
        {"localTimeFrom": "10:00", "localTimeTo": "10:00"},
        "invalid.call.allowed.time",
        "differ",
    ),
]


@pytest.mark.parametrize(
    ("data", "type_", "words"), [c[1:] for c in BAD_INPUT], ids=[c[0] for c in BAD_INPUT]
)
def test_bad_input_has_the_jaicp_error_type(data: dict[str, Any], type_: str, words: str) -> None:
    error = error_of(data)
    assert error.type == type_
    assert words in error.message
    assert error.to_json() == {"type": type_, "message": error.message}


def test_messages_say_what_was_expected() -> None:
    assert error_of({"maxAttempts": 0}).message == "maxAttempts must be an integer 1-50, got 0"
    assert error_of({"dialerPriority": 9}).message == "dialerPriority must be an integer 1-5, got 9"


GOOD_WINDOWS = [
    ("touching_windows", {"mon": [window("09:00", "12:00"), window("12:00", "13:00")]}),
    (
        "cross_midnight_touching_next",
        {"default": [window("22:00", "02:00"), window("02:00", "05:00")]},
    ),
    (
        "cross_midnight_next_day_other_key",
        {"sun": [window("20:00", "09:30")], "mon": [window("10:00", "17:00")]},
    ),
    ("single_digit_hour", {"default": [window("9:05", "9:35")]}),
    ("almost_full_day", {"default": [window("00:00", "23:59")]}),
    ("cross_almost_full_day", {"default": [window("00:01", "00:00")]}),
    ("case_insensitive_key", {"MON": [NINE_TO_SIX]}),
]


@pytest.mark.parametrize("allowed", [c[1] for c in GOOD_WINDOWS], ids=[c[0] for c in GOOD_WINDOWS])
def test_valid_windows_are_accepted(allowed: dict[str, Any]) -> None:
    parsed = PolicyFields.from_json({"allowedTime": allowed}).allowed_time
    assert parsed is not None
    assert set(parsed) == {key.lower() for key in allowed}


def test_allowed_time_parses_to_sorted_ranges() -> None:
    parsed = parse_allowed_time(
        {
            "default": [window("14:00", "18:00"), window("9:00", "12:30")],
            "sat": [window("22:00", "01:15")],
        }
    )
    assert parsed == {
        "default": (TimeRange(540, 750), TimeRange(840, 1080)),
        "sat": (TimeRange(1320, 75),),
    }
    assert parsed["sat"][0].crosses_midnight
    assert parsed["sat"][0].length == 195


def test_low_level_parsers() -> None:
    assert parse_hhmm("0:00") == 0
    assert parse_hhmm("23:59") == 1439
    assert parse_allowed_days(["Sun", "MON"]) == ("sun", "mon")
    assert parse_int(7, field="x", low=1, high=None, error_type="t") == 7
    with pytest.raises(ValidationError, match=r"x must be an integer >= 1, got 0"):
        parse_int(0, field="x", low=1, high=None, error_type="t")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2020-03-23T00:00:00Z", datetime(2020, 3, 23, tzinfo=UTC)),
        ("2020-03-23T03:00:00+03:00", datetime(2020, 3, 23, tzinfo=UTC)),
        ("2020-03-23T00:00:00", datetime(2020, 3, 23, tzinfo=UTC)),  # naive string: UTC
        ("2020-03-23T00:00:00.250Z", datetime(2020, 3, 23, 0, 0, 0, 250000, tzinfo=UTC)),
        (1584921600000, datetime(2020, 3, 23, tzinfo=UTC)),  # epoch ms
        (1584921600000.5, datetime(2020, 3, 23, 0, 0, 0, 500, tzinfo=UTC)),
        (
            datetime(2020, 3, 23, 5, tzinfo=timezone(timedelta(hours=5))),
            datetime(2020, 3, 23, tzinfo=UTC),
        ),
        (datetime(2020, 3, 23), datetime(2020, 3, 23, tzinfo=UTC)),  # naive datetime: UTC
    ],
    ids=["z", "offset", "naive", "millis", "epoch_ms", "epoch_ms_fraction", "datetime", "naive_dt"],
)
def test_instants(raw: Any, expected: datetime) -> None:
    parsed = parse_instant(raw, "startDateTime")
    assert parsed == expected
    assert parsed.tzinfo is UTC


def test_instant_error_names_the_field() -> None:
    with pytest.raises(ValidationError) as caught:
        parse_instant(float("nan"), "finishDateTime")
    assert caught.value.type == "invalid.finishDateTime"
    with pytest.raises(ValidationError):
        parse_instant(10**20, "finishDateTime")


# --- the shorthand, non-policy keys, nulls ------------------------------------------------


def test_shorthand_means_default_window() -> None:
    fields = PolicyFields.from_json({"localTimeFrom": "22:00", "localTimeTo": "06:00"})
    assert fields.allowed_time == {"default": (TimeRange(1320, 360),)}


def test_allowed_time_wins_over_shorthand_which_is_then_ignored() -> None:
    fields = PolicyFields.from_json(
        {"allowedTime": {"mon": [NINE_TO_SIX]}, "localTimeFrom": "bogus", "localTimeTo": "10:00"}
    )
    assert fields.allowed_time == {"mon": (TimeRange(540, 1080),)}


def test_non_policy_keys_and_nulls_are_ignored() -> None:
    fields = PolicyFields.from_json(
        {
            "phone": "79990000000",
            "payload": {"a": 1},
            "gmtZone": "+03:00",
            "name": "x",
            "maxAttempts": None,
        }
    )
    assert fields == PolicyFields()
    assert not fields.is_custom()
    assert PolicyFields(dialer_priority=1).is_custom()


# --- round trips --------------------------------------------------------------------------

ROUND_TRIPS = [
    {},
    {"maxAttempts": 5, "retryIntervalInMinutes": 2880, "dialerPriority": 1},
    {"allowedDays": ["sat", "mon"]},
    {"startDateTime": "2020-03-23T00:00:00Z", "finishDateTime": "2020-03-24T00:00:00.123456Z"},
    {
        "allowedTime": {
            "default": [window("09:00", "12:00"), window("13:00", "18:00")],
            "fri": [window("22:30", "01:00")],
        }
    },
]


@pytest.mark.parametrize("wire", ROUND_TRIPS)
def test_round_trip(wire: dict[str, Any]) -> None:
    fields = PolicyFields.from_json(wire)
    assert fields.to_json() == wire
    assert PolicyFields.from_json(fields.to_json()) == fields


def test_round_trip_normalises() -> None:
    fields = PolicyFields.from_json(
        {
            "startDateTime": "2020-03-23T03:00:00+03:00",
            "localTimeFrom": "9:00",
            "localTimeTo": "18:00",
        }
    )
    assert fields.to_json() == {
        "startDateTime": "2020-03-23T00:00:00Z",
        "allowedTime": {"default": [window("09:00", "18:00")]},
    }
    assert PolicyFields.from_json(fields.to_json()) == fields


# --- merge --------------------------------------------------------------------------------

T0 = datetime(2020, 3, 23, tzinfo=UTC)
T1 = datetime(2020, 4, 23, tzinfo=UTC)
MON_9_18 = {"mon": (TimeRange(540, 1080),)}
DEFAULT_10_12 = {"default": (TimeRange(600, 720),)}

CAMPAIGN = PolicyFields(
    finish_datetime=T1,
    allowed_days=("mon", "tue"),
    allowed_time=MON_9_18,
    retry_interval_minutes=30,
    max_attempts=3,
)


def test_defaults_when_nothing_given() -> None:
    assert effective_policy(PolicyFields()) == CallingPolicy(
        start_datetime=None,
        finish_datetime=None,
        allowed_days=None,
        allowed_time=None,
        retry_interval_minutes=1,
        max_attempts=1,
        dialer_priority=3,
    )
    assert CAMPAIGN_DEFAULTS == PolicyFields(
        max_attempts=1, retry_interval_minutes=1, dialer_priority=3
    )


@pytest.mark.parametrize(
    ("number", "field", "expected"),
    [
        (None, "max_attempts", 3),
        (PolicyFields(), "retry_interval_minutes", 30),
        (PolicyFields(max_attempts=7), "max_attempts", 7),
        (PolicyFields(max_attempts=7), "retry_interval_minutes", 30),
        (PolicyFields(dialer_priority=1), "dialer_priority", 1),
        (PolicyFields(), "dialer_priority", 3),
        (PolicyFields(start_datetime=T0), "start_datetime", T0),
        (PolicyFields(start_datetime=T0), "finish_datetime", T1),
        (PolicyFields(allowed_days=("sun",)), "allowed_days", frozenset({"sun"})),
        # allowedTime is one field: replaced whole, the campaign's mon key is gone.
        (PolicyFields(allowed_time=DEFAULT_10_12), "allowed_time", DEFAULT_10_12),
        (PolicyFields(allowed_days=("sun",)), "allowed_time", MON_9_18),
    ],
)
def test_number_overrides_campaign_field_by_field(
    number: PolicyFields | None, field: str, expected: Any
) -> None:
    assert getattr(effective_policy(CAMPAIGN, number), field) == expected


def test_shorthand_on_number_replaces_campaign_allowed_time() -> None:
    number = PolicyFields.from_json({"localTimeFrom": "10:00", "localTimeTo": "12:00"})
    assert effective_policy(CAMPAIGN, number).allowed_time == DEFAULT_10_12


def test_redial_inherits_from_the_campaign_not_the_number() -> None:
    number = PolicyFields(max_attempts=9, dialer_priority=1, allowed_time=DEFAULT_10_12)
    redial = PolicyFields(start_datetime=T0, max_attempts=2)
    assert effective_policy(CAMPAIGN, number).dialer_priority == 1
    policy = redial_policy(CAMPAIGN, redial)
    assert policy.max_attempts == 2
    assert policy.dialer_priority == 3  # campaign (default), not the number's 1
    assert policy.allowed_time == MON_9_18  # campaign's, not the number's
    assert policy.start_datetime == T0
    assert policy.finish_datetime == T1


# --- ranges_for ---------------------------------------------------------------------------


def test_ranges_for_own_key_default_and_days() -> None:
    allowed = {"default": (TimeRange(600, 720),), "sat": (TimeRange(1320, 60),)}
    policy = effective_policy(PolicyFields(allowed_time=allowed))
    assert policy.ranges_for("sat") == (TimeRange(1320, 60),)
    assert policy.ranges_for("mon") == (TimeRange(600, 720),)
    only_keyed = effective_policy(PolicyFields(allowed_time={"sat": (TimeRange(1320, 60),)}))
    assert only_keyed.ranges_for("mon") == ()
    limited = effective_policy(PolicyFields(allowed_days=("mon",), allowed_time=allowed))
    assert limited.ranges_for("sat") == ()  # keyed day not in allowedDays: ignored
    assert limited.ranges_for("mon") == (TimeRange(600, 720),)


def test_ranges_for_without_windows_is_the_full_day() -> None:
    policy = effective_policy(PolicyFields(allowed_days=("mon",)))
    assert policy.ranges_for("mon") == (FULL_DAY,)
    assert policy.ranges_for("tue") == ()
    assert FULL_DAY.crosses_midnight and FULL_DAY.length == 1440
    assert effective_policy(PolicyFields()).ranges_for("sun") == (FULL_DAY,)
