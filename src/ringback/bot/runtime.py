"""The JAICP runtime: one request (an utterance or an event) → the bot's reactions.

A :class:`Runtime` is one loaded bot: the compiled triggers (one :class:`~ringback.bot.patterns.
Matcher`), the states by path and one :class:`~ringback.bot.js.ScriptEngine` whose ``init:``
code has run. A :class:`Conversation` is one dialogue's state (``$session``, ``$client``, the
context path …); :meth:`Runtime.handle` runs one request against it and returns a :class:`Turn`.

How a trigger is chosen (SPEC §5; JAICP's scoping, with ringback's tie-break rule):

- Candidates depend only on the *context* ``C`` (the last state entered without ``noContext``).
  A local trigger (``q:``, ``event:``, ``e:``) of a state whose parent is ``P`` is a candidate
  when ``P`` is ``C`` or one of its ancestors (the root included): the children of ``C``, its
  siblings (``C`` itself among them), its parent's siblings … ``onlyThisState = true`` keeps
  only ``P == C``. ``fromState = /X`` makes the trigger a candidate only when ``C`` is ``/X`` or
  inside it (exactly ``/X`` with ``onlyThisState``), at the nearest level. Global triggers
  (``q!:`` …) are candidates everywhere except under a ``modal`` state.
- Levels: the nearer the trigger's parent to ``C``, the stronger; globals come last. The
  nearest level with a match wins, the heaviest match inside it (pattern weights from
  :mod:`ringback.bot.patterns`), then definition order.

  Example: in context ``/Order/Confirm`` a sibling ``q: $yes`` (level 0, parent ``/Order``)
  beats a global ``q!: * yes *``, whatever their weights; from ``/`` only the global one fires.
- Priority across kinds: patterns, then example phrases (``e:``; ringback has no classifier,
  so an example matches when the words of the utterance and the example overlap by at least
  70 % — see :func:`example_similarity`), then intents (never: CAILA is not available, the
  loader reports each one). Nothing matched: ``event: noMatch`` by the same scoping.
  An empty utterance on the phone is the ``speechNotRecognized`` event; if no state handles
  it, ``noMatch`` does.

Reactions run in order; ``go!`` jumps at once (the rest of the state's reactions are skipped),
``go`` only moves the context, ``$reactions.transition`` jumps once the state's reactions have
run. A :class:`~ringback.bot.js.ScriptError` ends that request (logged with file:line,
``onScriptError`` then ``onAnyError`` hooks run), never the conversation.
"""

from __future__ import annotations

import json
import logging
import random
import re
import weakref
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, tzinfo
from typing import Any, cast

from ringback.bot.ast import (
    Answer,
    Buttons,
    CustomTag,
    Go,
    If,
    Loc,
    Media,
    Random,
    Reaction,
    Script,
    Timeout,
    Trigger,
)
from ringback.bot.dialer_api import DialerRequests
from ringback.bot.js import RequestData, ScriptEngine, ScriptError, template_js
from ringback.bot.patterns import Matcher, PatternLibrary, PatternSyntaxError
from ringback.bot.project import Project, ProjectError, StateNode, join_path
from ringback.entities.types import EntityContext, EntityRecognizer

log = logging.getLogger(__name__)

MAX_JUMPS = 100  # state entries per request: a go!/transition loop is a script bug
EXAMPLE_THRESHOLD = 0.7
_GLOBAL_LEVEL = 1_000_000
_WARM_UP = datetime(2000, 1, 3, 10, 0, tzinfo=UTC)  # any instant: only loading matters
_WORD = re.compile(r"\w+")


def example_similarity(a: str, b: str) -> float:
    """Word overlap of two phrases (Jaccard over lower-cased words), 0..1."""
    wa, wb = set(_WORD.findall(a.lower())), set(_WORD.findall(b.lower()))
    if not wa or not wb:
        return 0.0
    return len(wa & wb) / len(wa | wb)


@dataclass(frozen=True, slots=True)
class CompiledTrigger:
    index: int
    state: str  # the state that holds the trigger
    target: str  # where it leads (``toState`` or the state itself)
    trigger: Trigger
    parent: str  # the holder's parent ("/" for top-level states)
    from_state: str | None
    only_this: bool


@dataclass(slots=True)
class SlotFilling:
    """A state waiting for its required slots."""

    state: str
    filled: dict[str, Any]  # slot name → value
    asks: dict[str, int]  # slot name → times asked
    parse_tree: dict[str, Any]  # the $parseTree of the request that entered the state


@dataclass(slots=True)
class Conversation:
    """One dialogue's state; the runtime mutates it request by request."""

    session: dict[str, Any] = field(default_factory=dict)
    client: dict[str, Any] = field(default_factory=dict)
    context: str = "/"  # the context path: triggers are scoped by it
    state: str = "/"  # the last state entered ($context.currentState, XML state="…")
    channel: str = "phone"
    dialer_data: dict[str, Any] = field(default_factory=dict)
    raw_request: dict[str, Any] = field(default_factory=dict)
    tz: tzinfo = UTC
    client_touched: bool = False
    ended: bool = False  # the bot hung up ($dialer.hangUp)
    buttons: dict[str, str] = field(default_factory=dict)  # pending button text → state
    timeout: tuple[str, float | None] | None = None  # pending timeout: (state, interval s)
    random_seed: int | None = None  # fixes the next request's random choices
    slots: SlotFilling | None = None  # slot filling in progress
    http_mocks: list[dict[str, Any]] = field(default_factory=list)
    dialer: DialerRequests = field(default_factory=DialerRequests)  # folded $dialer calls
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Turn:
    """What the bot did in one request."""

    answers: tuple[str, ...]
    state: str
    buttons: tuple[dict[str, Any], ...] = ()
    other: tuple[dict[str, Any], ...] = ()
    dialer_calls: tuple[tuple[str, list[Any]], ...] = ()
    errors: tuple[str, ...] = ()
    logs: tuple[str, ...] = ()
    response: dict[str, Any] = field(default_factory=dict)
    hung_up: bool = False


@dataclass(slots=True)
class _Request:
    conv: Conversation
    now: datetime
    request: dict[str, Any]
    text: str = ""
    temp: dict[str, Any] = field(default_factory=dict)
    parse_tree: dict[str, Any] = field(default_factory=dict)
    answers: list[str] = field(default_factory=list)
    buttons: list[dict[str, Any]] = field(default_factory=list)
    other: list[dict[str, Any]] = field(default_factory=list)
    calls: list[tuple[str, list[Any]]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    logs: list[str] = field(default_factory=list)
    response: dict[str, Any] = field(default_factory=dict)
    hung_up: bool = False
    jumps: int = 0


class _Abort(Exception):
    """Stop the request (a script error, already logged)."""


class Runtime:
    """One loaded bot. Not thread-safe: one request at a time (one V8 isolate)."""

    def __init__(
        self,
        project: Project,
        *,
        entities: Mapping[str, EntityRecognizer] | None = None,
        engine: ScriptEngine | None = None,
    ) -> None:
        self.project = project
        self.states = project.states
        self.global_: dict[str, Any] = {}
        self._open = False  # a JS request is open (begun, not yet ended)
        self._converters = False  # any JS pattern converter: matching needs an open request
        self._scopes: dict[str, dict[int, int]] = {}
        self._keys: dict[int, tuple[Collection[int] | None]] = {}  # id(scope) → match keys
        self.engine = engine or ScriptEngine()
        # An isolate still open at interpreter shutdown can hang mini-racer's __del__: close
        # it when the runtime goes away or, at the latest, at exit.
        self._finalizer = weakref.finalize(self, self.engine.close)
        for js in project.js:
            try:
                self.engine.load(js.code, file=js.loc.file, line=js.loc.line)
            except ScriptError as error:
                raise ProjectError(str(error)) from None
        self.library = PatternLibrary.standard()
        for name, recognizer in (entities or {}).items():
            self.library.add_entity(name, recognizer)
        try:
            for d in project.patterns:
                pattern, converter = _split_converter(d.text)
                self._converters = self._converters or converter is not None
                self.library.define(
                    d.name,
                    pattern,
                    file=d.loc.file,
                    line=d.loc.line,
                    converter=self._js_converter(converter, d.loc) if converter else None,
                )
        except PatternSyntaxError as error:
            raise ProjectError(str(error)) from None
        self.matcher = Matcher(self.library)
        self.triggers: list[CompiledTrigger] = []
        self.warnings = list(project.warnings)
        self._compile()
        self._patterns_total = sum(1 for t in self.triggers if t.trigger.kind == "q")
        # The first match loads the morphology dictionaries (a second or more): do it now,
        # not inside a request's script time budget.
        self.matcher.match("warm up at 10", ctx=EntityContext(_WARM_UP, UTC, project.language))
        # Hooks are bound by init: code and required .js files (as JAICP projects do).
        self._hooks = self.engine.hooks()
        if "selectNLUResult" in self._hooks:
            self.warnings.append(
                "hook selectNLUResult needs the CAILA NLU classifier, not available: it never runs"
            )

    def close(self) -> None:
        """Release the script engine (the runtime cannot be used afterwards)."""
        self._finalizer()

    def _js_converter(self, function: str, loc: Loc) -> Callable[[dict[str, Any]], Any]:
        """A ``patterns:`` converter (``$x = … || converter = fn``): ``fn(parseTree)`` in JS.

        Matching runs inside an open request, so the converter sees that request's globals.
        """

        def convert(tree: dict[str, Any]) -> Any:
            return self.engine.call(function, tree, file=loc.file, line=loc.line)

        return convert

    # --- compile ---------------------------------------------------------------------------

    def _compile(self) -> None:
        for node in self.states.values():
            for trig in node.state.triggers:
                target = trig.params.get("toState")
                from_state = trig.params.get("fromState")
                compiled = CompiledTrigger(
                    index=len(self.triggers),
                    state=node.path,
                    target=join_path(node.path, str(target)) if target else node.path,
                    trigger=trig,
                    parent=node.parent or "/",
                    from_state=join_path(node.path, str(from_state)) if from_state else None,
                    only_this=trig.params.get("onlyThisState") is True,
                )
                self.triggers.append(compiled)
                if trig.kind == "q":
                    try:
                        self.matcher.add(
                            compiled.index, trig.value, file=trig.loc.file, line=trig.loc.line
                        )
                    except PatternSyntaxError as error:
                        raise ProjectError(str(error)) from None
            for slot in node.state.slots:
                try:
                    self.matcher.add(
                        ("slot", node.path, slot.name),
                        f"* {slot.entity}::{slot.name} *",
                        file=slot.loc.file,
                        line=slot.loc.line,
                    )
                except PatternSyntaxError as error:
                    raise ProjectError(str(error)) from None
            self._check_targets(node.path, node.state.reactions)

    def _check_targets(self, path: str, reactions: tuple[Reaction, ...]) -> None:
        for r in reactions:
            if isinstance(r, Go) and "{{" not in r.target:
                if join_path(path, r.target) not in self.states:
                    self.warnings.append(
                        f"{r.loc}: {'go!' if r.now else 'go'}: no state {join_path(path, r.target)}"
                    )
            elif isinstance(r, If):
                for branch in r.branches:
                    self._check_targets(path, branch.reactions)
            elif isinstance(r, Random):
                self._check_targets(path, r.choices)

    def _match_keys(self, scope: dict[int, int]) -> Collection[int] | None:
        """The pattern keys to match: ``None`` (all, the matcher's fast path) when every
        pattern trigger is in scope; out-of-scope results are dropped by :func:`_best` anyway."""
        keys = self._keys.get(id(scope))
        if keys is None:
            in_scope = [i for i in scope if self.triggers[i].trigger.kind == "q"]
            keys = self._keys[id(scope)] = (
                None if len(in_scope) == self._patterns_total else frozenset(in_scope),
            )
        return keys[0]

    def _scope(self, context: str) -> dict[int, int]:
        """Trigger index → level for a context (cached: it depends on the context only)."""
        cached = self._scopes.get(context)
        if cached is not None:
            return cached
        chain = _ancestors(context)  # [C, parent of C, …, "/"]
        depth = {path: i for i, path in enumerate(chain)}
        modal = next(
            (
                i
                for i, p in enumerate(chain)
                if p in self.states and self.states[p].state.params.get("modal") is True
            ),
            None,
        )
        scope: dict[int, int] = {}
        for t in self.triggers:
            if t.from_state is not None:
                inside = context == t.from_state or (
                    not t.only_this and context.startswith(t.from_state.rstrip("/") + "/")
                )
                if inside:
                    scope[t.index] = 0
            elif t.trigger.is_global:
                if modal is None or t.trigger.kind == "event":
                    scope[t.index] = _GLOBAL_LEVEL
            elif t.parent in depth:
                level = depth[t.parent]
                if (modal is None or level <= modal) and (not t.only_this or level == 0):
                    scope[t.index] = level
        self._scopes[context] = scope
        return scope

    # --- conversations ---------------------------------------------------------------------

    def handle(
        self,
        conv: Conversation,
        now: datetime,
        *,
        query: str | None = None,
        event: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> Turn:
        """Run one request: the user said ``query``, or ``event`` happened."""
        text = query if query is not None else ""
        if event is None and not text.strip() and conv.channel == "phone":
            event = "speechNotRecognized"
        req = _Request(conv, now, _request_json(conv, text, event, data), text)
        self._run_request(req, text, event)
        turn = self._finish(req)
        if req.hung_up and event != "botHangup":
            after = self.handle(conv, now, event="botHangup")
            # the turn keeps the state that hung up; botHangup's answers are still reported
            turn = replace(
                turn, answers=turn.answers + after.answers, errors=turn.errors + after.errors
            )
        return turn

    def _finish(self, req: _Request) -> Turn:
        req.conv.random_seed = None
        req.conv.dialer.apply(list(req.calls))
        return Turn(
            tuple(req.answers),
            req.conv.state,
            tuple(req.buttons),
            tuple(req.other),
            tuple(req.calls),
            tuple(req.errors),
            tuple(req.logs),
            req.response,
            req.hung_up,
        )

    def timeout(self, conv: Conversation, now: datetime) -> Turn:
        """The pending ``timeout:`` fired (the user said nothing for its interval)."""
        if conv.timeout is None:
            return Turn((), conv.state)
        target, _ = conv.timeout
        conv.timeout = None
        req = _Request(conv, now, _request_json(conv, "", "timeout", None))
        self._begin(req)
        self._guard(req, lambda: self._enter(req, target))
        return self._finish(req)

    def _run_request(self, req: _Request, text: str, event: str | None) -> None:
        conv = req.conv
        hooks = self._hooks
        # Without preMatch hooks and JS converters, matching needs no script: do it before the
        # JS request opens, so $parseTree goes in with the request data (one V8 call fewer).
        early = "preMatch" not in hooks and not self._converters
        chosen = self._select(req, text, event) if early else None
        if early and chosen is None and "postProcess" not in hooks:
            log.info("no state handles %r in %s", event or text, conv.context)
            return
        if chosen is not None:
            req.parse_tree = chosen[1]
        self._begin(req)

        def select_and_run() -> None:
            nonlocal text, chosen
            if not early:
                if "preMatch" in hooks:
                    self.engine.run_hooks("preMatch")
                    req.request = self.engine.eval("$request", file="<preMatch>", line=0) or {}
                    text = req.text = str(req.request.get("query", text))
                chosen = self._select(req, text, event)
                if chosen is not None:
                    req.parse_tree = chosen[1]
                    self._later(
                        f"$parseTree = {json.dumps(chosen[1])}; $context.parseTree = $parseTree;"
                    )
            if chosen is None:
                log.info("no state handles %r in %s", event or text, conv.context)
                return
            target = chosen[0]
            conv.buttons, conv.timeout = {}, None
            if "preProcess" in hooks:
                self._later(f"$context.currentState = {json.dumps(target)};")
                self._hook("preProcess")
            self._enter(req, target)

        self._guard(req, select_and_run)
        if "postProcess" in hooks and not req.errors:
            self._begin(req)
            self._guard(req, lambda: self._hook("postProcess"))

    # --- V8 calls: what the request's JS does waits for the next call -------------------------
    #
    # Context updates, plain answers and script blocks are queued in the engine and run with
    # the next V8 call that needs a value (an ``if:`` condition, a template) or ends the JS
    # request: a state of script blocks and answers is one V8 call. A reaction with an effect
    # in Python (go, buttons, timeout …) first runs what is queued (_settle), so that a
    # failing script still stops everything after it.

    def _later(self, js: str) -> None:
        """Queue JS that cannot fail (context updates, plain answers) for the next V8 call."""
        self.engine.later(js)

    def _settle(self) -> None:
        self.engine.flush()

    def _exec(self, code: str, loc: Loc) -> None:
        self.engine.queue(code, file=loc.file, line=loc.line)

    def _eval(self, expr: str, loc: Loc) -> Any:
        return self.engine.eval(expr, file=loc.file, line=loc.line)

    def _hook(self, name: str) -> None:
        self.engine.run_hooks(name)

    def _guard(self, req: _Request, action: Callable[[], None]) -> None:
        """Run ``action`` inside the open JS request, then end it (errors stop the request)."""
        try:
            action()
        except ScriptError as error:
            self._script_error(req, error)
        except _Abort:
            pass
        finally:
            if self._open:
                self._end(req)

    def _script_error(self, req: _Request, error: ScriptError) -> None:
        _request_error(req, str(error))
        for hook in ("onScriptError", "onAnyError"):
            if hook in self._hooks:
                try:
                    self._later(
                        "$context.exception = "
                        + json.dumps(
                            {"message": error.message, "file": error.file, "line": error.line}
                        )
                    )
                    self.engine.run_hooks(hook)
                except ScriptError as again:
                    req.errors.append(str(again))

    # --- JS request segments ----------------------------------------------------------------

    def _begin(self, req: _Request) -> None:
        conv = req.conv
        self.engine.begin_request(
            RequestData(
                now=req.now,
                session=conv.session,
                client=conv.client,
                temp=req.temp,
                parse_tree=req.parse_tree,
                request=req.request,
                context={"currentState": conv.state, "contextPath": conv.context},
                injector=self.project.injector,
                dialer=conv.dialer_data,
                global_=self.global_,
                random_seed=conv.random_seed,
                http_mocks=conv.http_mocks,
            )
        )
        self._open = True

    def _end(self, req: _Request) -> str | None:
        # A queued script that fails raises here: the JS request stays open for the error
        # hooks, and _guard ends it.
        r = self.engine.end_request()
        self._open = False
        conv = req.conv
        conv.session = r.session if isinstance(r.session, dict) else {}
        conv.client = r.client if isinstance(r.client, dict) else {}
        conv.client_touched = conv.client_touched or r.client_touched
        req.temp = r.temp if isinstance(r.temp, dict) else {}
        self.global_ = r.global_ if isinstance(r.global_, dict) else {}
        req.answers.extend(r.answers)
        req.buttons.extend(r.buttons)
        req.other.extend(r.other_reactions)
        req.logs.extend(r.logs)
        # one request may span several JS requests (transitions, hooks): keep every reply
        replies = [*req.response.get("replies", []), *r.response.get("replies", [])]
        req.response = {**req.response, **r.response, "replies": replies}
        req.calls.extend(r.dialer_calls)
        for line in r.logs:
            log.info("bot log: %s", line)
        for name, args in r.dialer_calls:
            if name == "hangUp" and not conv.ended:
                conv.ended = req.hung_up = True
                if args and args[0]:
                    req.answers.append(str(args[0]))
        return r.transition

    # --- selection --------------------------------------------------------------------------

    def _select(
        self, req: _Request, text: str, event: str | None
    ) -> tuple[str, dict[str, Any]] | None:
        conv = req.conv
        scope = self._scope(conv.context)
        base_tree: dict[str, Any] = {"text": text, "words": text.split()}
        if event is not None and event != "speechNotRecognized":
            found = self._event(scope, event)
            return (found, {**base_tree, "event": event}) if found else None
        filling = conv.slots
        if filling is not None and event is None:
            # An answer that fills a missing slot resumes the slot state; one that fills none
            # goes to whatever other trigger takes it, else the slot is asked again.
            node = self.states[filling.state]
            before = len(filling.filled)
            self._fill(req, node, filling, text)
            if len(filling.filled) > before:
                return filling.state, filling.parse_tree
            chosen = self._trigger(req, scope, text)
            if chosen is not None:
                conv.slots = None
                return chosen
            return filling.state, filling.parse_tree
        if event is None:
            chosen = self._trigger(req, scope, text)
            if chosen is not None:
                return chosen
        else:
            found = self._event(scope, event)
            if found:
                return found, {**base_tree, "event": event}
        found = self._event(scope, "noMatch")
        return (found, base_tree) if found else None

    def _trigger(
        self, req: _Request, scope: dict[int, int], text: str
    ) -> tuple[str, dict[str, Any]] | None:
        """A button, a pattern, then an example phrase (intents never: no classifier)."""
        base_tree: dict[str, Any] = {"text": text, "words": text.split()}
        button = req.conv.buttons.get(text.strip().lower())
        if button:
            return button, base_tree
        matches = self.matcher.match(text, self._match_keys(scope), self._entity_ctx(req))
        best = _best(matches, scope)
        if best is not None:
            trigger, tree = best
            return self.triggers[trigger].target, {"text": text, **tree}
        example = self._example(scope, text)
        return (example, base_tree) if example is not None else None

    # --- slot filling -----------------------------------------------------------------------

    def _fill(self, req: _Request, node: StateNode, filling: SlotFilling, text: str) -> None:
        """Fill the state's missing slots from what ``text`` holds."""
        keys = [
            ("slot", node.path, s.name) for s in node.state.slots if s.name not in filling.filled
        ]
        if not keys or not text.strip():
            return
        for m in self.matcher.match(text, keys, self._entity_ctx(req)):
            _, _, name = cast(tuple[str, str, str], m.key)
            if name not in filling.filled and f"_{name}" in m.parse_tree:
                filling.filled[name] = m.parse_tree[f"_{name}"]

    def _slots_ready(self, req: _Request, node: StateNode) -> bool:
        """Fill the slots of ``node``; ask the first missing required one (False) or put the
        values in ``$parseTree._<slot>`` (True)."""
        conv = req.conv
        filling = conv.slots
        if filling is None or filling.state != node.path:
            filling = SlotFilling(node.path, {}, {}, dict(req.parse_tree))
            self._fill(req, node, filling, req.text)
        missing = next(
            (s for s in node.state.slots if s.required and s.name not in filling.filled), None
        )
        if missing is not None:
            asked = filling.asks.get(missing.name, 0)
            filling.asks[missing.name] = asked + 1
            prompt = self._text(missing.prompts[min(asked, len(missing.prompts) - 1)], missing.loc)
            self._later(f"$reactions.answer({json.dumps(prompt)});")
            conv.slots = filling
            return False
        conv.slots = None
        req.parse_tree = {
            **filling.parse_tree,
            **{f"_{name}": value for name, value in filling.filled.items()},
        }
        self._later(f"$parseTree = {json.dumps(req.parse_tree)}; $context.parseTree = $parseTree;")
        return True

    def _entity_ctx(self, req: _Request) -> EntityContext:
        return EntityContext(req.now, req.conv.tz, self.project.language)

    def _event(self, scope: dict[int, int], name: str) -> str | None:
        best: tuple[int, int] | None = None
        for index, level in scope.items():
            t = self.triggers[index]
            if t.trigger.kind == "event" and name in _names(t.trigger.value):
                if best is None or (level, index) < best:
                    best = (level, index)
        return self.triggers[best[1]].target if best else None

    def _example(self, scope: dict[int, int], text: str) -> str | None:
        best: tuple[int, float, int] | None = None
        for index, level in scope.items():
            t = self.triggers[index]
            if t.trigger.kind != "e":
                continue
            score = example_similarity(text, t.trigger.value)
            if score >= EXAMPLE_THRESHOLD and (best is None or (level, -score, index) < best):
                best = (level, -score, index)
        return self.triggers[best[2]].target if best else None

    # --- states and reactions ---------------------------------------------------------------

    def _enter(self, req: _Request, path: str, loc: Loc | None = None) -> None:
        """Enter ``path`` and run its reactions; follow go! and transitions."""
        conv = req.conv
        while True:
            node = self.states.get(path)
            if node is None:
                _request_error(req, f"{loc}: no state {path}" if loc else f"no state {path}")
                raise _Abort
            req.jumps += 1
            if req.jumps > MAX_JUMPS:
                _request_error(
                    req, f"{node.state.loc}: more than {MAX_JUMPS} state changes in one request"
                )
                raise _Abort
            self._arrive(req, node)
            if node.state.slots and not self._slots_ready(req, node):
                self._end(req)
                return
            jump = self._run(req, node, node.state.reactions)
            if jump is not None:
                path, loc = jump
                continue
            transition = self._end(req)
            if transition is None or conv.ended:
                return
            path, loc = join_path(node.path, transition), node.state.loc
            self._begin(req)

    def _arrive(self, req: _Request, node: StateNode) -> None:
        conv = req.conv
        conv.state = node.path
        if node.state.params.get("noContext") is not True:
            conv.context = node.path
        self._later(
            f"$context.currentState = {json.dumps(node.path)};"
            f"$context.contextPath = {json.dumps(conv.context)};"
        )

    def _run(
        self, req: _Request, node: StateNode, reactions: tuple[Reaction, ...]
    ) -> tuple[str, Loc] | None:
        """Run reactions in order; a ``go!`` returns its target (the rest is skipped)."""
        conv = req.conv
        for r in reactions:
            if not isinstance(r, (Answer, Script, If, Random)):
                self._settle()  # the queued scripts run (and may fail) before this takes effect
            if isinstance(r, Answer):
                expr = template_js(r.text)
                if expr is not None:  # one V8 call renders and answers
                    self._exec(f"$reactions.answer({expr});", r.loc)
                else:
                    self._later(f"$reactions.answer({json.dumps(r.text)});")
            elif isinstance(r, Script):
                self._exec(r.code, r.loc)
            elif isinstance(r, Go):
                target = join_path(node.path, self._text(r.target, r.loc))
                if r.now:
                    return target, r.loc
                conv.state = conv.context = target
            elif isinstance(r, If):
                for branch in r.branches:
                    if branch.condition is None or self._eval(
                        f"!!({branch.condition})", branch.loc
                    ):
                        jump = self._run(req, node, branch.reactions)
                        if jump is not None:
                            return jump
                        break
            elif isinstance(r, Random):
                if r.choices:
                    jump = self._run(req, node, (self._pick(req, r.choices),))
                    if jump is not None:
                        return jump
            elif isinstance(r, Buttons):
                for b in r.items:
                    button: dict[str, Any] = {"text": self._text(b.text, r.loc)}
                    if b.target:
                        button["transition"] = join_path(node.path, b.target)
                        conv.buttons[button["text"].strip().lower()] = button["transition"]
                    if b.url:
                        button["url"] = b.url
                    req.buttons.append(button)
            elif isinstance(r, Media):
                url = self._text(r.url, r.loc)
                req.other.append({"type": r.kind, f"{r.kind}Url": url})
            elif isinstance(r, Timeout):
                conv.timeout = (join_path(node.path, self._text(r.target, r.loc)), r.interval_s)
                req.other.append(
                    {"type": "timeout", "interval": r.interval_s, "targetState": conv.timeout[0]}
                )
            elif isinstance(r, CustomTag):
                decl = self.project.custom_tags[r.name]
                args = {k: self._text(str(v), r.loc) for k, v in r.params.items()}
                self._later(
                    f"$request.data = $request.data || {{}}; "
                    f"$request.data.args = {json.dumps(args)};"
                )
                req.request.setdefault("data", {})["args"] = args
                return join_path("/", decl.start_state), r.loc
        return None

    def _text(self, text: str, loc: Loc) -> str:
        if "{{" not in text:
            return text
        return self.engine.render(text, file=loc.file, line=loc.line)

    def _pick(self, req: _Request, choices: tuple[Reaction, ...]) -> Reaction:
        seed = req.conv.random_seed
        if seed is not None:  # XML <random>N</random>: choice N (0-based)
            return choices[seed % len(choices)]
        return random.choice(choices)


def _request_error(req: _Request, message: str) -> None:
    """A failed request: on the turn, on the conversation, in the log (file:line first)."""
    req.errors.append(message)
    req.conv.errors.append(message)
    log.warning("bot request failed: %s", message, extra={"action": "script_error"})


def _request_json(
    conv: Conversation, text: str, event: str | None, data: dict[str, Any] | None
) -> dict[str, Any]:
    """``$request`` of one request."""
    request: dict[str, Any] = {
        "query": text,
        "channelType": conv.channel,
        "rawRequest": conv.raw_request,
        "data": dict(data or {}),
        "requestType": "event" if event else "query",
    }
    if event:
        request["event"] = event
    return request


def _split_converter(text: str) -> tuple[str, str | None]:
    """``pattern || converter = fn`` → ``("pattern", "fn")``."""
    head, sep, tail = text.partition("||")
    match = re.search(r"converter\s*=\s*(.+)", tail) if sep else None
    return (head.strip(), match.group(1).strip()) if match else (text, None)


def _names(value: str) -> set[str]:
    return {name.strip() for name in value.split(",") if name.strip()}


def _ancestors(path: str) -> list[str]:
    chain = [path]
    while path != "/":
        path = path.rsplit("/", 1)[0] or "/"
        chain.append(path)
    return chain


def _best(matches: list[Any], scope: dict[int, int]) -> tuple[int, dict[str, Any]] | None:
    """The nearest level wins, then the heaviest (matches come heaviest first)."""
    best: tuple[int, int, dict[str, Any]] | None = None
    for m in matches:
        level = scope.get(m.key)
        if level is not None and (best is None or level < best[0]):
            best = (level, m.key, m.parse_tree)
    return (best[1], best[2]) if best else None
