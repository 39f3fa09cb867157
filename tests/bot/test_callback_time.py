"""The callback-time bot end to end: a phrase → ``$dialer.redial`` at that time, callee's zone.

Each case is a real call through the engine adapter (the project loaded with ringback's
``@duckling.*`` recognisers, the callee's zone on the :class:`CallContext`) at a fixed "now";
the expected instants are written as the callee's local wall time, so a phrase resolved in UTC
(or in the wrong zone) fails. The clocks are chosen so that the callee's local date differs
from the UTC date: Moscow is already on Saturday when UTC is still on Friday evening, New York
still on Friday when UTC is on Saturday, and one case crosses New York's spring-forward day.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from ringback.bot.adapter import JaicpBot
from ringback.bot.chat import RedialSchedule, chat_call_context, redial_schedule
from ringback.bot.xmltests import run_project_tests

BOTS = Path(__file__).parents[2] / "examples" / "bots" / "callback-time"
MOSCOW = ZoneInfo("Europe/Moscow")
NEW_YORK = ZoneInfo("America/New_York")
# Friday 21:30 UTC = Saturday 00:30 in Moscow (MSK, +03:00) = Friday 17:30 in New York (EDT).
FRI_EVENING = datetime(2026, 3, 13, 21, 30, tzinfo=UTC)
# Saturday 02:00 UTC = Friday 22:00 in New York.
SAT_NIGHT = datetime(2026, 3, 14, 2, 0, tzinfo=UTC)
# Sunday 2026-03-08 02:30 UTC = Saturday 21:30 EST; the clocks go forward that night at 02:00.
BEFORE_DST = datetime(2026, 3, 8, 2, 30, tzinfo=UTC)
POINT_WINDOW = timedelta(minutes=30)  # callback.js: a point answer may be called for 30 min


def local(zone: ZoneInfo, year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    """A wall time in ``zone`` as a UTC instant (none of these falls in a DST gap or fold)."""
    return datetime(year, month, day, hour, minute, tzinfo=zone).astimezone(UTC)


@pytest.fixture(scope="module")
def bots() -> Iterator[dict[str, JaicpBot]]:
    loaded = {"en": JaicpBot.load(BOTS), "ru": JaicpBot.load(BOTS / "ru")}
    yield loaded
    for bot in loaded.values():
        bot.runtime.close()


def redial_for(
    bots: dict[str, JaicpBot], phrase: str, zone: ZoneInfo, now: datetime
) -> dict[str, object]:
    """Say ``phrase`` in a call answered at ``now`` by a callee in ``zone``; the redial asked."""
    lang = "ru" if any("а" <= ch <= "я" for ch in phrase.lower()) else "en"
    call = bots[lang].open(chat_call_context("79161234567", {}, now, zone))
    call.start(now)
    replies = call.hear(phrase, now)
    assert [r.state for r in replies] == ["/When"], [r.text for r in replies]
    assert call.ended  # the bot says goodbye and hangs up once the callback is set
    redial = call.outcome().redial
    assert redial is not None, call.turns[-1]
    return redial


CASES = [
    # (phrase, zone, now, expected start, expected finish)
    ("in 20 minutes", MOSCOW, FRI_EVENING, FRI_EVENING + timedelta(minutes=20), None),
    ("tomorrow at 3 pm", MOSCOW, FRI_EVENING, local(MOSCOW, 2026, 3, 15, 15, 0), None),
    (
        "next Monday morning",
        MOSCOW,
        FRI_EVENING,
        local(MOSCOW, 2026, 3, 16, 0, 0),
        local(MOSCOW, 2026, 3, 16, 12, 0),
    ),
    (
        "call me tomorrow after lunch",
        MOSCOW,
        FRI_EVENING,
        local(MOSCOW, 2026, 3, 15, 13, 0),
        local(MOSCOW, 2026, 3, 15, 17, 0),
    ),
    ("через полчаса", MOSCOW, FRI_EVENING, FRI_EVENING + timedelta(minutes=30), None),
    (
        "перезвоните завтра после обеда",
        MOSCOW,
        FRI_EVENING,
        local(MOSCOW, 2026, 3, 15, 13, 0),
        local(MOSCOW, 2026, 3, 15, 17, 0),
    ),
    ("завтра в 15:00", MOSCOW, FRI_EVENING, local(MOSCOW, 2026, 3, 15, 15, 0), None),
    ("in 20 minutes", NEW_YORK, FRI_EVENING, FRI_EVENING + timedelta(minutes=20), None),
    ("tomorrow at 3 pm", NEW_YORK, FRI_EVENING, local(NEW_YORK, 2026, 3, 14, 15, 0), None),
    (
        "next Monday morning",
        NEW_YORK,
        FRI_EVENING,
        local(NEW_YORK, 2026, 3, 16, 0, 0),
        local(NEW_YORK, 2026, 3, 16, 12, 0),
    ),
    (
        "завтра после обеда",
        NEW_YORK,
        FRI_EVENING,
        local(NEW_YORK, 2026, 3, 14, 13, 0),
        local(NEW_YORK, 2026, 3, 14, 17, 0),
    ),
    ("через полчаса", NEW_YORK, FRI_EVENING, FRI_EVENING + timedelta(minutes=30), None),
    # UTC is on Saturday already; in New York "tomorrow" is still Saturday.
    ("tomorrow at 3 pm", NEW_YORK, SAT_NIGHT, local(NEW_YORK, 2026, 3, 14, 15, 0), None),
    ("завтра в 15:00", NEW_YORK, SAT_NIGHT, local(NEW_YORK, 2026, 3, 14, 15, 0), None),
    # Said at 21:30 EST, meant 15:00 EDT: 19:00 UTC, not 20:00.
    ("tomorrow at 3 pm", NEW_YORK, BEFORE_DST, datetime(2026, 3, 8, 19, 0, tzinfo=UTC), None),
]


@pytest.mark.parametrize(
    ("phrase", "zone", "now", "start", "finish"),
    CASES,
    ids=[f"{c[0]}-{c[1].key}-{c[2]:%a%H%M}" for c in CASES],
)
def test_the_redial_starts_at_the_named_time_in_the_callees_zone(
    bots: dict[str, JaicpBot],
    phrase: str,
    zone: ZoneInfo,
    now: datetime,
    start: datetime,
    finish: datetime | None,
) -> None:
    redial = redial_for(bots, phrase, zone, now)
    expected_finish = finish or start + POINT_WINDOW
    assert redial == {
        "startDateTime": int(start.timestamp() * 1000),
        "finishDateTime": int(expected_finish.timestamp() * 1000),
        "maxAttempts": 2,
        "retryIntervalInMinutes": 5,
    }


def test_the_dialer_runs_the_callback_as_two_attempts_inside_the_window(
    bots: dict[str, JaicpBot],
) -> None:
    redial = redial_for(bots, "завтра после обеда", MOSCOW, FRI_EVENING)
    schedule = redial_schedule(redial, ended_at=FRI_EVENING, zones=MOSCOW)
    assert isinstance(schedule, RedialSchedule)
    first = local(MOSCOW, 2026, 3, 15, 13, 0)
    assert [w.open for w in schedule.windows] == [first, first + timedelta(minutes=5)]
    assert {w.close for w in schedule.windows} == {local(MOSCOW, 2026, 3, 15, 17, 0)}


@pytest.mark.parametrize(("lang", "phrase"), [("en", "yesterday at 5 pm"), ("ru", "вчера в 17:00")])
def test_a_time_already_past_asks_again_and_schedules_nothing(
    bots: dict[str, JaicpBot], lang: str, phrase: str
) -> None:
    call = bots[lang].open(chat_call_context("79161234567", {}, FRI_EVENING, MOSCOW))
    call.start(FRI_EVENING)
    call.hear(phrase, FRI_EVENING)
    assert not call.ended and call.outcome().redial is None
    assert call.turns[-1].state == "/When" and call.turns[-1].answers[0].endswith("?")


def test_ringback_chat_shows_the_callback_in_the_callees_local_time() -> None:
    argv = [sys.executable, "-m", "ringback", "chat", str(BOTS / "ru")]
    # +7 495 … is a Moscow landline (one candidate zone): `ringback chat` takes the zone from it.
    argv += ["--phone", "74951234567", "--now", "2026-03-13T21:30:00Z"]
    result = subprocess.run(
        argv,
        input="завтра после обеда\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "bot: Хорошо! Перезвоню 2026-03-15 с 13:00 до 17:00. До свидания!" in out
    assert "[the bot hung up]" in out
    assert "redial: 2 attempt(s), 5 min apart" in out
    assert "attempt 1: from 2026-03-15T10:00:00+00:00 (local 2026-03-15 13:00 MSK)" in out
    assert "attempt 2: from 2026-03-15T10:05:00+00:00" in out


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_projects_xml_tests_pass(bots: dict[str, JaicpBot], lang: str) -> None:
    report = run_project_tests(bots[lang].runtime)
    expected = {"en": 8, "ru": 7}[lang]  # en also has the slot-filling case
    assert report.count("passed") == expected, [r for r in report.results if r.status != "passed"]
    assert report.count("failed") == 0
