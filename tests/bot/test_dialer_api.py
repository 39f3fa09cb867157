"""$dialer: every method on the phone and text channels, redial validation, DialerRequests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ringback.bot.dialer_api import DialerRequests, dialer_data
from ringback.bot.js import RequestData, RequestResult, ScriptEngine, ScriptError
from ringback.domain.errors import RedialError
from ringback.domain.series import REDIAL_REASONS, parse_redial
from ringback.domain.zones import parse_gmt_zone
from ringback.engine.conversation import CallContext, DialHistory

NOW = datetime(2024, 2, 1, 10, 0, tzinfo=UTC)
NOW_MS = int(NOW.timestamp() * 1000)
PHONE = {
    "channel": "phone",
    "caller": "79001234567",
    "payload": {"name": "Ann", "order": 17},
    "history": {
        "completedAttempts": 1,
        "availableAttempts": 2,
        "completedAttemptsToPhone": 3,
        "availableAttemptsToPhone": 4,
    },
    "campaignSchedule": {
        "allowedDays": ["mon", "tue"],
        "allowedTime": {"default": [{"localTimeFrom": "09:00", "localTimeTo": "18:00"}]},
    },
    "dialSchedule": {"allowedDays": ["mon"], "allowedTime": None},
    "timezone": "+03:00",
    "token": "secret-token",
    "sipHeaders": {"X-Lead": "42"},
    "incoming": False,
    "callNotConnectedReason": "BUSY",
    "ttsConfig": {"voice": "anna"},
    "transferStatus": {"status": "COMPLETED"},
    "bargeInIntentStatus": {"bargeInIntent": "stop"},
    "bargeInInterrupted": True,
    "callRecordingFullUrl": "https://rec.example.org/1.wav",
    "callRecordingPath": "rec/1.wav",
}


@pytest.fixture(scope="module")
def engine() -> Iterator[ScriptEngine]:
    js = ScriptEngine()
    yield js
    js.close()


def run(engine: ScriptEngine, code: str, dialer: dict[str, Any] | None = None) -> RequestResult:
    engine.begin_request(RequestData(now=NOW, dialer=PHONE if dialer is None else dialer))
    try:
        engine.exec(code, file="main.sc", line=1)
    finally:
        result = engine.end_request()
    return result


def js_value(engine: ScriptEngine, expr: str, dialer: dict[str, Any] | None = None) -> Any:
    return run(engine, f"$session.v = {expr}", dialer).session.get("v")


# --- getters ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("$dialer.getCaller()", "79001234567"),
        ("$dialer.getPayload()", {"name": "Ann", "order": 17}),
        ("$dialer.getDialHistory()", PHONE["history"]),
        ("$dialer.getCampaignSchedule()", PHONE["campaignSchedule"]),
        ("$dialer.getDialSchedule()", PHONE["dialSchedule"]),
        ("$dialer.getAbonentTimezone()", "+03:00"),
        ("$dialer.getCallNotConnectedReason()", "BUSY"),
        ("$dialer.getSipHeaders()", {"X-Lead": "42"}),
        ("$dialer.getCampaignToken()", "secret-token"),
        ("$dialer.isIncomingCall()", False),
        ("$dialer.getTtsConfig()", {"voice": "anna"}),
        ("$dialer.getTransferStatus()", {"status": "COMPLETED"}),
        ("$dialer.getBargeInIntentStatus()", {"bargeInIntent": "stop"}),
        ("$dialer.isBargeInInterrupted()", True),
        ("$dialer.getCallRecordingFullUrl()", "https://rec.example.org/1.wav"),
        ("$dialer.getCallRecordingPath()", "rec/1.wav"),
    ],
)
def test_getters_read_the_call_data(engine: ScriptEngine, expr: str, expected: Any) -> None:
    assert js_value(engine, expr) == expected


def test_getters_have_sensible_defaults(engine: ScriptEngine) -> None:
    bare = {"channel": "phone"}
    assert js_value(engine, "$dialer.getPayload()", bare) == {}
    assert js_value(engine, "$dialer.getSipHeaders()", bare) == {}
    assert js_value(engine, "$dialer.getAbonentTimezone()", bare) == "+00:00"
    assert js_value(engine, "$dialer.getCallNotConnectedReason()", bare) is None
    assert js_value(engine, "$dialer.getDialHistory()", bare) == {
        "completedAttempts": 0,
        "availableAttempts": 0,
        "completedAttemptsToPhone": 0,
        "availableAttemptsToPhone": 0,
    }


def test_a_getter_result_is_a_copy(engine: ScriptEngine) -> None:
    code = "$dialer.getPayload().name = 'X'; $session.v = $dialer.getPayload().name"
    assert run(engine, code).session == {"v": "Ann"}


def test_on_a_text_channel_every_method_is_a_logged_no_op(engine: ScriptEngine) -> None:
    result = run(
        engine,
        """
        $session.v = [$dialer.getCaller(), $dialer.getPayload(), $dialer.isIncomingCall(),
                      $dialer.getCallNotConnectedReason()];
        $dialer.setCallResult("ok");
        $dialer.redial();          // not even validated off the phone
        $dialer.hangUp("bye");
        $dialer.hangUp("bye again");
        """,
        dialer={"channel": "text", "caller": "79001234567"},
    )
    assert result.session == {"v": ["", {}, False, None]}
    assert result.dialer_calls == []
    assert result.logs == [
        "$dialer.getCaller: not on the phone channel (text), ignored",
        "$dialer.getPayload: not on the phone channel (text), ignored",
        "$dialer.isIncomingCall: not on the phone channel (text), ignored",
        "$dialer.getCallNotConnectedReason: not on the phone channel (text), ignored",
        "$dialer.setCallResult: not on the phone channel (text), ignored",
        "$dialer.redial: not on the phone channel (text), ignored",
        "$dialer.hangUp: not on the phone channel (text), ignored",
    ]


# --- recorded calls -------------------------------------------------------------------------


def test_mutating_calls_are_recorded_in_order(engine: ScriptEngine) -> None:
    result = run(
        engine,
        """
        $dialer.setCallResult("callback", {when: new Date()});
        $dialer.setCallResultAccepted();
        $dialer.setCallResultRejected({why: "busy"});
        $dialer.reportData("Name", "Ann", 2);
        $dialer.reportData("Answer", {yes: true});
        $dialer.reportData("Count", 3);
        $dialer.addCallTag("hot");
        $dialer.addCallTag("vip", {level: 1}, "#ff0000");
        $dialer.setNoInputTimeout(300);
        $dialer.setNoInputTimeout(25000);
        $dialer.setNoInputTimeout(7000);
        $dialer.bargeInResponse({bargeIn: "forced", bargeInTrigger: "final", noInterruptTime: 0});
        $dialer.bargeInInterrupt(true);
        $dialer.setTtsConfig({speed: 1.2});
        $session.tts = $dialer.getTtsConfig();
        $dialer.hangUp();
        $dialer.hangUp("Goodbye!");
        """,
    )
    assert result.dialer_calls == [
        ("setCallResult", ["callback", {"when": NOW_MS}]),
        ("setCallResultAccepted", []),
        ("setCallResultRejected", [{"why": "busy"}]),
        ("reportData", ["Name", "Ann", 2]),
        ("reportData", ["Answer", '{"yes":true}']),
        ("reportData", ["Count", "3"]),
        ("addCallTag", ["hot"]),
        ("addCallTag", ["vip", {"level": 1}, "#ff0000"]),
        ("setNoInputTimeout", [1000]),
        ("setNoInputTimeout", [20000]),
        ("setNoInputTimeout", [7000]),
        (
            "bargeInResponse",
            [{"bargeIn": "forced", "bargeInTrigger": "final", "noInterruptTime": 0}],
        ),
        ("bargeInInterrupt", [True]),
        ("setTtsConfig", [{"speed": 1.2}]),
        ("hangUp", []),
        ("hangUp", ["Goodbye!"]),
    ]
    assert result.session == {"tts": {"voice": "anna", "speed": 1.2}}


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("$dialer.reportData('h', null)", "Error: $dialer.reportData: the value of 'h' is null"),
        ("$dialer.reportData('h')", "Error: $dialer.reportData: the value of 'h' is null"),
        (
            "$dialer.reportData('x'.repeat(256), 1)",
            "Error: $dialer.reportData: the header is longer than 255 characters",
        ),
        (
            "$dialer.reportData('', 1)",
            "Error: $dialer.reportData: the header must be a non-empty string",
        ),
        (
            "$dialer.setCallResult()",
            "Error: $dialer.setCallResult: the call result must be a non-empty string",
        ),
        ("$dialer.addCallTag('')", "Error: $dialer.addCallTag: the tag must be a non-empty string"),
        (
            "$dialer.setNoInputTimeout('soon')",
            "Error: $dialer.setNoInputTimeout: expected milliseconds, got soon",
        ),
    ],
)
def test_bad_arguments_throw_in_the_script(engine: ScriptEngine, code: str, message: str) -> None:
    with pytest.raises(ScriptError) as thrown:
        run(engine, code)
    assert thrown.value.message == message
    assert (thrown.value.file, thrown.value.line) == ("main.sc", 1)


def test_report_data_keeps_a_255_char_header_and_cuts_long_values(engine: ScriptEngine) -> None:
    result = run(engine, "$dialer.reportData('h'.repeat(255), 'v'.repeat(30005))")
    [(name, [header, value])] = result.dialer_calls
    assert (name, len(header), len(value)) == ("reportData", 255, 30000)
    assert result.logs == [
        f"$dialer.reportData: the value of '{header}' is cut to 30000 characters"
    ]


# --- redial ----------------------------------------------------------------------------------

START = NOW_MS + 3_600_000
VALID_TIME = {"default": [{"localTimeFrom": "09:00", "localTimeTo": "18:00"}]}

REASON_CASES: list[tuple[str, str]] = [
    ("", "no_params"),
    ("null", "no_params"),
    ("{}", "no_params"),
    ("[]", "no_params"),
    ("{maxAttempts: 2}", "no_start_or_time"),
    ("{startDateTime: null, maxAttempts: 2}", "no_start_or_time"),
    ("{startDateTime: 'tomorrow'}", "bad_date"),
    ("{startDateTime: new Date('nonsense')}", "bad_date"),
    (f"{{startDateTime: {START}, finishDateTime: true}}", "bad_date"),
    (
        f"{{startDateTime: new Date({START}), finishDateTime: new Date({START})}}",
        "start_not_before_finish",
    ),
    (f"{{startDateTime: {START}, allowedDays: ['mon', 'funday']}}", "bad_day"),
    (f"{{startDateTime: {START}, allowedDays: []}}", "bad_day"),
    (f"{{startDateTime: {START}, allowedDays: ['mon', 'MON']}}", "bad_day"),
    (f"{{startDateTime: {START}, allowedDays: 'mon'}}", "bad_day"),
    ("{localTimeFrom: '9:00', localTimeTo: '24:00'}", "bad_time"),
    ("{localTimeFrom: '09:00'}", "bad_time"),
    ("{allowedTime: {default: [{localTimeFrom: '9am', localTimeTo: '18:00'}]}}", "bad_time"),
    (f"{{startDateTime: {START}, retryIntervalInMinutes: 0}}", "bad_retry_interval"),
    (f"{{startDateTime: {START}, retryIntervalInMinutes: 2881}}", "bad_retry_interval"),
    (f"{{startDateTime: {START}, retryIntervalInMinutes: '5'}}", "bad_retry_interval"),
    (f"{{startDateTime: {START}, maxAttempts: 0}}", "bad_max_attempts"),
    (f"{{startDateTime: {START}, maxAttempts: 51}}", "bad_max_attempts"),
    (f"{{startDateTime: {START}, maxAttempts: 2.5}}", "bad_max_attempts"),
    (f"{{startDateTime: {START}, dialerPriority: 6}}", "bad_priority"),
    (f"{{startDateTime: {START}, dialerPriority: true}}", "bad_priority"),
    (
        "{allowedTime: {holiday: [{localTimeFrom: '09:00', localTimeTo: '18:00'}]}}",
        "bad_allowed_time_key",
    ),
    (
        "{allowedTime: {mon: [{localTimeFrom: '09:00', localTimeTo: '12:00'}],"
        " Mon: [{localTimeFrom: '13:00', localTimeTo: '18:00'}]}}",
        "bad_allowed_time_key",
    ),
    (
        "{allowedTime: {default: {localTimeFrom: '09:00', localTimeTo: '18:00'}}}",
        "bad_allowed_time_value",
    ),
    ("{allowedTime: {default: []}}", "bad_allowed_time_value"),
    ("{allowedTime: {default: [{localTimeFrom: '09:00'}]}}", "bad_allowed_time_value"),
    ("{allowedTime: [1]}", "bad_allowed_time_value"),
]


@pytest.mark.parametrize(("params", "reason"), REASON_CASES)
def test_each_redial_reason_is_thrown_verbatim(
    engine: ScriptEngine, params: str, reason: str
) -> None:
    with pytest.raises(ScriptError) as thrown:
        run(engine, f"\n$dialer.redial({params});")
    assert thrown.value.message == f"Error: $dialer.redial params error. {REDIAL_REASONS[reason]}"
    assert thrown.value.line == 2  # the script's line, not the prelude's


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        (
            "{allowedTime: {default: [{localTimeFrom: '09:00', localTimeTo: '09:00'}]}}",
            "localTimeFrom must differ from localTimeTo, got 09:00 for both",
        ),
        (
            "{allowedTime: {mon: [{localTimeFrom: '09:00', localTimeTo: '12:00'},"
            " {localTimeFrom: '11:00', localTimeTo: '13:00'}]}}",
            "windows of mon must not overlap, got 09:00-12:00 and 11:00-13:00",
        ),
        (
            "{allowedTime: {sun: [{localTimeFrom: '22:00', localTimeTo: '03:00'}],"
            " default: [{localTimeFrom: '02:00', localTimeTo: '05:00'}]}}",
            "the cross-midnight window 22:00-03:00 of sun overlaps 02:00-05:00 of default"
            " on the next day (sun night)",
        ),
    ],
)
def test_unusable_windows_give_the_policy_parsers_reason(
    engine: ScriptEngine, params: str, reason: str
) -> None:
    with pytest.raises(ScriptError) as thrown:
        run(engine, f"$dialer.redial({params})")
    assert thrown.value.message == f"Error: $dialer.redial params error. {reason}"


def test_a_failed_redial_is_not_recorded_and_a_caught_one_lets_the_script_go_on(
    engine: ScriptEngine,
) -> None:
    result = run(
        engine,
        "try { $dialer.redial({maxAttempts: 3}); } catch (e) { $session.e = e.message; }\n"
        "$dialer.redial({allowedTime:"
        " {default: [{localTimeFrom: '9:00', localTimeTo: '18:00'}]}});",
    )
    assert result.session == {
        "e": f"$dialer.redial params error. {REDIAL_REASONS['no_start_or_time']}"
    }
    assert result.dialer_calls == [
        (
            "redial",
            [{"allowedTime": {"default": [{"localTimeFrom": "9:00", "localTimeTo": "18:00"}]}}],
        )
    ]


def _js_redial(engine: ScriptEngine, params: Any) -> tuple[str, Any]:
    """("ok", recorded params) or ("error", the thrown reason)."""
    try:
        result = run(engine, f"$dialer.redial({json.dumps(params)})")
    except ScriptError as error:
        prefix = "Error: " + RedialError.PREFIX
        assert error.message.startswith(prefix), error.message
        return "error", error.message[len(prefix) :]
    [(name, [recorded])] = result.dialer_calls
    assert name == "redial"
    return "ok", recorded


def _py_redial(params: Any) -> tuple[str, Any]:
    try:
        parse_redial(params)
    except RedialError as error:
        return "error", error.reason
    return "ok", None


# Valid values are as likely as broken ones, so that both outcomes come up often.
GOOD_TIME = st.sampled_from(["09:00", "9:00", "18:00", "23:59", "00:00", "22:00", "02:00", "12:30"])
TIME = GOOD_TIME | st.sampled_from(["24:00", "9:5", 9, None])
INTERVAL = st.fixed_dictionaries({"localTimeFrom": GOOD_TIME, "localTimeTo": GOOD_TIME}) | (
    st.fixed_dictionaries({}, optional={"localTimeFrom": TIME, "localTimeTo": TIME})
)
ALLOWED_TIME = st.dictionaries(
    st.sampled_from(["default", "mon", "sun", "Mon", "tue", "holiday"]),
    st.lists(INTERVAL, min_size=1, max_size=2)
    | st.lists(INTERVAL, max_size=2)
    | INTERVAL
    | st.just("09:00"),
    max_size=3,
) | st.just([])
INSTANT = (
    st.integers(NOW_MS - 3_600_000, NOW_MS + 7 * 86_400_000)
    | st.integers(NOW_MS - 3_600_000, NOW_MS + 7 * 86_400_000)
    | st.sampled_from(
        ["2024-02-01T11:00:00Z", "2024-02-02", "2024-02-01T12:00:00+03:00", "later", True]
    )
)
NUMBER = (
    st.integers(1, 5) | st.integers(-1, 60) | st.sampled_from([2880, 2881, 2.5, 3.0, "5", True])
)
DAY = st.sampled_from(["mon", "tue", "SAT", "sun"])
REDIAL_PARAMS = st.fixed_dictionaries(
    {},
    optional={
        "startDateTime": INSTANT | st.none(),
        "finishDateTime": INSTANT,
        "allowedDays": st.lists(DAY, min_size=1, max_size=3, unique=True)
        | st.lists(DAY | st.sampled_from(["xyz", 1]), max_size=4)
        | st.just("mon"),
        "allowedTime": ALLOWED_TIME,
        "localTimeFrom": TIME,
        "localTimeTo": TIME,
        "retryIntervalInMinutes": NUMBER,
        "maxAttempts": NUMBER,
        "dialerPriority": NUMBER,
        "comment": st.just("not a policy field"),
    },
)


@settings(max_examples=200)
@given(params=REDIAL_PARAMS)
def test_js_redial_validation_agrees_with_the_domain(
    engine: ScriptEngine, params: dict[str, Any]
) -> None:
    js = _js_redial(engine, params)
    assert js[0] == _py_redial(params)[0], (params, js)
    if js[0] == "error":
        assert js == _py_redial(params)
    else:
        assert _py_redial(js[1]) == ("ok", None)  # what reaches Python parses too


def test_the_seed_redial_plans_a_series_an_hour_later(engine: ScriptEngine) -> None:
    result = run(
        engine,
        "var now = new Date();\n"
        "$dialer.redial({startDateTime: new Date(now.getTime() + 60 * 60000),"
        " finishDateTime: new Date(now.getTime() + 75 * 60000), maxAttempts: 2,"
        " retryIntervalInMinutes: 5});",
    )
    requests = DialerRequests()
    requests.apply(result.dialer_calls)
    assert requests.redial is not None
    fields = parse_redial(requests.redial)
    assert fields.start_datetime == NOW + timedelta(minutes=60)
    assert fields.finish_datetime == NOW + timedelta(minutes=75)
    assert (fields.max_attempts, fields.retry_interval_minutes) == (2, 5)


# --- DialerRequests --------------------------------------------------------------------------


def test_requests_fold_a_conversation() -> None:
    requests = DialerRequests()
    requests.apply(
        [
            ("setCallResult", ["first"]),
            ("reportData", ["B", "b1"]),
            ("reportData", ["A", "a1", 1]),
            ("addCallTag", ["hot"]),
            ("redial", [{"startDateTime": START}]),
            ("setNoInputTimeout", [8000]),
            ("bargeInResponse", [{"bargeIn": "forced"}]),
        ]
    )
    assert requests.no_input_timeout_ms == 8000
    requests.apply(
        [
            ("setCallResultAccepted", [{"sum": 10}]),
            ("reportData", ["C", "c1", 0]),
            ("reportData", ["B", "b2"]),
            ("addCallTag", ["vip", {"level": 1}, "red"]),
            ("redial", [{"startDateTime": START + 1}]),
            ("redial", [{"startDateTime": START + 2}]),
            ("hangUp", ["Bye"]),
        ]
    )
    assert requests.call_result == "ACCEPTED"
    assert requests.call_result_payload == {"sum": 10}
    assert list(requests.report_data.items()) == [("C", "c1"), ("A", "a1"), ("B", "b2")]
    assert requests.tags == [
        {"tag": "hot", "payload": None, "color": None},
        {"tag": "vip", "payload": {"level": 1}, "color": "red"},
    ]
    assert requests.redial == {"startDateTime": START}
    assert requests.ignored_redials == 2
    assert requests.hang_up == "Bye"
    assert requests.no_input_timeout_ms is None  # only for the state that set it
    assert requests.telephony == [("bargeInResponse", [{"bargeIn": "forced"}])]


def test_hang_up_without_text_and_the_rejected_result() -> None:
    requests = DialerRequests()
    assert requests.hang_up is False
    requests.apply([("hangUp", []), ("setCallResultRejected", [])])
    assert requests.hang_up is True
    assert (requests.call_result, requests.call_result_payload) == ("REJECTED", None)


def test_dialer_data_describes_the_call() -> None:
    call = CallContext(
        phone="79001234567",
        payload={"name": "Ann"},
        campaign_id=1,
        campaign_token="tok",
        campaign_settings={"allowedDays": ["mon"], "allowedTime": VALID_TIME, "timezone": "UTC"},
        call_job_id=5,
        redial_number=None,
        attempt_number=1,
        zone=parse_gmt_zone("America/New_York"),
        started_at=NOW,
        client={},
        history=DialHistory(1, 2, 3, 4),
        sip_headers={"X-A": "1"},
    )
    data = dialer_data(call, NOW)
    assert data["timezone"] == "-05:00"
    assert dialer_data(call, datetime(2024, 7, 1, tzinfo=UTC))["timezone"] == "-04:00"
    engine = ScriptEngine()
    result = run(
        engine,
        "$session.v = [$dialer.getCaller(), $dialer.getPayload().name, $dialer.getCampaignToken(),"
        " $dialer.getDialHistory().availableAttemptsToPhone, $dialer.getDialSchedule().allowedDays,"
        " $dialer.getSipHeaders()['X-A'], $dialer.getAbonentTimezone()]",
        dialer=data,
    )
    assert result.session["v"] == ["79001234567", "Ann", "tok", 4, ["mon"], "1", "-05:00"]
    engine.close()
