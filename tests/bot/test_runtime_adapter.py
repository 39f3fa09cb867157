"""The engine adapter: a JAICP project behind ``Bot``/``BotCall``, the SPEC 3 seed end to end."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ringback.bot import load_bot
from ringback.bot.adapter import JaicpBot
from ringback.bot.chat import RedialSchedule, redial_schedule
from ringback.domain.policy import PolicyFields
from ringback.domain.series import RedialIgnored
from ringback.engine.conversation import CallContext, DialHistory

CALLBACK = Path(__file__).parents[2] / "examples" / "bots" / "callback"
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def call_context(client: dict[str, object] | None = None) -> CallContext:
    return CallContext(
        phone="79161234567",
        payload={"order": 17},
        campaign_id=1,
        campaign_token="tok",
        campaign_settings={"allowedDays": ["mon"], "allowedTime": None},
        call_job_id=5,
        redial_number=None,
        attempt_number=1,
        zone=UTC,
        started_at=NOW,
        client=dict(client or {}),
        history=DialHistory(1, 0, 1, 0),
    )


@pytest.fixture(scope="module")
def callback_bot() -> Iterator[JaicpBot]:
    bot = load_bot(CALLBACK, entities={})
    yield bot
    bot.runtime.close()


def test_the_seed_conversation_schedules_two_attempts_five_minutes_apart(
    callback_bot: JaicpBot,
) -> None:
    call = callback_bot.open(call_context())
    greeting = call.start(NOW)
    assert greeting[0].state == "/Start"
    replies = call.hear("can you call me back in an hour", NOW + timedelta(seconds=5))
    assert [r.text for r in replies] == ["Okay! I'll call you back in an hour."]
    call.hangup(NOW + timedelta(seconds=10))
    outcome = call.outcome()
    assert outcome.redial is not None and not outcome.bot_hung_up
    schedule = redial_schedule(outcome.redial, ended_at=NOW + timedelta(seconds=10))
    assert isinstance(schedule, RedialSchedule)
    assert schedule.max_attempts == 2 and len(schedule.windows) == 2
    first, second = (w.open for w in schedule.windows)
    assert second - first == timedelta(minutes=5)
    for start in (first, second):
        assert NOW + timedelta(minutes=60) <= start <= NOW + timedelta(minutes=75)


def test_only_the_first_redial_counts_and_ten_attempts_become_five(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "chatbot.yaml").write_text("name: r\nlanguage: en\n")
    (tmp_path / "src" / "main.sc").write_text(
        "state: Start\n    q!: $regex</start>\n    script:\n"
        "        $dialer.redial({allowedTime: {default: [{localTimeFrom: '09:00',"
        " localTimeTo: '18:00'}]}, maxAttempts: 10});\n"
        "        $dialer.redial({startDateTime: new Date(), maxAttempts: 1});\n"
        "    a: ok\n"
    )
    bot = load_bot(tmp_path, entities={})
    try:
        call = bot.open(call_context())
        call.start(NOW)
        outcome = call.outcome()
        assert call.conv.dialer.ignored_redials == 1
        assert outcome.redial is not None and outcome.redial["maxAttempts"] == 10
        schedule = redial_schedule(
            outcome.redial, ended_at=NOW, campaign=PolicyFields(max_attempts=10)
        )
        assert isinstance(schedule, RedialSchedule) and schedule.max_attempts == 5
        used_up = redial_schedule(
            outcome.redial,
            ended_at=NOW,
            campaign=PolicyFields(max_attempts=10),
            redial_attempts_used=10,
        )
        assert isinstance(used_up, RedialIgnored)
    finally:
        bot.runtime.close()


def test_dialer_data_client_and_outcome_mapping(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "chatbot.yaml").write_text("name: m\nlanguage: en\n")
    (tmp_path / "src" / "main.sc").write_text(
        "state: Start\n    q!: $regex</start>\n"
        "    a: {{ $dialer.getCaller() }} {{ $dialer.getPayload().order }} {{ $client.name }}\n"
        "state: Done\n    q!: done\n    script:\n"
        "        $client.name = 'Bob';\n"
        "        $dialer.setCallResult('agreed', {sum: 3});\n"
        "        $dialer.reportData('answer', 'yes');\n"
        "        $dialer.addCallTag('hot', 'p', 'red');\n"
        "        $dialer.addCallTag('second');\n"
        "        $dialer.hangUp('bye');\n"
        "        $global.count = ($global.count || 0) + 1;\n"
        "    a: {{ $global.count }}\n"
    )
    bot = load_bot(tmp_path, entities={})
    try:
        untouched = bot.open(call_context({"name": "Ann"}))
        assert [r.text for r in untouched.start(NOW)] == ["79161234567 17 Ann"]
        assert untouched.outcome().client is None
        call = bot.open(call_context({"name": "Ann"}))
        call.start(NOW)
        assert [r.text for r in call.hear("done", NOW)] == ["1", "bye"]
        assert call.ended and call.hear("anything", NOW) == []
        outcome = call.outcome()
        assert outcome.call_result == "agreed" and outcome.call_result_payload == {"sum": 3}
        assert outcome.report_data == {"answer": "yes"}
        assert (outcome.tag_name, outcome.tag_payload) == ("hot", "p")
        assert outcome.client == {"name": "Bob"} and outcome.bot_hung_up
        again = bot.open(call_context())
        again.start(NOW)
        assert [r.text for r in again.hear("done", NOW)] == ["2", "bye"]  # one engine per bot
    finally:
        bot.runtime.close()


def test_not_connected_calls_and_the_no_input_timeout(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "chatbot.yaml").write_text("name: n\nlanguage: en\n")
    (tmp_path / "src" / "main.sc").write_text(
        "state: Start\n    q!: $regex</start>\n    script:\n"
        "        $dialer.setNoInputTimeout(30000);\n    a: hi\n"
        "state: Missed\n    event!: onCallNotConnected\n    script:\n"
        "        $dialer.setCallResult('missed ' + $dialer.getCallNotConnectedReason());\n"
    )
    bot = load_bot(tmp_path, entities={})
    try:
        outcome = bot.not_connected(call_context(), "BUSY", NOW)
        assert outcome.call_result == "missed BUSY"
        call = bot.open(call_context())
        assert call.no_input_timeout_ms == 5000
        call.start(NOW)
        assert call.no_input_timeout_ms == 20000  # clamped
    finally:
        bot.runtime.close()
