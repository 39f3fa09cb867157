"""Script safety: no way out of the sandbox, time and memory limits, and recovery after them."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime

import pytest

from ringback.bot.js import RequestData, ScriptEngine, ScriptError

NOW = datetime(2024, 2, 1, 10, 0, tzinfo=UTC)
INIT = "function double(x) { return 2 * x; }\nbind('preMatch', function(c) { c.temp.hooked = 1; });"


# A time limit that the work around an endless loop (the other evaluations of its request, the
# read-back, the next request) fits in even on a loaded machine; the loop itself spends it all.
LIMIT_MS = 400


def fresh_engine(**limits: int) -> ScriptEngine:
    js = ScriptEngine(**limits)
    js.load(INIT, file="init.sc", line=1)
    return js


def assert_next_request_works(js: ScriptEngine) -> None:
    """A clean request after a failure: fresh state, loaded code and hooks still there."""
    js.begin_request(RequestData(now=NOW, session={"n": 1}, global_={"kept": True}))
    js.run_hooks("preMatch")
    js.exec(
        "$session.n = double($session.n); $session.leak = typeof big; $session.g = $global.kept",
        file="main.sc",
        line=1,
    )
    result = js.end_request()
    assert result.session == {"n": 2, "leak": "undefined", "g": True}
    assert result.temp == {"hooked": 1}
    assert result.dialer_calls == [] and result.answers == []


def test_an_endless_loop_is_stopped_by_the_time_limit() -> None:
    js = fresh_engine(timeout_ms=LIMIT_MS)
    js.begin_request(RequestData(now=NOW))
    js.exec("$reactions.answer('before')", file="main.sc", line=1)
    with pytest.raises(ScriptError) as thrown:
        js.exec("while (true) {}", file="main.sc", line=7)
    assert str(thrown.value) == f"main.sc:7: script time limit of {LIMIT_MS} ms exceeded"
    # the budget is per request: it is spent, so the rest of this request fails at once
    with pytest.raises(ScriptError, match="time limit"):
        js.exec("1", file="main.sc", line=8)
    assert js.end_request().answers == ["before"]
    assert_next_request_works(js)
    js.close()


def test_a_huge_allocation_is_stopped_by_the_memory_limit() -> None:
    js = fresh_engine(memory_mb=48, timeout_ms=5000)
    js.begin_request(RequestData(now=NOW, session={"a": 1}, global_={"kept": True}))
    with pytest.raises(ScriptError) as thrown:
        js.exec(
            "big = []; while (true) { big.push(new Array(100000).fill(1.5)); }",
            file="main.sc",
            line=3,
        )
    assert str(thrown.value) == "main.sc:3: script memory limit of 48 MB exceeded"
    failed = js.end_request()
    assert failed.session == {"a": 1}  # the input state: the isolate's state is gone
    assert_next_request_works(js)  # a new isolate, init code replayed, $global restored
    js.close()


def test_a_huge_typed_array_is_refused() -> None:
    js = fresh_engine()
    js.begin_request(RequestData(now=NOW))
    for code in ("new Uint8Array(1e9)", "new ArrayBuffer(2e9)", "new Float64Array(5e8)"):
        with pytest.raises(ScriptError, match=r"RangeError: .* exceeds the script memory limit"):
            js.exec(code, file="main.sc", line=1)
    js.exec("$session.ok = new Uint8Array(16).length", file="main.sc", line=1)
    assert js.end_request().session == {"ok": 16}
    js.close()


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("require('fs')", "ReferenceError: require is not defined"),
        ("process.exit(1)", "ReferenceError: process is not defined"),
        ("java.lang.System.exit(0)", "ReferenceError: java is not defined"),
        ("Packages.java.io.File('x')", "ReferenceError: Packages is not defined"),
        ("load('/etc/passwd')", "ReferenceError: load is not defined"),
        ("fetch('http://example.org')", "ReferenceError: fetch is not defined"),
        ("new XMLHttpRequest()", "ReferenceError: XMLHttpRequest is not defined"),
        ("setTimeout(function () {}, 1)", "TypeError: setTimeout is not a function"),
        ("new WebAssembly.Memory({initial: 1})", "ReferenceError: WebAssembly is not defined"),
        ("Temporal.Now.instant()", "ReferenceError: Temporal is not defined"),
        ("new SharedArrayBuffer(8)", "ReferenceError: SharedArrayBuffer is not defined"),
    ],
)
def test_no_file_network_or_process_access(code: str, error: str) -> None:
    js = fresh_engine()
    js.begin_request(RequestData(now=NOW))
    with pytest.raises(ScriptError) as thrown:
        js.exec(code, file="main.sc", line=4)
    assert thrown.value.message == error
    assert thrown.value.line == 4
    js.end_request()
    assert_next_request_works(js)
    js.close()


def test_dynamic_import_has_no_loader() -> None:
    js = fresh_engine()
    js.begin_request(RequestData(now=NOW))
    js.exec(
        "import('fs').then(function () { $session.r = 'loaded' },"
        " function (e) { $session.r = String(e) })",
        file="main.sc",
        line=1,
    )
    js.exec("void 0", file="main.sc", line=2)  # lets the promise settle
    assert js.end_request().session == {"r": "Error: Not supported"}
    js.close()


def test_the_script_objects_cannot_be_replaced() -> None:
    js = fresh_engine()
    js.begin_request(RequestData(now=NOW, dialer={"channel": "phone", "caller": "79001234567"}))
    js.exec(
        "$dialer = null; $dialer.getCaller = function () { return 'x' }; __ringback = 1;"
        "$session.c = $dialer.getCaller()",
        file="main.sc",
        line=1,
    )
    assert js.end_request().session == {"c": "79001234567"}
    js.close()


def test_a_state_that_cannot_be_read_back_fails_only_that_request() -> None:
    js = fresh_engine()
    js.begin_request(RequestData(now=NOW, session={"a": 1}))
    js.exec("$session.x = {toJSON: function () { throw new Error('no') }}", file="m.sc", line=1)
    result = js.end_request()
    assert result.session == {"a": 1}
    assert result.logs == ["script state could not be read back"]
    assert_next_request_works(js)
    js.close()


def test_the_engine_works_inside_a_running_event_loop() -> None:
    async def main() -> object:
        js = fresh_engine(timeout_ms=LIMIT_MS)
        js.begin_request(RequestData(now=NOW))
        with pytest.raises(ScriptError, match="time limit"):
            js.exec("for (;;) {}", file="main.sc", line=1)
        js.end_request()
        js.begin_request(RequestData(now=NOW))
        value = js.eval("double(21)", file="main.sc", line=1)
        js.end_request()
        js.close()
        return value

    assert asyncio.run(main()) == 42


def test_the_engine_works_from_another_thread_after_a_timeout() -> None:
    """Evaluations run from the calling thread (not mini-racer's loop): any thread will do,
    one at a time, and a cancelled task's late result never answers a later evaluation."""
    js = fresh_engine(timeout_ms=LIMIT_MS)
    js.begin_request(RequestData(now=NOW))
    with pytest.raises(ScriptError, match="time limit"):
        js.exec("for (;;) {}", file="main.sc", line=1)
    js.end_request()
    done: list[object] = []
    worker = threading.Thread(target=lambda: done.append(assert_next_request_works(js)))
    worker.start()
    worker.join()
    assert done == [None]
    assert_next_request_works(js)
    js.close()
