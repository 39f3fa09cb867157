"""The script engine: request state, virtual time, reactions, hooks, $http mocks, templates."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from py_mini_racer import JSTimeoutException

from ringback.bot.js import RequestData, RequestResult, ScriptEngine, ScriptError

NOW = datetime(2024, 2, 1, 10, 0, tzinfo=UTC)
NOW_MS = int(NOW.timestamp() * 1000)

SEED_SCRIPT = """\
var now = new Date();
$dialer.redial({
    startDateTime: new Date(now.getTime() + 60 * 60000), // Another call in an hour
    finishDateTime: new Date(now.getTime() + 75 * 60000), // Throughout 15 minutes
    maxAttempts: 2, // 2 call attempts in total
    retryIntervalInMinutes: 5 // 5-minute pause between attempts
});
"""


@pytest.fixture(scope="module")
def engine() -> Iterator[ScriptEngine]:
    js = ScriptEngine(timeout_ms=1000)
    yield js
    js.close()


def run(engine: ScriptEngine, code: str, **data: Any) -> RequestResult:
    """One request running ``code`` as a script block of main.sc starting on line 1."""
    engine.begin_request(RequestData(now=data.pop("now", NOW), **data))
    try:
        engine.exec(code, file="main.sc", line=1)
    finally:
        result = engine.end_request()
    return result


def test_the_seed_script_records_a_redial_an_hour_after_the_fixed_now(engine: ScriptEngine) -> None:
    result = run(engine, SEED_SCRIPT, dialer={"channel": "phone"})
    assert result.dialer_calls == [
        (
            "redial",
            [
                {
                    "startDateTime": NOW_MS + 60 * 60_000,
                    "finishDateTime": NOW_MS + 75 * 60_000,
                    "maxAttempts": 2,
                    "retryIntervalInMinutes": 5,
                }
            ],
        )
    ]


def test_new_date_and_date_now_read_the_injected_now(engine: ScriptEngine) -> None:
    later = NOW + timedelta(days=3, minutes=7)
    engine.begin_request(RequestData(now=later))
    values = engine.eval(
        "[new Date().getTime(), Date.now(), new Date() instanceof Date, "
        "new Date(0).getTime(), Date.UTC(2024, 0, 2), Date.parse('2024-01-02T00:00:00Z'), "
        "new Date(2024, 0, 1, 10, 30).toISOString(), typeof Date(), "
        "new Date().constructor === Date, Object.prototype.toString.call(new Date())]",
        file="main.sc",
        line=1,
    )
    engine.end_request()
    later_ms = int(later.timestamp() * 1000)
    assert values == [
        later_ms,
        later_ms,
        True,
        0,
        1704153600000,
        1704153600000,
        "2024-01-01T10:30:00.000Z",  # local components are UTC
        "string",
        True,
        "[object Date]",
    ]


def test_v8_runs_in_utc_whatever_the_process_zone_and_the_process_keeps_it() -> None:
    code = (
        "import os, time\n"
        "from datetime import datetime, UTC\n"
        "from ringback.bot.js import ScriptEngine, RequestData\n"
        "e = ScriptEngine()\n"
        "e.begin_request(RequestData(now=datetime(2024, 7, 1, tzinfo=UTC)))\n"
        "print(e.eval('[new Date(2024, 6, 1, 10).getHours(), new Date(0).getTimezoneOffset(),"
        " new Date().toString()]', file='x', line=1))\n"
        "print(os.environ['TZ'], time.localtime(0).tm_hour)\n"
    )
    env = {**os.environ, "TZ": "America/New_York"}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert out[0] == "[10, 0, 'Mon Jul 01 2024 00:00:00 GMT+0000 (Coordinated Universal Time)']"
    assert out[1] == "America/New_York 19"  # the Python side still runs in the user's zone


def test_session_changes_come_back_and_persist_only_when_passed_back(
    engine: ScriptEngine,
) -> None:
    session = {"count": 1}
    first = run(engine, "$session.count += 1; $temp.seen = true;", session=session)
    assert first.session == {"count": 2}
    assert first.temp == {"seen": True}
    assert session == {"count": 1}  # the caller's dict is a copy, not shared
    again = run(engine, "$session.count += 1", session=session)
    assert again.session == {"count": 2}
    passed_back = run(engine, "$session.count += 1; $session.t = $temp.seen", session=first.session)
    assert passed_back.session == {"count": 3}  # $temp is per request: t is undefined


def test_client_touched_says_whether_client_changed(engine: ScriptEngine) -> None:
    assert not run(engine, "var n = $client.name", client={"name": "Ann"}).client_touched
    changed = run(engine, "$client.name = 'Bob'", client={"name": "Ann"})
    assert changed.client_touched
    assert changed.client == {"name": "Bob"}


def test_script_block_declarations_end_with_the_block(engine: ScriptEngine) -> None:
    run(engine, "var local = 1; function helper() { return 2 }")
    leaked = run(engine, "$session.seen = [typeof local, typeof helper]")
    assert leaked.session == {"seen": ["undefined", "undefined"]}


def test_init_code_globals_hooks_and_global_object_persist() -> None:
    js = ScriptEngine()
    js.load(
        "function greet(name) { return 'Hi ' + name; }\n$global.loaded = true;",
        file="init.sc",
        line=3,
    )
    first = run(js, "$global.n = ($global.n || 0) + 1; $session.g = greet('Ann')")
    assert first.session == {"g": "Hi Ann"}
    assert first.global_ == {"loaded": True, "n": 1}
    second = run(js, "$global.n += 1")
    assert second.global_ == {"loaded": True, "n": 2}
    js.close()


def test_eval_returns_json_values(engine: ScriptEngine) -> None:
    engine.begin_request(RequestData(now=NOW, session={"age": 30, "name": "Ann"}))

    def ev(expr: str) -> Any:
        return engine.eval(expr, file="main.sc", line=4)

    assert ev("$session.age > 18") is True
    assert ev("$session.age > 18 && $session.name === 'Bob'") is False
    assert ev("$session.missing") is None
    assert ev("{a: [1, 'x', null]}") == {"a": [1, "x", None]}
    assert ev("$session.name.length") == 3
    engine.end_request()


def test_render_fills_templates(engine: ScriptEngine) -> None:
    engine.begin_request(RequestData(now=NOW, client={"name": "Ann"}, session={"n": 2}))

    def render(text: str) -> str:
        return engine.render(text, file="main.sc", line=7)

    assert render("Hi {{ $client.name }}!") == "Hi Ann!"
    assert render("{{$session.n * 10}} minutes, {{ $session.none }}.") == "20 minutes, ."
    assert render("no templates here") == "no templates here"
    assert render("{{ ['a', 'b'] }} {{ $session.n > 1 ? 'many' : 'one' }}") == "a,b many"
    assert render('quote " and \\ kept {{ "x" }}') == 'quote " and \\ kept x'
    assert render("empty {{}}") == "empty {{}}"  # as in an a: text
    engine.end_request()


def test_reactions_collect_answers_transition_buttons_and_the_rest(engine: ScriptEngine) -> None:
    result = run(
        engine,
        """
        $reactions.answer("one");
        $reactions.answer({value: "two", tts: "two!"});
        $reactions.transition("/First");
        $reactions.transition({value: "/Second"});
        $reactions.buttons("Yes", {text: "No", transition: "/No"});
        $reactions.inlineButtons([{text: "Site", url: "https://example.org"}]);
        $reactions.image("https://example.org/a.png");
        $reactions.audio({audioUrl: "https://example.org/a.wav"});
        $reactions.timeout({interval: 5, targetState: "/Silence"});
        $jsapi.stopSession();
        """,
    )
    assert result.answers == ["one", "two"]
    assert result.transition == "/Second"
    assert result.buttons == [
        {"text": "Yes"},
        {"text": "No", "transition": "/No"},
        {"text": "Site", "url": "https://example.org"},
    ]
    assert result.other_reactions == [
        {"type": "image", "imageUrl": "https://example.org/a.png"},
        {"type": "audio", "audioUrl": "https://example.org/a.wav"},
        {"type": "timeout", "interval": 5, "targetState": "/Silence"},
        {"type": "stopSession"},
    ]
    assert result.response["replies"][1] == {"type": "text", "text": "two", "tts": "two!"}


def test_runtime_replies_and_script_replies_keep_their_order_and_hooks_see_them() -> None:
    js = ScriptEngine()
    js.load(
        'bind("postProcess", function($context) {\n'
        "  $context.response.replies.push({type: 'text', text: 'bye ' + $context.currentState});\n"
        "});",
        file="init.sc",
        line=1,
    )
    assert js.hooks() == {"postProcess"}
    js.begin_request(RequestData(now=NOW, context={"currentState": "/Hello"}))
    js.add_reply({"type": "text", "text": "from a:"})
    js.exec("$reactions.answer('from script')", file="main.sc", line=2)
    js.run_hooks("postProcess")
    assert js.end_request().answers == ["from a:", "from script", "bye /Hello"]
    js.close()


def test_hooks_run_in_order_and_respect_their_path() -> None:
    js = ScriptEngine()
    js.load(
        "bind('preMatch', function(ctx) { ctx.session.order.push('all'); });\n"
        "bind('preMatch', function(ctx) { ctx.session.order.push('order'); }, '/Order');\n"
        "bind('preMatch', function(ctx) { ctx.session.order.push('all2'); });",
        file="init.sc",
        line=1,
    )

    def order(state: str) -> list[str]:
        js.begin_request(
            RequestData(now=NOW, session={"order": []}, context={"currentState": state})
        )
        js.run_hooks("preMatch")
        js.run_hooks("postProcess")  # nothing bound: nothing runs
        return list(js.end_request().session["order"])

    assert order("/Order/Confirm") == ["all", "order", "all2"]
    assert order("/Order") == ["all", "order", "all2"]
    assert order("/OrderX") == ["all", "all2"]
    js.close()


def test_context_and_the_read_only_objects(engine: ScriptEngine) -> None:
    result = run(
        engine,
        """
        $session.out = {
            state: $context.currentState,
            same: $context.session === $session && $jsapi.context() === $context,
            query: $request.query,
            channel: $request.channelType,
            tree: $parseTree._Number,
            injected: $injector.apiUrl,
            ctxTree: $context.parseTree._Number,
        };
        """,
        context={"currentState": "/Ask", "contextPath": "/Ask"},
        request={"query": "two tickets", "channelType": "phone", "rawRequest": {}},
        parse_tree={"_Number": 2, "text": "two tickets"},
        injector={"apiUrl": "https://api.example.org"},
    )
    assert result.session["out"] == {
        "state": "/Ask",
        "same": True,
        "query": "two tickets",
        "channel": "phone",
        "tree": 2,
        "injected": "https://api.example.org",
        "ctxTree": 2,
    }


def test_log_and_console_log_are_collected(engine: ScriptEngine) -> None:
    result = run(engine, "log('a', 1, {b: 2}); console.log('c'); $jsapi.log('d')")
    assert result.logs == ['a 1 {"b":2}', "c", "d"]


def test_http_answers_from_mocks_only(engine: ScriptEngine) -> None:
    mocks = [
        {
            "method": "GET",
            "url": "https://api.example.org/users/${id}",
            "status": 200,
            "type": "json",
            "response": '{"name": "Ann"}',
        },
        {
            "method": "POST",
            "url": "https://api.example.org/orders",
            "body": {"item": "ticket"},
            "status": 500,
            "type": "text",
            "response": "down",
        },
    ]
    result = run(
        engine,
        """
        var user = $http.get("https://api.example.org/users/${id}", {query: {id: 7}});
        var order = $http.post("https://api.example.org/orders", {body: {item: "ticket"}});
        var other = $http.query("https://api.example.org/users/${id}", {query: {id: 8}});
        var again = $http.get("https://api.example.org/users/8");
        $session.http = [user.isOk, user.status, user.data.name, order.isOk, order.status,
                         order.data, other.isOk, other.status, other.error];
        """,
        http_mocks=mocks,
    )
    # a mock with ${id} and no parameters is filled from the script's query: id 7 and id 8 match
    assert result.session["http"] == [True, 200, "Ann", False, 500, "down", True, 200, None]

    unmocked = run(
        engine,
        "var r = $http.get('https://live.example.org/x'); $http.get('https://live.example.org/x');"
        "$session.r = [r.isOk, r.status, r.error]",
    )
    assert unmocked.session["r"] == [
        False,
        0,
        "$http: live HTTP is not available offline (GET https://live.example.org/x)",
    ]
    assert unmocked.logs == [
        "$http: GET https://live.example.org/x has no mock; live HTTP is not available offline"
    ]


def test_http_mock_parameters_fill_the_mock_url(engine: ScriptEngine) -> None:
    mock = {
        "url": "https://x.org/${city}/weather",
        "parameters": {"city": "Paris"},
        "response": {"t": 20},
    }
    result = run(
        engine,
        "$session.t = [$http.get('https://x.org/Paris/weather').data.t,"
        " $http.get('https://x.org/Rome/weather').isOk]",
        http_mocks=[mock],
    )
    assert result.session["t"] == [20, False]


def test_moment_and_date_for_zone(engine: ScriptEngine) -> None:
    result = run(
        engine,
        """
        $session.m = [
            moment().format("YYYY-MM-DD HH:mm"),
            moment().add(1, "hours").add(30, "m").format("HH:mm"),
            moment(new Date()).add(1, "months").format("DD.MM.YYYY dddd"),
            moment().subtract(1, "day").toDate().getTime(),
            moment("2024-01-31 08:05", "YYYY-MM-DD HH:mm").add(1, "month").format(),
            moment().utcOffset(3).format("HH:mm Z"),
            moment().tz("Asia/Tokyo").format("HH:mm"),
            moment().diff(moment().subtract(2, "hours"), "minutes"),
            moment().startOf("day").format("HH:mm:ss"),
            $jsapi.dateForZone("Europe/Moscow", "yyyy-MM-dd HH:mm"),
            $jsapi.dateForZone("+05:30", "dd.MM.yy 'at' H:mm"),
            moment().isBefore(moment().add(1, "s")),
        ];
        """,
    )
    assert result.session["m"] == [
        "2024-02-01 10:00",
        "11:30",
        "01.03.2024 Friday",
        NOW_MS - 86_400_000,
        "2024-02-29T08:05:00+00:00",
        "13:00 +03:00",
        "19:00",
        120,
        "00:00:00",
        "2024-02-01 13:00",
        "01.02.24 at 15:30",
        True,
    ]


def test_a_fixed_random_seed_repeats_the_choices(engine: ScriptEngine) -> None:
    code = (
        "$session.r = [Math.random(), $reactions.random(['a', 'b', 'c']), _.random(1, 6),"
        " _.sample([1, 2, 3])]"
    )
    first = run(engine, code, random_seed=42).session["r"]
    assert run(engine, code, random_seed=42).session["r"] == first
    assert run(engine, code, random_seed=43).session["r"] != first
    assert 0 <= first[0] < 1 and first[1] in "abc" and 1 <= first[2] <= 6


def test_lodash_helpers(engine: ScriptEngine) -> None:
    result = run(
        engine,
        "$session.l = [_.isEmpty({}), _.isEmpty([1]), _.get({a: {b: [5]}}, 'a.b[0]'),"
        " _.has({a: 1}, 'b'), _.includes([1, 2], 2), _.shuffle([1, 2, 3]).length]",
    )
    assert result.session["l"] == [True, False, 5, False, True, 3]


def test_caila_is_reported_as_unavailable(engine: ScriptEngine) -> None:
    result = run(engine, "$session.c = typeof $jsapi.cailaService")
    assert result.session == {"c": "undefined"}
    assert result.logs == ["$jsapi.cailaService: not available (ringback has no CAILA NLU service)"]


def test_errors_name_the_sc_file_and_line(engine: ScriptEngine) -> None:
    engine.begin_request(RequestData(now=NOW))
    with pytest.raises(ScriptError) as thrown:
        engine.exec("var a = 1;\n\nthrow new Error('boom');", file="src/main.sc", line=12)
    error = thrown.value
    assert (error.file, error.line, error.message) == ("src/main.sc", 14, "Error: boom")
    assert str(error) == "src/main.sc:14: Error: boom"
    with pytest.raises(ScriptError, match=r"^src/main.sc:21: SyntaxError: "):
        engine.exec("var x = ;", file="src/main.sc", line=21)
    with pytest.raises(ScriptError, match=r"^src/main.sc:30: TypeError: "):
        engine.eval("$session.a.b.c", file="src/main.sc", line=30)
    with pytest.raises(ScriptError, match=r"^src/main.sc:40: ReferenceError: nope is not defined"):
        engine.render("x {{ nope }}", file="src/main.sc", line=40)
    engine.end_request()


def test_an_error_in_an_init_function_names_the_init_line_and_state_stays_readable() -> None:
    js = ScriptEngine()
    js.load("function check(x) {\n  if (!x) throw new Error('no x');\n}", file="init.sc", line=5)
    js.begin_request(RequestData(now=NOW, session={"a": 1}))
    js.exec("$session.before = true; $reactions.answer('said')", file="main.sc", line=1)
    with pytest.raises(ScriptError) as thrown:
        js.exec("check(0)", file="main.sc", line=9)
    assert (thrown.value.file, thrown.value.line) == ("init.sc", 6)
    result = js.end_request()
    assert result.session == {"a": 1, "before": True}
    assert result.answers == ["said"]
    js.close()


def test_a_syntax_error_in_the_first_script_still_starts_the_request(engine: ScriptEngine) -> None:
    engine.begin_request(RequestData(now=NOW, session={"kept": 1}))
    with pytest.raises(ScriptError):
        engine.exec("if (", file="main.sc", line=1)
    engine.exec("$session.after = Date.now()", file="main.sc", line=2)
    assert engine.end_request().session == {"kept": 1, "after": NOW_MS}


def test_load_errors_are_script_errors() -> None:
    js = ScriptEngine()
    with pytest.raises(ScriptError, match=r"^lib/helpers.js:3: ReferenceError"):
        js.load("var a = 1;\nvar b = 2;\nundefinedThing();", file="lib/helpers.js", line=1)
    js.close()


def test_results_are_json(engine: ScriptEngine) -> None:
    result = run(engine, "$session.d = new Date(); $reactions.answer(42)")
    assert result.session == {"d": "2024-02-01T10:00:00.000Z"}
    assert result.answers == ["42"]
    json.dumps(result.response)


def test_init_code_reads_the_injector_and_request_objects_exist_before_a_request() -> None:
    js = ScriptEngine(injector={"apiUrl": "https://api.example.org"})
    js.load(
        "var API = $injector.apiUrl + '/v1';\nvar before = [typeof $session, $response.replies];",
        file="init.sc",
        line=1,
    )
    with pytest.raises(ScriptError, match=r"\$http is only available while a request runs"):
        js.load("$http.get(API)", file="init.sc", line=3)
    result = run(js, "$session.v = [API, before]")
    assert result.session == {"v": ["https://api.example.org/v1", ["object", []]]}
    js.close()


def test_queued_blocks_answers_and_the_read_back_are_one_v8_call(
    engine: ScriptEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine.begin_request(RequestData(now=NOW, session={"n": 1}))
    engine.later("$reactions.answer('first');")
    engine.queue("$session.n += 1; $reactions.answer('n=' + $session.n);", file="m.sc", line=1)
    engine.later("$reactions.answer('last');")
    calls: list[str] = []
    racer = engine._racer

    def counted(code: str, timeout_sec: float | None = None) -> Any:
        calls.append(code)
        return type(racer).eval(racer, code, timeout_sec)

    monkeypatch.setattr(racer, "eval", counted)
    result = engine.end_request()
    assert len(calls) == 1
    assert result.answers == ["first", "n=2", "last"] and result.session == {"n": 2}


def test_a_block_is_compiled_once(engine: ScriptEngine) -> None:
    for n in range(3):
        engine.begin_request(RequestData(now=NOW, session={"n": n}))
        engine.queue("var x = $session.n; $session.n = x * 10;", file="once.sc", line=4)
        assert engine.end_request().session == {"n": n * 10}
    assert sum(1 for key in engine._blocks if key[1] == "once.sc") == 1


def test_a_failing_queued_block_stops_what_follows_and_names_its_line() -> None:
    js = ScriptEngine()
    js.begin_request(RequestData(now=NOW, session={}))
    js.queue("$session.a = 1;", file="main.sc", line=3)
    js.queue("$session.b = 1;\nnope();", file="main.sc", line=7)
    js.queue("$session.c = 1;", file="main.sc", line=12)
    with pytest.raises(ScriptError) as thrown:
        js.end_request()
    assert str(thrown.value) == "main.sc:8: ReferenceError: nope is not defined"
    assert js.end_request().session == {"a": 1, "b": 1}  # the request stayed open
    js.close()


def test_a_syntax_error_in_a_queued_block_comes_after_the_blocks_before_it() -> None:
    js = ScriptEngine()
    js.begin_request(RequestData(now=NOW, session={}))
    js.queue("$session.a = 1;", file="main.sc", line=3)
    with pytest.raises(ScriptError, match=r"^main.sc:5: SyntaxError"):
        js.queue("if (", file="main.sc", line=5)
    assert js.end_request().session == {"a": 1}
    # and a failure of a block before it is the one reported
    js.begin_request(RequestData(now=NOW, session={}))
    js.queue("nope();", file="main.sc", line=3)
    with pytest.raises(ScriptError, match=r"^main.sc:3: ReferenceError"):
        js.queue("if (", file="main.sc", line=5)
    assert js.end_request().session == {}
    js.close()


def test_the_time_limit_names_the_queued_block_that_ran_out() -> None:
    # The limit is roomy for the work around the loop (three compiles before it, the read-back
    # after it): each must fit in it even when the machine is loaded.
    js = ScriptEngine(timeout_ms=400)
    js.begin_request(RequestData(now=NOW, session={}))
    js.queue("$session.a = 1;", file="main.sc", line=3)
    js.queue("while (true) {}", file="main.sc", line=9)
    with pytest.raises(ScriptError) as thrown:
        js.eval("$session.a", file="main.sc", line=20)
    assert str(thrown.value) == "main.sc:9: script time limit of 400 ms exceeded"
    assert js.end_request().session == {"a": 1}
    js.close()


def test_a_slow_answer_to_which_step_failed_still_names_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On a loaded machine the question asked after a failed call can wait for the CPU; the
    failure is still named after the step that was running, not guessed (the first queued)."""
    js = ScriptEngine(timeout_ms=400)
    racer = js._racer
    real_eval = type(racer).eval

    def slow_query(code: str, timeout_sec: float | None = None) -> Any:
        if code == "__ringback.marked()":
            delay = 0.3  # the answer comes after this long
            if timeout_sec is not None and timeout_sec < delay:
                time.sleep(timeout_sec)
                raise JSTimeoutException
            time.sleep(delay)
        return real_eval(racer, code, timeout_sec)

    monkeypatch.setattr(racer, "eval", slow_query)
    js.begin_request(RequestData(now=NOW, session={}))
    js.queue("$session.a = 1;", file="main.sc", line=3)
    js.queue("$session.b = 1;\nwhile (true) {}", file="main.sc", line=9)
    with pytest.raises(ScriptError) as thrown:
        js.flush()
    assert str(thrown.value) == "main.sc:9: script time limit of 400 ms exceeded"
    assert js.end_request().session == {"a": 1, "b": 1}
    js.close()


def test_a_state_that_cannot_be_read_back_after_queued_blocks() -> None:
    js = ScriptEngine()
    js.begin_request(RequestData(now=NOW, session={"a": 1}))
    js.queue("$session.x = {toJSON: function () { throw new Error('no') }}", file="m.sc", line=1)
    result = js.end_request()
    assert result.session == {"a": 1}
    assert result.logs == ["script state could not be read back"]
    js.begin_request(RequestData(now=NOW, session={"b": 2}))
    assert js.end_request().session == {"b": 2}
    js.close()


def test_converters_are_called_with_their_argument(engine: ScriptEngine) -> None:
    engine.begin_request(RequestData(now=NOW))
    for n in (2, 5):
        value = engine.call("function (t) { return t.n * 2; }", {"n": n}, file="p.sc", line=1)
        assert value == n * 2
    engine.end_request()


def test_compiled_blocks_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Code made up at run time (not a bot's blocks) cannot grow the compiled set for ever."""
    monkeypatch.setattr("ringback.bot.js._MAX_BLOCKS", 3)
    js = ScriptEngine()
    js.begin_request(RequestData(now=NOW, session={"n": 0}))
    for n in range(7):
        js.queue(f"$session.n += {n};", file="gen.sc", line=1)
    assert js.end_request().session == {"n": sum(range(7))}
    assert len(js._blocks) <= 3
    js.close()


def test_a_call_stopped_before_the_request_began_does_not_read_back_the_previous_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A limit that hits as the request's first call starts (a loaded machine: V8 cancels it
    before it runs) leaves the request's state to the next call: reading back gives this
    request's input state, never the previous request's."""
    js = ScriptEngine()
    js.begin_request(RequestData(now=NOW, session={"who": "first"}))
    js.exec("$session.seen = 1;", file="main.sc", line=1)
    assert js.end_request().session == {"who": "first", "seen": 1}
    racer = js._racer
    real_eval = type(racer).eval
    stopped: list[str] = []

    def stopped_at_once(code: str, timeout_sec: float | None = None) -> Any:
        if "__ringback.begin(" in code and not stopped:
            stopped.append(code)
            raise JSTimeoutException  # cancelled before V8 ran any of it
        return real_eval(racer, code, timeout_sec)

    monkeypatch.setattr(racer, "eval", stopped_at_once)
    js.begin_request(RequestData(now=NOW, session={"who": "second"}))
    with pytest.raises(ScriptError) as thrown:
        js.exec("$session.seen = 2;", file="main.sc", line=4)
    assert str(thrown.value) == "main.sc:4: script time limit of 1000 ms exceeded"
    assert stopped and js.end_request().session == {"who": "second"}
    js.close()
