"""The bot's JavaScript: one sandboxed V8 isolate per bot (mini-racer).

A :class:`ScriptEngine` runs a bot's ``init:`` blocks and required ``.js`` files once
(:meth:`~ScriptEngine.load`), then, for every request, gets that request's state as JSON
(:meth:`~ScriptEngine.begin_request`), runs ``script:`` blocks, ``if:`` conditions and ``{{ }}``
templates against it, and hands everything the scripts did back as a :class:`RequestResult`
(:meth:`~ScriptEngine.end_request`). The JS side of ``$session``, ``$dialer`` & co. is
``prelude.js``.

Sandbox:

- the isolate has ECMAScript only: no ``require``, ``process``, ``load``, ``fetch``,
  ``XMLHttpRequest``, ``java``/``Packages`` (a Rhino-style ``java.lang.System`` is a
  ``ReferenceError``); ``import()`` has no module loader and rejects;
- a request has a CPU budget (``timeout_ms``, wall time of its evaluations, shared by all of
  them) and the isolate a hard heap limit (``memory_mb``); a script that exceeds either fails
  with a :class:`ScriptError`. After a memory-limit hit the isolate is thrown away: the next
  request runs in a new one, into which the loaded sources are replayed and ``$global`` restored;
- time is the engine's: ``new Date()`` and ``Date.now()`` return :attr:`RequestData.now`, and
  V8 runs in UTC whatever the process's ``TZ``, so ``new Date(2024, 0, 1, 10)`` is 10:00 UTC.

Worked example (line numbers): a ``script:`` block whose code starts on line 12 of ``main.sc``
is run with ``exec(code, file="main.sc", line=12)``; ``throw new Error("x")`` on its third line
raises ``ScriptError("main.sc", 14, "Error: x")``, whose ``str()`` is ``main.sc:14: Error: x``.
An error thrown inside a function that an ``init:`` block defined names that block's line.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from importlib.resources import files
from typing import Any

from py_mini_racer import (
    JSEvalException,
    JSOOMException,
    JSParseException,
    JSTimeoutException,
    MiniRacer,
)
from py_mini_racer._exc import JSTerminatedException

__all__ = ["RequestData", "RequestResult", "ScriptEngine", "ScriptError"]

log = logging.getLogger(__name__)

PRELUDE_FILE = "ringback-prelude.js"
_PRELUDE = files("ringback.bot").joinpath("prelude.js").read_text(encoding="utf-8")

# "file:12: Error: boom" (the first line of mini-racer's message) and "at f (file:12:8)"
_HEADER = re.compile(r"^(?P<file>.*?):(?P<line>\d+): (?P<message>.*)$")
_FRAME = re.compile(r"^\s+at (?:.*? \()?(?P<file>[^()]*?):(?P<line>\d+):\d+\)?$")
_TEMPLATE = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)

_first_isolate = threading.Lock()
_UNCANCELABLE = 0  # mini-racer's callback id for tasks whose results go to the results queue
_utc_pinned = False


class ScriptError(Exception):
    """A script failed: a thrown error, a syntax error, the time or the memory limit.

    ``str()`` is ``"file:line: message"``, the log line of the failed request.
    """

    def __init__(self, file: str, line: int, message: str) -> None:
        super().__init__(f"{file}:{line}: {message}")
        self.file = file
        self.line = line
        self.message = message


@dataclass
class RequestData:
    """The JSON-able state going into one request; ``prelude.js`` turns it into the JS objects.

    ``dialer`` keys read by the ``$dialer`` getters: ``channel`` (``"phone"`` enables them),
    ``caller``, ``payload``, ``history`` ({completedAttempts, availableAttempts,
    completedAttemptsToPhone, availableAttemptsToPhone}), ``campaignSchedule`` and
    ``dialSchedule`` ({allowedDays, allowedTime}), ``timezone`` (``"+03:00"``), ``token``,
    ``sipHeaders``, ``incoming``, ``callNotConnectedReason`` (``BUSY`` | ``NO_ANSWER``),
    ``ttsConfig``, ``transferStatus``, ``bargeInIntentStatus``, ``bargeInInterrupted``,
    ``callRecordingFullUrl``, ``callRecordingPath``. :func:`ringback.bot.dialer_api.dialer_data`
    builds it from a call.

    ``http_mocks`` entries: ``{method, url, parameters?, body?, status, type, response}``;
    ``${name}`` in ``url`` is filled from ``parameters`` (or the request's ``query``).
    """

    now: datetime
    session: dict[str, Any] = field(default_factory=dict)
    client: dict[str, Any] = field(default_factory=dict)
    temp: dict[str, Any] = field(default_factory=dict)
    parse_tree: dict[str, Any] = field(default_factory=dict)
    request: dict[str, Any] = field(default_factory=dict)
    context: dict[str, Any] = field(default_factory=dict)
    injector: dict[str, Any] = field(default_factory=dict)
    dialer: dict[str, Any] = field(default_factory=dict)
    global_: dict[str, Any] = field(default_factory=dict)
    random_seed: int | None = None
    http_mocks: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class RequestResult:
    """What the scripts of one request did.

    ``answers`` are the texts of ``$response.replies`` (``$reactions.answer`` and
    :meth:`ScriptEngine.add_reply`), ``buttons`` the buttons of its button replies,
    ``other_reactions`` its other replies (image, audio, timeout …) and the recorded
    ``$jsapi.startSession``/``stopSession`` and ``$reactions.newSession`` calls.
    """

    session: dict[str, Any]
    client: dict[str, Any]
    temp: dict[str, Any]
    response: dict[str, Any]
    global_: dict[str, Any]
    answers: list[str]
    transition: str | None
    buttons: list[dict[str, Any]]
    other_reactions: list[dict[str, Any]]
    dialer_calls: list[tuple[str, list[Any]]]
    logs: list[str]
    client_touched: bool


def _new_isolate() -> MiniRacer:
    """A fresh isolate, V8 in UTC.

    V8 takes its zone from ``TZ`` when the process's first isolate is made (ICU caches it), so
    ``TZ`` is set to UTC only around that first creation and then put back: the rest of the
    process keeps its own zone (the test runs a subprocess with ``TZ=America/New_York``).
    """
    global _utc_pinned
    with _first_isolate:
        if _utc_pinned:
            return _isolate_off_loop()
        saved = os.environ.get("TZ")
        os.environ["TZ"] = "UTC"
        try:
            racer = _isolate_off_loop()
            racer.eval("new Date(0).getHours()")  # makes V8 read the zone now
        finally:
            if saved is None:
                del os.environ["TZ"]
            else:
                os.environ["TZ"] = saved
            time.tzset()  # libc may have cached UTC meanwhile: re-read the restored zone
        _utc_pinned = True
        return racer


def _isolate_off_loop() -> MiniRacer:
    """Make the isolate outside any running asyncio loop.

    mini-racer binds an isolate to the running loop if there is one, and then refuses timeouts;
    made from a plain thread it gets an event-loop thread of its own and synchronous calls work
    from anywhere.
    """
    made: list[MiniRacer | BaseException] = []

    def make() -> None:
        try:
            made.append(MiniRacer())
        except BaseException as error:  # handed to the caller's thread
            made.append(error)

    worker = threading.Thread(target=make, name="ringback-js-init")
    worker.start()
    worker.join()
    result = made[0]
    if isinstance(result, BaseException):
        raise result
    return result


class _Isolate:
    """A mini-racer isolate whose evaluations skip mini-racer's asyncio hop.

    ``MiniRacer.eval`` from a plain thread hands the code to mini-racer's event-loop thread,
    which starts the V8 task and is woken again by its result: three thread switches, about
    0.2 ms a call, most of a bot turn. Here the calling thread starts the task itself and
    waits on the queue that V8's callback fills for tasks started without a callback id (the
    queue mini-racer's own synchronous path uses, on the loop thread only; nothing else uses it
    for an isolate driven from here): one switch each way, about 0.06 ms. A timeout cancels the
    task (V8 terminates it) and waits for its result so that it cannot become the answer to
    the next evaluation.

    This reads mini-racer internals (``Context._dll``, ``_ctx``, the results queue), which is
    why ``mini-racer`` is pinned to one version; ``tests/bot/test_js.py`` covers the paths.
    """

    # a cancelled task reports back promptly; if V8 does not, the isolate is not trusted again
    _CANCEL_WAIT_S = 5.0

    def __init__(self) -> None:
        self._racer = _new_isolate()
        ctx = self._racer._ctx
        assert ctx is not None
        self._ctx = ctx
        self._results = ctx._non_cancelable_mr_task_results_queue
        self.lost = False  # a cancelled task never reported back: do not use this isolate

    def eval(self, code: str, timeout_sec: float | None = None) -> Any:
        """Evaluate ``code`` as mini-racer's ``eval`` does, with the same exceptions."""
        ctx = self._ctx
        handle = ctx._python_to_value_handle(code)
        task = ctx._dll.mr_eval(ctx._ctx, handle.raw, _UNCANCELABLE)
        try:
            result = self._results.get(timeout=timeout_sec)
        except queue.Empty:
            ctx._dll.mr_cancel_task(ctx._ctx, task)
            try:
                result = self._results.get(timeout=self._CANCEL_WAIT_S)
            except queue.Empty:
                self.lost = True
                raise JSTimeoutException from None
            try:
                return ctx._value_handle_to_python(result)  # it finished meanwhile
            except JSTerminatedException:
                raise JSTimeoutException from None
        return ctx._value_handle_to_python(result)

    def set_hard_memory_limit(self, limit: int) -> None:
        self._racer.set_hard_memory_limit(limit)

    def was_hard_memory_limit_reached(self) -> bool:
        return self._racer.was_hard_memory_limit_reached()

    def close(self) -> None:
        self._racer.close()


def _source(code: str, file: str, line: int) -> str:
    # Leading newlines make V8's own line numbers the .sc file's; sourceURL names the file.
    return "\n" * max(line - 1, 0) + code + f"\n//# sourceURL={file}\n"


def _json_literal(value: Any) -> str:
    # JSON is a JS expression; default=str keeps odd values (datetimes in payloads) readable.
    return json.dumps(value, ensure_ascii=False, default=str)


class ScriptEngine:
    """One bot's JavaScript: its loaded code, hooks and ``$global``, and one request at a time."""

    def __init__(
        self,
        *,
        timeout_ms: int = 1000,
        memory_mb: int = 128,
        injector: dict[str, Any] | None = None,
    ) -> None:
        """``injector``: chatbot.yaml's ``injector``, readable as ``$injector`` by ``init:`` code
        at load time (each request then gets ``RequestData.injector``)."""
        self.timeout_ms = timeout_ms
        self.memory_mb = memory_mb
        self._injector = injector or {}
        self._sources: list[tuple[str, str, int]] = []
        self._global: dict[str, Any] = {}  # $global as of the last finished request
        self._data: RequestData | None = None
        self._deadline = 0.0
        self._pending = ""  # the begin() of the current request, not yet sent
        self._broken = False  # the isolate hit its memory limit: rebuild before the next use
        self._racer = self._fresh_racer()

    # -- isolate -----------------------------------------------------------------------------

    def _fresh_racer(self) -> _Isolate:
        racer = _Isolate()
        racer.set_hard_memory_limit(self.memory_mb * 1024 * 1024)
        racer.eval(_source(_PRELUDE, PRELUDE_FILE, 1))
        racer.eval(
            f"__ringback.setRedialReasons({_json_literal(_redial_reasons())});"
            f"$injector = {_json_literal(self._injector)};"
        )
        return racer

    def _rebuild(self) -> None:
        """Replace a broken isolate; replay the loaded code, restore ``$global``."""
        self._racer.close()
        self._racer = self._fresh_racer()
        self._broken = False
        for code, file, line in self._sources:
            try:
                self._racer.eval(_source(code, file, line), timeout_sec=self.timeout_ms / 1000)
            except JSEvalException as error:  # it ran once; a failure now is worth a line only
                log.warning("replaying %s:%d failed: %s", file, line, error.args[0][:200])
        self._racer.eval(f"Object.assign($global, {_json_literal(self._global)})")

    def _run(self, js: str, *, file: str, line: int, budget: float | None = None) -> Any:
        """Evaluate ``js``; any failure becomes a :class:`ScriptError` at ``file:line``.

        A pending ``begin`` (see :meth:`begin_request`) goes first, on the same line so that
        line numbers stay right; if the whole text does not parse, it runs alone.
        """
        if self._broken:
            raise ScriptError(file, line, "the script engine was reset after a memory-limit hit")
        timeout = budget if budget is not None else self._deadline - time.monotonic()
        if timeout <= 0:
            raise ScriptError(file, line, f"script time limit of {self.timeout_ms} ms exceeded")
        pending, self._pending = self._pending, ""
        try:
            return self._racer.eval(pending + js, timeout_sec=timeout)
        except JSTimeoutException:
            self._broken = self._racer.lost
            raise ScriptError(
                file, line, f"script time limit of {self.timeout_ms} ms exceeded"
            ) from None
        except JSOOMException:
            self._broken = True
            raise ScriptError(
                file, line, f"script memory limit of {self.memory_mb} MB exceeded"
            ) from None
        except JSEvalException as error:
            if self._racer.was_hard_memory_limit_reached():
                self._broken = True
            elif pending and isinstance(error, JSParseException):
                self._racer.eval(pending, timeout_sec=self.timeout_ms / 1000)
            raise _script_error(str(error), file, line) from None

    # -- the contract --------------------------------------------------------------------------

    def load(self, code: str, *, file: str, line: int) -> None:
        """Run an ``init:`` block or a required ``.js`` file at global scope, once per bot.

        Its globals and ``bind`` hooks persist; the code is kept to be replayed if the isolate
        has to be rebuilt.
        """
        if self._broken:
            self._rebuild()
        self._run(_source(code, file, line), file=file, line=line, budget=self.timeout_ms / 1000)
        self._sources.append((code, file, line))

    def begin_request(self, data: RequestData) -> None:
        """Start a request: inject its state; the time budget starts now."""
        if self._broken:
            self._rebuild()
        self._data = data
        payload = {
            "now": round(data.now.timestamp() * 1000),
            "session": data.session,
            "client": data.client,
            "temp": data.temp,
            "parseTree": data.parse_tree,
            "request": data.request,
            "context": data.context,
            "injector": data.injector,
            "dialer": data.dialer,
            "global": data.global_,
            "randomSeed": data.random_seed,
            "httpMocks": data.http_mocks,
        }
        self._deadline = time.monotonic() + self.timeout_ms / 1000
        # Sent with the next evaluation rather than now: one V8 round trip (~0.25 ms) less.
        self._pending = f"__ringback.begin({_json_literal(payload)});"

    def exec(self, code: str, *, file: str, line: int) -> None:
        """Run a ``script:`` / ``scriptEs6:`` block (``line``: the .sc line of its first line).

        The block runs in a function scope, so its ``var`` and ``function`` declarations end
        with it (as a JAICP script block); globals it assigns without ``var`` persist.
        """
        self._run(
            _source(f"(function(){{{code}\n}}).call(globalThis);", file, line), file=file, line=line
        )

    def eval(self, expr: str, *, file: str, line: int) -> Any:
        """The JSON value of a JS expression (``if:`` conditions; ``undefined`` is ``None``)."""
        js = f"JSON.stringify((function(){{return ({expr}\n);}}).call(globalThis))"
        text = self._run(_source(js, file, line), file=file, line=line)
        return None if not isinstance(text, str) else json.loads(text)

    def render(self, template: str, *, file: str, line: int) -> str:
        """Fill the ``{{ expr }}`` parts of an ``a:`` text.

        ``undefined`` and ``null`` render as the empty string (not ``"undefined"``); other values
        as JS ``String(value)``. Example: ``"Hi {{ $client.name }}!"`` → ``"Hi Ann!"``.
        """
        parts: list[str] = []
        pos = 0
        for found in _TEMPLATE.finditer(template):
            parts.append(json.dumps(template[pos : found.start()], ensure_ascii=False))
            parts.append(f"__ringback.str(({found.group(1)}\n))")
            pos = found.end()
        if pos == 0:
            return template
        parts.append(json.dumps(template[pos:], ensure_ascii=False))
        js = "(function(){return [" + ",".join(parts) + "].join('');}).call(globalThis)"
        return str(self._run(_source(js, file, line), file=file, line=line))

    def add_reply(self, reply: dict[str, Any]) -> None:
        """Append a reply to ``$response.replies`` (the runtime's ``a:`` texts: ``{"type":
        "text", "text": …}``), so that scripts and ``postProcess`` hooks see them in order."""
        self._run(f"__ringback.addReply({_json_literal(reply)})", file="<reply>", line=0)

    def run_hooks(self, name: str, *, file: str = "<hook>") -> None:
        """Run the ``bind(name, fn[, path])`` handlers in binding order, ``fn($context)``.

        A handler bound with a path runs only when ``$context.currentState`` is that state or
        below it. An error is reported at the handler's own file and line when V8 knows it.
        """
        self._run(f"__ringback.runHooks({_json_literal(name)})", file=file, line=0)

    def hooks(self) -> set[str]:
        """The hook names bound so far."""
        text = self._racer.eval("JSON.stringify(__ringback.hookNames())")
        return set(json.loads(str(text)))

    def end_request(self) -> RequestResult:
        """Finish the request: read back its state and drain what the scripts recorded.

        Readable after a :class:`ScriptError` too. If even reading fails (the memory limit was
        hit, a getter loops), the request's input state comes back with nothing recorded.
        """
        data = self._data
        self._data = None
        if self._broken:
            self._pending = ""
        out: dict[str, Any] | None = None
        if not self._broken:
            try:
                pending, self._pending = self._pending, ""
                text = self._racer.eval(
                    pending + "__ringback.end()", timeout_sec=self.timeout_ms / 1000
                )
                out = json.loads(str(text))
            except JSEvalException:  # memory limit, time limit, a throwing toJSON …
                self._broken = True  # the isolate's state is unknown: start afresh
        if out is None:
            return _unchanged(data, self._global, "script state could not be read back")
        self._global = out["global"] if isinstance(out["global"], dict) else {}
        return RequestResult(
            session=_as_dict(out["session"]),
            client=_as_dict(out["client"]),
            temp=_as_dict(out["temp"]),
            response=_as_dict(out["response"]),
            global_=self._global,
            answers=out["answers"],
            transition=out["transition"],
            buttons=out["buttons"],
            other_reactions=out["other"],
            dialer_calls=[(name, args) for name, args in out["dialerCalls"]],
            logs=out["logs"],
            client_touched=out["clientTouched"],
        )

    def close(self) -> None:
        """Free the isolate (also done when the engine is garbage-collected)."""
        self._racer.close()


def _as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _unchanged(data: RequestData | None, global_: dict[str, Any], why: str) -> RequestResult:
    return RequestResult(
        session=dict(data.session) if data else {},
        client=dict(data.client) if data else {},
        temp={},
        response={"replies": []},
        global_=global_,
        answers=[],
        transition=None,
        buttons=[],
        other_reactions=[],
        dialer_calls=[],
        logs=[why],
        client_touched=False,
    )


def _script_error(text: str, file: str, line: int) -> ScriptError:
    """Turn mini-racer's error text into file, line and message.

    The text is ``"<file>:<line>: <Error: message>\\n<source line>\\n<caret>\\n\\n<stack>"``.
    The reported place is the first stack frame outside the prelude (so a ``$dialer.redial``
    error names the script line that called it), else the header's place, else the block's.
    """
    lines = text.splitlines()
    header = _HEADER.match(lines[0]) if lines else None
    message = header.group("message") if header else (lines[0] if lines else "script error")
    for entry in lines[1:]:
        frame = _FRAME.match(entry)
        if frame and frame.group("file") != PRELUDE_FILE:
            return ScriptError(frame.group("file"), int(frame.group("line")), message)
    if header and header.group("file") not in ("<anonymous>", PRELUDE_FILE, ""):
        return ScriptError(header.group("file"), int(header.group("line")), message)
    return ScriptError(file, line, message)


def _redial_reasons() -> dict[str, str]:
    """The ``$dialer.redial`` error reasons, from the domain's single table when present."""
    try:
        from ringback.domain.series import REDIAL_REASONS
    except ImportError:
        return dict(_FALLBACK_REASONS)
    return {**_FALLBACK_REASONS, **REDIAL_REASONS}


_FALLBACK_REASONS: dict[str, str] = {
    "no_params": "No params given",
    "no_start": "Either startDateTime or allowedTime must be given",
    "bad_datetime": "startDateTime and finishDateTime must be dates",
    "start_not_before_finish": "startDateTime must be before finishDateTime",
    "bad_day": "allowedDays must be days of the week: mon, tue, wed, thu, fri, sat, sun",
    "bad_time": "Time must be in the HH:MM format",
    "bad_retry_interval": "retryIntervalInMinutes must be at least 1",
    "bad_max_attempts": "maxAttempts must be from 1 to 50",
    "bad_priority": "dialerPriority must be from 1 to 5",
    "bad_allowed_time_key": "allowedTime keys must be days of the week or 'default'",
    "bad_allowed_time_value": (
        "allowedTime values must be arrays of {localTimeFrom, localTimeTo} objects"
    ),
}
