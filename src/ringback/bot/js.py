"""The bot's JavaScript: one sandboxed V8 isolate per bot (mini-racer).

A :class:`ScriptEngine` runs a bot's ``init:`` blocks and required ``.js`` files once
(:meth:`~ScriptEngine.load`), then, for every request, gets that request's state as JSON
(:meth:`~ScriptEngine.begin_request`), runs ``script:`` blocks, ``if:`` conditions and ``{{ }}``
templates against it, and hands everything the scripts did back as a :class:`RequestResult`
(:meth:`~ScriptEngine.end_request`). The JS side of ``$session``, ``$dialer`` & co. is
``prelude.js``.

A V8 call costs more than a small script (~0.06 ms, see :class:`_Isolate`), so a request makes
few: the begin, runtime statements (:meth:`~ScriptEngine.later`) and script blocks
(:meth:`~ScriptEngine.queue`) wait for the next call that needs a value or ends the request.
Each block, condition and template is compiled once per isolate, as a function where it is in
its file, and later called by id.

Sandbox:

- the isolate has ECMAScript only: no ``require``, ``process``, ``load``, ``fetch``,
  ``XMLHttpRequest``, ``java``/``Packages`` (a Rhino-style ``java.lang.System`` is a
  ``ReferenceError``); ``import()`` has no module loader and rejects;
- a request has a time budget (``timeout_ms``: a wall-clock deadline set when the request
  begins, so the runtime's own work between V8 calls, a fraction of a millisecond, counts
  too) and the isolate a hard heap limit (``memory_mb``); a script that exceeds either fails
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
from typing import Any, NoReturn

from py_mini_racer import (
    JSEvalException,
    JSOOMException,
    JSTimeoutException,
    MiniRacer,
)
from py_mini_racer._exc import JSTerminatedException

from ringback.domain.series import REDIAL_REASONS

__all__ = ["RequestData", "RequestResult", "ScriptEngine", "ScriptError", "template_js"]

log = logging.getLogger(__name__)

PRELUDE_FILE = "ringback-prelude.js"
_PRELUDE = files("ringback.bot").joinpath("prelude.js").read_text(encoding="utf-8")

# "file:12: Error: boom" (the first line of mini-racer's message) and "at f (file:12:8)"
_HEADER = re.compile(r"^(?P<file>.*?):(?P<line>\d+): (?P<message>.*)$")
_FRAME = re.compile(r"^\s+at (?:.*? \()?(?P<file>[^()]*?):(?P<line>\d+):\d+\)?$")
_TEMPLATE = re.compile(r"\{\{(.+?)\}\}", re.DOTALL)

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
    waits on the queue that V8's callback fills for tasks started with callback id 0 (the
    queue of mini-racer's own synchronous path, which only runs on the loop thread: nothing
    else uses it for an isolate driven from here): one switch each way, about 0.06 ms. A
    timeout cancels the task (V8 terminates it) and waits for its result so that it cannot
    become the answer to the next evaluation.

    This reads mini-racer internals (``Context._dll``, ``_ctx``, the results queue), which is
    why ``mini-racer`` is pinned to one version; ``tests/bot/test_sandbox.py`` covers the
    timeout and thread paths.
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


@dataclass(frozen=True, slots=True)
class _Step:
    """Statements for the next V8 call. ``file``/``line``: where their failure is reported;
    ``None`` for the runtime's own statements, which cannot fail."""

    js: str
    file: str | None = None
    line: int = 0


class _EndFailed(Exception):
    """Reading a request back failed (``error``): a throwing ``toJSON``, a limit …"""

    def __init__(self, error: JSEvalException) -> None:
        super().__init__(str(error))
        self.error = error


_END_MARK = -1
_UNBEGUN = -2  # see ScriptEngine._marked
_END = f"__ringback.mark({_END_MARK});__ringback.end()"
_RESET = "the script engine was reset after a memory-limit hit"
_MAX_BLOCKS = 10_000  # compiled blocks kept per isolate: a bot has far fewer
# How long the question "which step was running" may take after a failed call. It cannot loop,
# so the wait only covers thread scheduling, which on a loaded machine can exceed 0.1 s; a
# guess would then name the first queued step instead of the one that failed.
_MARKED_WAIT_S = 5.0


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
        self._queue: list[_Step] = []  # what runs with the next V8 call, after _pending
        self._blocks: dict[tuple[str, str, int], int] = {}  # (code, file, line) → compiled id
        self._next_block = 0
        self._broken = False  # the isolate hit its memory limit: rebuild before the next use
        self._racer = self._fresh_racer()

    # -- isolate -----------------------------------------------------------------------------

    def _fresh_racer(self) -> _Isolate:
        racer = _Isolate()
        racer.set_hard_memory_limit(self.memory_mb * 1024 * 1024)
        racer.eval(_source(_PRELUDE, PRELUDE_FILE, 1))
        racer.eval(
            f"__ringback.setRedialReasons({_json_literal(dict(REDIAL_REASONS))});"
            f"$injector = {_json_literal(self._injector)};"
        )
        return racer

    def _rebuild(self) -> None:
        """Replace a broken isolate; replay the loaded code, restore ``$global``."""
        self._racer.close()
        self._racer = self._fresh_racer()
        self._broken = False
        self._blocks.clear()
        for code, file, line in self._sources:
            try:
                self._racer.eval(_source(code, file, line), timeout_sec=self.timeout_ms / 1000)
            except JSEvalException as error:  # it ran once; a failure now is worth a line only
                log.warning("replaying %s:%d failed: %s", file, line, error.args[0][:200])
        self._racer.eval(f"Object.assign($global, {_json_literal(self._global)})")

    def _send(self, steps: list[_Step], *, budget: float | None = None) -> Any:
        """Evaluate the queued steps, then ``steps``, in one V8 call; the last one's value.

        Each step that can fail is preceded by ``__ringback.mark(k)``, so that a failure that
        carries no place of its own (the time or the memory limit, a throw with no stack) is
        reported at the step that was running. A pending ``begin`` (see :meth:`begin_request`)
        goes first; it stays pending if the request's time is already spent or the call was
        stopped before it finished. When a step fails, the steps after it do not run and are
        dropped.
        """
        queued, self._queue = self._queue, []
        steps = queued + steps
        where = next((s for s in steps if s.file is not None), steps[-1])
        if self._broken:
            raise ScriptError(where.file or "<runtime>", where.line, _RESET)
        timeout = budget if budget is not None else self._deadline - time.monotonic()
        if timeout <= 0:
            raise ScriptError(
                where.file or "<runtime>",
                where.line,
                f"script time limit of {self.timeout_ms} ms exceeded",
            )
        pending, self._pending = self._pending, ""
        parts = [pending, "__ringback.mark(null);"]
        for k, step in enumerate(steps):
            if step.file is not None:
                parts.append(f"__ringback.mark({k});")
            parts += (step.js, ";")
        try:
            return self._racer.eval("".join(parts), timeout_sec=timeout)
        except JSEvalException as error:
            marked = self._marked(begin=bool(pending))
            if marked == _UNBEGUN:
                # Stopped before the request's state was in (a limit hit as the call started,
                # on a loaded machine): it goes with the next call, or reading back would
                # return the previous request's state.
                self._pending = pending
            culprit = self._culprit(steps, marked)
            if culprit is None and steps[-1].js == _END:
                raise _EndFailed(error) from None
            self._fail(error, culprit or _Step("", "<runtime>", 0))

    def _marked(self, *, begin: bool) -> Any:
        """The mark of the step a failed V8 call was running (``None``: unknown); with
        ``begin`` (the call carried the request's begin), :data:`_UNBEGUN` if that did not
        finish, since the mark is then a previous call's."""
        if self._racer.lost:
            return None
        query = "__ringback.marked()"
        if begin:
            query = f"__ringback.begun() ? {query} : {_UNBEGUN}"
        try:
            return self._racer.eval(query, timeout_sec=_MARKED_WAIT_S)
        except JSEvalException:  # e.g. no memory left even for that: guess
            return None

    def _culprit(self, steps: list[_Step], marked: Any) -> _Step | None:
        """The step a failed V8 call was running by its ``marked`` value (if unknown, the first
        that can fail); ``None``: none of them, so reading the request back
        (``__ringback.end``)."""
        if marked == _END_MARK:
            return None
        if isinstance(marked, int) and 0 <= marked < len(steps):
            return steps[marked]
        return next((s for s in steps if s.file is not None), None)

    def _fail(self, error: JSEvalException, step: _Step) -> NoReturn:
        file, line = step.file or "<runtime>", step.line
        if isinstance(error, JSTimeoutException):
            self._broken = self._racer.lost
            raise ScriptError(
                file, line, f"script time limit of {self.timeout_ms} ms exceeded"
            ) from None
        if isinstance(error, JSOOMException):
            self._broken = True
            raise ScriptError(
                file, line, f"script memory limit of {self.memory_mb} MB exceeded"
            ) from None
        if self._racer.was_hard_memory_limit_reached():
            self._broken = True
        raise _script_error(str(error), file, line) from None

    def _block(self, code: str, file: str, line: int) -> int:
        """The id of ``code`` compiled as a function (once: later calls reuse it).

        The function is compiled where the code is in its file (see :func:`_source`), so V8's
        line numbers are the file's. A syntax error is a :class:`ScriptError` at ``file:line``;
        the steps already queued run first (their failure, if any, is the one raised), since
        they come before this code.
        """
        if self._broken:
            raise ScriptError(file, line, _RESET)
        key = (code, file, line)
        known = self._blocks.get(key)
        if known is not None:
            return known
        forget = ""
        if len(self._blocks) >= _MAX_BLOCKS:  # only code made up at run time gets here
            self.flush()  # what is queued calls blocks about to be forgotten
            self._blocks.clear()
            forget = "__ringback.forget();"
        block = self._next_block
        try:
            self._racer.eval(
                _source(f"{forget}__ringback.define({block},{code});", file, line),
                timeout_sec=self.timeout_ms / 1000,
            )
        except JSEvalException as error:
            if self._queue:
                self.flush()
            self._fail(error, _Step("", file, line))
        self._next_block += 1
        self._blocks[key] = block
        return block

    # -- the contract --------------------------------------------------------------------------

    def load(self, code: str, *, file: str, line: int) -> None:
        """Run an ``init:`` block or a required ``.js`` file at global scope, once per bot.

        Its globals and ``bind`` hooks persist; the code is kept to be replayed if the isolate
        has to be rebuilt.
        """
        if self._broken:
            self._rebuild()
        try:
            self._racer.eval(_source(code, file, line), timeout_sec=self.timeout_ms / 1000)
        except JSEvalException as error:
            self._fail(error, _Step("", file, line))
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
        # Sent with the next evaluation rather than now: one V8 round trip less.
        self._pending = f"__ringback.begin({_json_literal(payload)});"

    def later(self, js: str) -> None:
        """Queue runtime statements that cannot fail (context updates, plain answers) for the
        next V8 call of this request."""
        self._queue.append(_Step(js))

    def queue(self, code: str, *, file: str, line: int) -> None:
        """Queue a ``script:`` / ``scriptEs6:`` block to run with the next V8 call.

        As :meth:`exec`, but its failure is raised by the call that runs it (:meth:`flush`,
        :meth:`eval`, :meth:`end_request` …), and what was queued after it is dropped. A
        syntax error is raised at once (after running what was queued before it).
        """
        block = self._block(f"function(){{{code}\n}}", file, line)
        self._queue.append(_Step(f"__ringback.run({block});", file, line))

    def flush(self) -> None:
        """Run what is queued now (a :class:`ScriptError` if a queued block fails)."""
        if self._queue:
            self._send([])

    def exec(self, code: str, *, file: str, line: int) -> None:
        """Run a ``script:`` / ``scriptEs6:`` block (``line``: the .sc line of its first line).

        The block runs in a function scope, so its ``var`` and ``function`` declarations end
        with it (as a JAICP script block); globals it assigns without ``var`` persist. It is
        compiled once: running the same block again calls the compiled function.
        """
        self.queue(code, file=file, line=line)
        self._send([])

    def eval(self, expr: str, *, file: str, line: int) -> Any:
        """The JSON value of a JS expression (``if:`` conditions; ``undefined`` is ``None``).

        What is queued runs first, in the same V8 call.
        """
        block = self._block(f"function(){{return ({expr}\n);}}", file, line)
        text = self._send([_Step(f"JSON.stringify(__ringback.run({block}))", file, line)])
        return None if not isinstance(text, str) else json.loads(text)

    def call(self, function: str, argument: Any, *, file: str, line: int) -> Any:
        """The JSON value of ``(function)(argument)`` (``patterns:`` converters): the function
        expression is compiled once, the argument goes in as JSON."""
        block = self._block(f"function(){{return ({function}\n);}}", file, line)
        js = f"JSON.stringify(__ringback.run({block})({_json_literal(argument)}))"
        text = self._send([_Step(js, file, line)])
        return None if not isinstance(text, str) else json.loads(text)

    def render(self, template: str, *, file: str, line: int) -> str:
        """Fill the ``{{ expr }}`` parts of an ``a:`` text.

        ``undefined`` and ``null`` render as the empty string (not ``"undefined"``); other values
        as JS ``String(value)``. Example: ``"Hi {{ $client.name }}!"`` → ``"Hi Ann!"``.
        """
        expr = template_js(template)
        if expr is None:
            return template
        block = self._block(f"function(){{return {expr};}}", file, line)
        return str(self._send([_Step(f"__ringback.run({block})", file, line)]))

    def add_reply(self, reply: dict[str, Any]) -> None:
        """Append a reply to ``$response.replies`` (the runtime's ``a:`` texts: ``{"type":
        "text", "text": …}``), so that scripts and ``postProcess`` hooks see them in order."""
        self._send([_Step(f"__ringback.addReply({_json_literal(reply)})", "<reply>", 0)])

    def run_hooks(self, name: str, *, file: str = "<hook>") -> None:
        """Run the ``bind(name, fn[, path])`` handlers in binding order, ``fn($context)``.

        A handler bound with a path runs only when ``$context.currentState`` is that state or
        below it. An error is reported at the handler's own file and line when V8 knows it.
        """
        self._send([_Step(f"__ringback.runHooks({_json_literal(name)})", file, 0)])

    def hooks(self) -> set[str]:
        """The hook names bound so far."""
        text = self._racer.eval("JSON.stringify(__ringback.hookNames())")
        return set(json.loads(str(text)))

    def end_request(self) -> RequestResult:
        """Finish the request: run what is queued, read back its state and drain what the
        scripts recorded — in one V8 call.

        If a queued block fails, its :class:`ScriptError` is raised and the request stays
        open: end it again (nothing is queued then). Readable after a :class:`ScriptError`
        too. If even reading fails (the memory limit was hit, a getter loops), the request's
        input state comes back with nothing recorded.
        """
        out: dict[str, Any] | None = None
        if self._broken:
            self._pending, self._queue = "", []
        else:
            # Reading back gets a whole budget of its own, even when the scripts spent theirs:
            # with scripts queued it shares theirs, and is tried again alone if that ran out.
            scripts = any(step.file is not None for step in self._queue)
            try:
                out = self._read_back(None if scripts else self.timeout_ms / 1000)
            except _EndFailed as failed:
                timed_out = isinstance(failed.error, JSTimeoutException) and not self._racer.lost
                if scripts and timed_out:
                    out = self._read_back_or_none()
                else:
                    self._broken = True  # the isolate's state is unknown: start afresh
        data = self._data
        self._data = None
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

    def _read_back(self, budget: float | None) -> dict[str, Any]:
        out = json.loads(str(self._send([_Step(_END)], budget=budget)))
        assert isinstance(out, dict)
        return out

    def _read_back_or_none(self) -> dict[str, Any] | None:
        try:
            return self._read_back(self.timeout_ms / 1000)
        except _EndFailed:
            self._broken = True
            return None

    def close(self) -> None:
        """Free the isolate (also done when the engine is garbage-collected)."""
        self._racer.close()


def template_js(template: str) -> str | None:
    """The JS expression of a text's ``{{ expr }}`` parts filled in (as
    :meth:`ScriptEngine.render` fills them); ``None`` if it has none (an empty ``{{}}`` is
    text)."""
    if "{{" not in template:
        return None
    parts: list[str] = []
    pos = 0
    for found in _TEMPLATE.finditer(template):
        parts.append(json.dumps(template[pos : found.start()], ensure_ascii=False))
        parts.append(f"__ringback.str(({found.group(1)}\n))")
        pos = found.end()
    if pos == 0:
        return None
    parts.append(json.dumps(template[pos:], ensure_ascii=False))
    return "[" + ",".join(parts) + "].join('')"


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
