"""A series of attempts: every outcome, every status transition (virtual time, UTC+3 callee)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from ringback.domain.policy import CallingPolicy, PolicyFields, effective_policy
from ringback.domain.series import (
    FINAL_STATUSES,
    OUTCOMES,
    JobStatus,
    Retry,
    SeriesEnd,
    after_attempt,
    first_attempt,
    reschedule,
)
from ringback.domain.windows import Window

MOSCOW = ZoneInfo("Europe/Moscow")  # UTC+3 all year: local 09:00-18:00 is 06:00-15:00 UTC
WEEKDAYS_9_TO_18 = {
    "allowedDays": ["mon", "tue", "wed", "thu", "fri"],
    "allowedTime": {"default": [{"localTimeFrom": "09:00", "localTimeTo": "18:00"}]},
    "retryIntervalInMinutes": 60,
    "maxAttempts": 3,
}
POLICY = effective_policy(PolicyFields.from_json(WEEKDAYS_9_TO_18))


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    """An instant in March 2026 (the 2nd is a Monday, the 6th a Friday)."""
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def with_fields(**extra: object) -> CallingPolicy:
    return effective_policy(PolicyFields.from_json({**WEEKDAYS_9_TO_18, **extra}))


def test_statuses_are_jaicps() -> None:
    assert [s.value for s in JobStatus] == [
        "planned",
        "inProcess",
        "onRetry",
        "noAnswer",
        "longCallWithResult",
        "longCallWithNoResult",
        "notDone",
        "cancelledByUser",
        "technicalError",
        "nonexistentNumber",
        "unknown",
    ]
    assert JobStatus("onRetry") is JobStatus.onRetry
    assert f"{JobStatus.planned}" == "planned"


def test_final_statuses_are_all_but_the_waiting_and_calling_ones() -> None:
    assert set(JobStatus) - FINAL_STATUSES == {
        JobStatus.planned,
        JobStatus.inProcess,
        JobStatus.onRetry,
    }


def test_outcomes() -> None:
    assert OUTCOMES == ("answer", "busy", "noAnswer", "failed", "nonexistent")


@pytest.mark.parametrize(
    ("created", "window"),
    [
        (utc(2, 5), Window(utc(2, 6), utc(2, 15))),  # before the window: its start
        (utc(2, 7, 30), Window(utc(2, 7, 30), utc(2, 15))),  # inside: at once
        (utc(2, 15), Window(utc(3, 6), utc(3, 15))),  # at the close (exclusive): next day
        (utc(6, 16), Window(utc(9, 6), utc(9, 15))),  # Friday evening: Monday
    ],
)
def test_first_attempt_is_planned_in_the_next_window(created: datetime, window: Window) -> None:
    assert first_attempt(created, POLICY, MOSCOW) == Retry(window, JobStatus.planned)


def test_first_attempt_that_can_never_start_is_not_done() -> None:
    finished = with_fields(finishDateTime="2026-03-02T00:00:00Z")
    assert first_attempt(utc(2, 5), finished, MOSCOW) == SeriesEnd(JobStatus.notDone)
    no_window = effective_policy(
        PolicyFields.from_json(
            {
                "allowedDays": ["sat"],
                "allowedTime": {"mon": [{"localTimeFrom": "09:00", "localTimeTo": "18:00"}]},
            }
        )
    )
    assert first_attempt(utc(2, 5), no_window, MOSCOW) == SeriesEnd(JobStatus.notDone)


@pytest.mark.parametrize(
    ("outcome", "result_set", "status"),
    [
        ("answer", True, JobStatus.longCallWithResult),
        ("answer", False, JobStatus.longCallWithNoResult),
        ("nonexistent", False, JobStatus.nonexistentNumber),
        ("nonexistent", True, JobStatus.nonexistentNumber),
    ],
)
def test_answer_and_nonexistent_end_the_series(outcome, result_set, status) -> None:
    for attempts in (1, 2, 3):
        decision = after_attempt(
            outcome,
            ended_at=utc(2, 7),
            attempts_made=attempts,
            policy=POLICY,
            zones=MOSCOW,
            call_result_set=result_set,
        )
        assert decision == SeriesEnd(status)


@pytest.mark.parametrize("outcome", ["busy", "noAnswer", "failed"])
@pytest.mark.parametrize(
    ("ended", "attempts", "decision"),
    [
        # retry due one hour after the end, inside the window
        (utc(2, 10), 1, Retry(Window(utc(2, 11), utc(2, 15)), JobStatus.onRetry)),
        (utc(2, 10), 2, Retry(Window(utc(2, 11), utc(2, 15)), JobStatus.onRetry)),
        # 17:30 local + 60 min is after 18:00: the next morning
        (utc(2, 14, 30), 1, Retry(Window(utc(3, 6), utc(3, 15)), JobStatus.onRetry)),
        # due exactly at the close: closed (exclusive), next morning
        (utc(2, 14), 1, Retry(Window(utc(3, 6), utc(3, 15)), JobStatus.onRetry)),
        # just before the close: still today
        (utc(2, 13, 59), 1, Retry(Window(utc(2, 14, 59), utc(2, 15)), JobStatus.onRetry)),
        # Friday evening: Monday
        (utc(6, 14, 30), 1, Retry(Window(utc(9, 6), utc(9, 15)), JobStatus.onRetry)),
        # the last attempt of maxAttempts 3
        (utc(2, 10), 3, SeriesEnd(JobStatus.noAnswer)),
        (utc(2, 10), 4, SeriesEnd(JobStatus.noAnswer)),
    ],
)
def test_unanswered_attempts_retry_until_max_attempts(outcome, ended, attempts, decision) -> None:
    assert (
        after_attempt(
            outcome,
            ended_at=ended,
            attempts_made=attempts,
            policy=POLICY,
            zones=MOSCOW,
            call_result_set=False,
        )
        == decision
    )


def test_retry_at_or_after_finish_ends_the_series_with_no_answer() -> None:
    policy = with_fields(finishDateTime="2026-03-02T11:00:00Z")
    ended = utc(2, 10)  # retry due 11:00 = finish: excluded
    decision = after_attempt(
        "busy", ended_at=ended, attempts_made=1, policy=policy, zones=MOSCOW, call_result_set=False
    )
    assert decision == SeriesEnd(JobStatus.noAnswer)
    ended = utc(2, 9, 59)  # due 10:59, window clipped by finish
    decision = after_attempt(
        "busy", ended_at=ended, attempts_made=1, policy=policy, zones=MOSCOW, call_result_set=False
    )
    assert decision == Retry(Window(utc(2, 10, 59), utc(2, 11)), JobStatus.onRetry)


def test_retry_interval_is_counted_from_the_end_of_the_attempt() -> None:
    policy = with_fields(retryIntervalInMinutes=2880)  # two days
    decision = after_attempt(
        "noAnswer",
        ended_at=utc(2, 7, 15),
        attempts_made=1,
        policy=policy,
        zones=MOSCOW,
        call_result_set=False,
    )
    assert decision == Retry(Window(utc(4, 7, 15), utc(4, 15)), JobStatus.onRetry)


def test_unknown_outcome_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown outcome"):
        after_attempt(
            "hungUp",  # type: ignore[arg-type]
            ended_at=utc(2, 7),
            attempts_made=1,
            policy=POLICY,
            zones=MOSCOW,
            call_result_set=False,
        )


def test_several_zones_retry_in_the_intersection() -> None:
    # Moscow 09:00-18:00 is 06:00-15:00 UTC; Yekaterinburg (UTC+5) 09:00-18:00 is 04:00-13:00.
    zones = (MOSCOW, ZoneInfo("Asia/Yekaterinburg"))
    decision = after_attempt(
        "busy",
        ended_at=utc(2, 11, 30),
        attempts_made=1,
        policy=POLICY,
        zones=zones,
        call_result_set=False,
    )
    assert decision == Retry(Window(utc(2, 12, 30), utc(2, 13)), JobStatus.onRetry)
    later = after_attempt(
        "busy",
        ended_at=utc(2, 12),
        attempts_made=1,
        policy=POLICY,
        zones=zones,
        call_result_set=False,
    )
    assert later == Retry(Window(utc(3, 6), utc(3, 13)), JobStatus.onRetry)


@pytest.mark.parametrize(
    ("now", "attempts", "decision"),
    [
        (utc(2, 15), 0, Retry(Window(utc(3, 6), utc(3, 15)), JobStatus.planned)),
        (utc(2, 15), 1, Retry(Window(utc(3, 6), utc(3, 15)), JobStatus.onRetry)),
        (utc(2, 15), 2, Retry(Window(utc(3, 6), utc(3, 15)), JobStatus.onRetry)),
        (utc(2, 8), 1, Retry(Window(utc(2, 8), utc(2, 15)), JobStatus.onRetry)),  # reaped
        (utc(2, 15), 3, SeriesEnd(JobStatus.noAnswer)),
    ],
)
def test_reschedule_a_job_whose_window_closed(now, attempts, decision) -> None:
    assert reschedule(now, attempts_made=attempts, policy=POLICY, zones=MOSCOW) == decision


@pytest.mark.parametrize(("attempts", "status"), [(0, JobStatus.notDone), (1, JobStatus.noAnswer)])
def test_reschedule_after_the_finish_ends_the_series(attempts: int, status: JobStatus) -> None:
    policy = with_fields(finishDateTime="2026-03-02T15:00:00Z")
    decision = reschedule(utc(2, 15), attempts_made=attempts, policy=policy, zones=MOSCOW)
    assert decision == SeriesEnd(status)


def test_windows_are_utc_instants() -> None:
    decision = first_attempt(utc(2, 5), POLICY, MOSCOW)
    assert isinstance(decision, Retry)
    assert decision.window.open.utcoffset() == timedelta(0)
