"""``$dialer.redial``: validation with exact messages, the 5-attempt cap, the campaign limit."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from ringback.domain.errors import RedialError
from ringback.domain.policy import PolicyFields, TimeRange
from ringback.domain.series import (
    REDIAL_REASONS,
    RedialIgnored,
    RedialPlan,
    parse_redial,
    plan_redial,
)

START_MS = 1_772_442_000_000  # 2026-03-02T09:00:00Z
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DAY = {"default": [{"localTimeFrom": "09:00", "localTimeTo": "18:00"}]}


def message_of(params: Any) -> str:
    with pytest.raises(RedialError) as caught:
        parse_redial(params)
    return str(caught.value)


def test_the_seed_example_parses() -> None:
    fields = parse_redial(
        {
            "startDateTime": START_MS + 60 * 60_000,
            "finishDateTime": START_MS + 75 * 60_000,
            "maxAttempts": 2,
            "retryIntervalInMinutes": 5,
        }
    )
    assert fields == PolicyFields(
        start_datetime=datetime(2026, 3, 2, 10, 0, tzinfo=UTC),
        finish_datetime=datetime(2026, 3, 2, 10, 15, tzinfo=UTC),
        max_attempts=2,
        retry_interval_minutes=5,
    )


def test_iso_strings_integral_floats_and_allowed_time_alone_are_accepted() -> None:
    fields = parse_redial(
        {
            "startDateTime": "2026-03-02T12:00:00+03:00",
            "allowedTime": {"MON": [{"localTimeFrom": "9:00", "localTimeTo": "18:00"}]},
            "allowedDays": ["mon", "Tue"],
            "dialerPriority": 1.0,
            "unrelated": "ignored",
            "maxAttempts": None,  # null: not given
        }
    )
    assert fields.start_datetime == START
    assert fields.allowed_time == {"mon": (TimeRange(540, 1080),)}
    assert fields.allowed_days == ("mon", "tue")
    assert fields.dialer_priority == 1
    assert fields.max_attempts is None


def test_the_deprecated_shorthand_counts_as_allowed_time() -> None:
    fields = parse_redial({"localTimeFrom": "22:00", "localTimeTo": "02:00"})
    assert fields.allowed_time == {"default": (TimeRange(1320, 120),)}


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        (None, "no_params"),
        ({}, "no_params"),
        ("tomorrow", "no_params"),
        ({"maxAttempts": 2}, "no_start_or_time"),
        ({"finishDateTime": START_MS}, "no_start_or_time"),
        ({"startDateTime": "next week"}, "bad_date"),
        ({"startDateTime": True}, "bad_date"),
        ({"startDateTime": START_MS, "finishDateTime": START_MS}, "start_not_before_finish"),
        ({"startDateTime": START_MS, "finishDateTime": START_MS - 1}, "start_not_before_finish"),
        ({"startDateTime": START_MS, "allowedDays": ["mon", "funday"]}, "bad_day"),
        ({"startDateTime": START_MS, "allowedDays": []}, "bad_day"),
        ({"startDateTime": START_MS, "allowedDays": ["mon", "mon"]}, "bad_day"),
        ({"startDateTime": START_MS, "allowedDays": "mon"}, "bad_day"),
        (
            {"allowedTime": {"default": [{"localTimeFrom": "9", "localTimeTo": "18:00"}]}},
            "bad_time",
        ),
        (
            {"allowedTime": {"mon": [{"localTimeFrom": "09:00", "localTimeTo": "24:00"}]}},
            "bad_time",
        ),
        ({"localTimeFrom": "9am", "localTimeTo": "18:00"}, "bad_time"),
        ({"startDateTime": START_MS, "retryIntervalInMinutes": 0}, "bad_retry_interval"),
        ({"startDateTime": START_MS, "retryIntervalInMinutes": 2.5}, "bad_retry_interval"),
        ({"startDateTime": START_MS, "retryIntervalInMinutes": 2881}, "bad_retry_interval"),
        ({"startDateTime": START_MS, "maxAttempts": 0}, "bad_max_attempts"),
        ({"startDateTime": START_MS, "maxAttempts": 51}, "bad_max_attempts"),
        ({"startDateTime": START_MS, "maxAttempts": "2"}, "bad_max_attempts"),
        ({"startDateTime": START_MS, "maxAttempts": float("nan")}, "bad_max_attempts"),
        ({"startDateTime": START_MS, "dialerPriority": 0}, "bad_priority"),
        ({"startDateTime": START_MS, "dialerPriority": 6}, "bad_priority"),
        ({"startDateTime": START_MS, "dialerPriority": True}, "bad_priority"),
        ({"allowedTime": {"weekend": DAY["default"]}}, "bad_allowed_time_key"),
        ({"allowedTime": {"default": {"localTimeFrom": "09:00"}}}, "bad_allowed_time_value"),
        ({"allowedTime": {"default": []}}, "bad_allowed_time_value"),
        ({"allowedTime": {"default": [{"localTimeFrom": "09:00"}]}}, "bad_allowed_time_value"),
        ({"allowedTime": {"default": ["09:00-18:00"]}}, "bad_allowed_time_value"),
        ({"allowedTime": [DAY["default"]]}, "bad_allowed_time_value"),
    ],
)
def test_each_reason_has_its_exact_message(params: Any, reason: str) -> None:
    assert message_of(params) == "$dialer.redial params error. " + REDIAL_REASONS[reason]


def test_reason_texts_are_the_documented_ones() -> None:
    assert REDIAL_REASONS["no_params"] == "Params are not specified."
    assert REDIAL_REASONS["no_start_or_time"] == (
        "Either startDateTime or allowedTime must be specified."
    )
    assert REDIAL_REASONS["start_not_before_finish"] == (
        "startDateTime must be before finishDateTime."
    )
    assert REDIAL_REASONS["bad_max_attempts"] == "maxAttempts must be an integer from 1 to 50."
    assert REDIAL_REASONS["bad_priority"] == "dialerPriority must be an integer from 1 to 5."


def test_well_formed_but_overlapping_windows_carry_the_policy_message() -> None:
    text = message_of(
        {
            "allowedTime": {
                "default": [
                    {"localTimeFrom": "09:00", "localTimeTo": "12:00"},
                    {"localTimeFrom": "11:00", "localTimeTo": "13:00"},
                ]
            }
        }
    )
    assert text.startswith("$dialer.redial params error. ")
    assert "overlap" in text


def test_empty_window_carries_the_policy_message() -> None:
    text = message_of({"localTimeFrom": "09:00", "localTimeTo": "09:00"})
    assert text == (
        "$dialer.redial params error. "
        "localTimeFrom must differ from localTimeTo, got 09:00 for both"
    )


# --- plan_redial --------------------------------------------------------------------------

CAMPAIGN = PolicyFields(max_attempts=20, retry_interval_minutes=30, allowed_days=("mon",))


def planned(requested: PolicyFields, used: int = 0, campaign: PolicyFields = CAMPAIGN) -> int:
    plan = plan_redial(requested, campaign=campaign, redial_attempts_used=used)
    assert isinstance(plan, RedialPlan)
    assert plan.fields.max_attempts == plan.policy.max_attempts
    return plan.policy.max_attempts


def test_max_attempts_is_capped_at_five() -> None:
    assert planned(PolicyFields(start_datetime=START, max_attempts=10)) == 5
    assert planned(PolicyFields(start_datetime=START, max_attempts=5)) == 5
    assert planned(PolicyFields(start_datetime=START, max_attempts=2)) == 2


def test_omitted_max_attempts_comes_from_the_campaign_then_is_capped() -> None:
    assert planned(PolicyFields(start_datetime=START)) == 5
    small = PolicyFields(max_attempts=3)
    assert planned(PolicyFields(start_datetime=START), campaign=small) == 3
    assert planned(PolicyFields(start_datetime=START), campaign=PolicyFields()) == 1


def test_campaign_limit_shortens_the_series_to_what_is_left() -> None:
    campaign = PolicyFields(max_attempts=7)
    assert planned(PolicyFields(start_datetime=START, max_attempts=10), 4, campaign) == 3
    assert planned(PolicyFields(start_datetime=START, max_attempts=2), 4, campaign) == 2
    assert planned(PolicyFields(start_datetime=START, max_attempts=10), 6, campaign) == 1


@pytest.mark.parametrize("used", [7, 8])
def test_nothing_left_is_ignored_with_a_reason(used: int) -> None:
    plan = plan_redial(
        PolicyFields(start_datetime=START, max_attempts=2),
        campaign=PolicyFields(max_attempts=7),
        redial_attempts_used=used,
    )
    assert plan == RedialIgnored(
        f"campaign limit of 7 redial attempts per number reached ({used} made)"
    )


def test_omitted_fields_come_from_the_campaign_not_the_number() -> None:
    plan = plan_redial(
        PolicyFields(start_datetime=START, max_attempts=2),
        campaign=CAMPAIGN,
        redial_attempts_used=0,
    )
    assert isinstance(plan, RedialPlan)
    assert plan.fields == PolicyFields(start_datetime=START, max_attempts=2)
    assert plan.policy.retry_interval_minutes == 30
    assert plan.policy.allowed_days == frozenset({"mon"})
    assert plan.policy.start_datetime == START
    assert plan.policy.dialer_priority == 3


def test_module_docstring_lists_every_reason_verbatim() -> None:
    import ringback.domain.series as series

    doc = " ".join((series.__doc__ or "").split())
    for name, text in REDIAL_REASONS.items():
        assert f"``{name}``: ``{text}``" in doc, name
