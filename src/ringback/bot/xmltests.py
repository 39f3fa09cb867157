"""JAICP's XML bot tests: ``<test><test-case id=…>`` steps run against the real runtime.

Each test case is a fresh conversation on the phone channel (so ``$dialer`` works, with the
caller :data:`TEST_CALLER`) sharing the project's one script engine. Steps, in document order:

- ``<q>text</q>`` says ``text`` (``/start`` or ``*start`` opens the call); ``<event>name</event>``
  sends an event; ``<timeout/>`` fires the pending ``timeout:``.
- ``<a>`` checks the next reply of the last step, in order: its text (whitespace-normalised,
  exact), ``contains="…"``, ``state="/Path"`` (or the older ``class``; the state the bot is
  in after the step). An empty ``<a/>`` accepts any reply (or none).
- ``<state>/Path</state>`` puts the conversation in a state; ``<context var="session|client">``
  merges JSON into ``$session``/``$client``; ``<mockData>`` stubs one ``$http`` call;
  ``<dateTime>`` fixes the clock (``YYYY-MM-DD HH:MM[:SS]``, UTC; by default the clock is the
  time the case starts, and stays there); ``<random>N</random>`` makes the next step's
  ``random:`` choose its N-th child (0-based) and seeds ``Math.random``.
- ``<timeoutReply interval targetState/>`` checks the timeout the last step set;
  ``<responseData field="replies[0].text">JSON or text</responseData>`` checks part of the raw
  response; ``<newSession message="…"/>`` starts a new session (and says ``message``);
  ``<mail/>`` is accepted (ringback sends no mail, so there is nothing to check).

``integration="true"`` (on ``<test>`` or ``<test-case>``) marks live-service tests: skipped unless
asked. A file that is not well-formed XML is reported as one failure and the rest still run.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from ringback.bot.project import Project
from ringback.bot.runtime import Conversation, Runtime, Turn

TEST_CALLER = "79990000000"
Status = Literal["passed", "failed", "skipped"]


@dataclass(frozen=True, slots=True)
class CaseResult:
    file: str
    case: str
    status: Status
    message: str = ""

    @property
    def name(self) -> str:
        return f"{self.file}::{self.case}"


@dataclass(slots=True)
class Report:
    results: list[CaseResult] = field(default_factory=list)

    def count(self, status: Status) -> int:
        return sum(1 for r in self.results if r.status == status)

    def summary(self) -> str:
        text = f"{self.count('passed')} passed, {self.count('failed')} failed"
        skipped = self.count("skipped")
        return f"{text}, {skipped} skipped" if skipped else text


class _Failure(Exception):
    pass


def run_project_tests(
    runtime: Runtime, *, integration: bool = False, files: list[Path] | None = None
) -> Report:
    """Run every XML test file of the runtime's project."""
    report = Report()
    project = runtime.project
    for file in files if files is not None else list(project.tests):
        report.results.extend(run_file(runtime, file, integration=integration))
    return report


def run_file(runtime: Runtime, file: Path, *, integration: bool = False) -> list[CaseResult]:
    name = _display(runtime.project, file)
    try:
        root = ET.parse(file).getroot()
    except (ET.ParseError, OSError) as error:
        return [CaseResult(name, "<file>", "failed", f"not a valid test file: {error}")]
    if root.tag != "test":
        return [CaseResult(name, "<file>", "failed", f"expected <test>, got <{root.tag}>")]
    file_integration = _is_true(root.get("integration"))
    results = []
    for i, case in enumerate(root.iter("test-case"), start=1):
        case_id = case.get("id") or f"#{i}"
        if (file_integration or _is_true(case.get("integration"))) and not integration:
            results.append(CaseResult(name, case_id, "skipped", "integration test"))
            continue
        try:
            _CaseRun(runtime).run(case)
        except _Failure as failure:
            results.append(CaseResult(name, case_id, "failed", str(failure)))
        else:
            results.append(CaseResult(name, case_id, "passed"))
    return results


def fresh_conversation(now: datetime) -> Conversation:
    """The conversation a test case starts with: the phone channel, a fixed test caller."""
    return Conversation(
        channel="phone",
        dialer_data={
            "channel": "phone",
            "caller": TEST_CALLER,
            "payload": {},
            "history": {
                "completedAttempts": 1,
                "availableAttempts": 0,
                "completedAttemptsToPhone": 1,
                "availableAttemptsToPhone": 0,
            },
            "campaignSchedule": {},
            "timezone": "+00:00",
            "token": "",
            "sipHeaders": {},
            "incoming": False,
        },
        raw_request={"caller": TEST_CALLER, "callee": None, "originateData": {"payload": {}}},
    )


class _CaseRun:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.now = datetime.now(UTC).replace(microsecond=0)
        self.conv = fresh_conversation(self.now)
        self.turn: Turn | None = None
        self.next_answer = 0

    def run(self, case: ET.Element) -> None:
        for step in case:
            handler = getattr(self, "_" + step.tag.replace("-", "_"), None)
            if handler is None:
                raise _Failure(f"unknown test element <{step.tag}>")
            handler(step)

    def _step(self, turn: Turn) -> None:
        self.turn, self.next_answer = turn, 0

    def _where(self) -> str:
        errors = (
            f" (script errors: {'; '.join(self.turn.errors)})"
            if self.turn and self.turn.errors
            else ""
        )
        return f"in state {self.turn.state if self.turn else self.conv.state}{errors}"

    # --- steps ----------------------------------------------------------------------------

    def _q(self, el: ET.Element) -> None:
        text = (el.text or "").strip()
        if text == "*start":
            text = "/start"
        self._step(self.runtime.handle(self.conv, self.now, query=text))

    def _event(self, el: ET.Element) -> None:
        self._step(self.runtime.handle(self.conv, self.now, event=(el.text or "").strip()))

    def _timeout(self, el: ET.Element) -> None:
        if self.conv.timeout is None:
            raise _Failure(f"<timeout/>: no timeout is pending {self._where()}")
        self._step(self.runtime.timeout(self.conv, self.now))

    def _a(self, el: ET.Element) -> None:
        if self.turn is None:
            raise _Failure("<a> before any <q> or <event>")
        expected = _norm(el.text or "")
        contains = el.get("contains")
        state = el.get("state") or el.get("class")
        if expected or contains is not None:
            if self.next_answer >= len(self.turn.answers):
                raise _Failure(
                    f"expected a reply {expected or contains!r}, the bot said nothing more "
                    f"{self._where()}"
                )
            got = _norm(self.turn.answers[self.next_answer])
            if expected and got != expected:
                raise _Failure(f"expected {expected!r}, got {got!r} {self._where()}")
            if contains is not None and _norm(contains) not in got:
                raise _Failure(f"expected a reply containing {contains!r}, got {got!r}")
        self.next_answer += 1
        if state and self.turn.state.rstrip("/") != state.rstrip("/"):
            raise _Failure(f"expected state {state}, the bot is {self._where()}")

    def _state(self, el: ET.Element) -> None:
        path = (el.text or "").strip()
        if path not in self.runtime.states:
            raise _Failure(f"<state>{path}</state>: no such state")
        self.conv.state = self.conv.context = path

    def _context(self, el: ET.Element) -> None:
        var = el.get("var", "session")
        try:
            value = json.loads(el.text or "{}")
        except ValueError as error:
            raise _Failure(f"<context var={var!r}>: not JSON: {error}") from None
        if var not in ("session", "client") or not isinstance(value, dict):
            raise _Failure("<context>: expected var=session|client and a JSON object")
        getattr(self.conv, var).update(value)

    def _mockData(self, el: ET.Element) -> None:
        query = el.find("query")
        response = el.find("response")
        if query is None or response is None:
            raise _Failure("<mockData>: expected <query> and <response>")
        text = response.text or ""
        kind = response.get("type", "json")
        body: Any = text
        if kind == "json" and text.strip():
            try:
                body = json.loads(text)
            except ValueError as error:
                raise _Failure(f"<mockData>: the response is not JSON: {error}") from None
        params_el = el.find("parameters")
        mock: dict[str, Any] = {
            "method": query.get("method", "GET").upper(),
            "url": (query.text or "").strip(),
            "status": int(response.get("status", "200")),
            "type": kind,
            "response": body,
        }
        if params_el is not None:
            mock["parameters"] = {p.tag: (p.text or "") for p in params_el}
        body_el = el.find("body")
        if body_el is not None:
            mock["body"] = (body_el.text or "").strip()
        self.conv.http_mocks.append(mock)

    def _dateTime(self, el: ET.Element) -> None:
        text = (el.text or "").strip()
        try:
            value = datetime.fromisoformat(text.replace(" ", "T", 1))
        except ValueError:
            raise _Failure(f"<dateTime>: expected YYYY-MM-DD HH:MM:SS, got {text!r}") from None
        self.now = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def _random(self, el: ET.Element) -> None:
        try:
            self.conv.random_seed = int((el.text or "0").strip())
        except ValueError:
            raise _Failure(f"<random>: expected a number, got {el.text!r}") from None

    def _timeoutReply(self, el: ET.Element) -> None:
        if self.conv.timeout is None:
            raise _Failure(f"<timeoutReply>: the bot set no timeout {self._where()}")
        target, interval = self.conv.timeout
        want = el.get("targetState")
        if want and want.rstrip("/") != target.rstrip("/"):
            raise _Failure(f"<timeoutReply>: expected target {want}, got {target}")
        if el.get("interval") and interval is not None and float(el.get("interval", 0)) != interval:
            raise _Failure(
                f"<timeoutReply>: expected interval {el.get('interval')}, got {interval}"
            )

    def _responseData(self, el: ET.Element) -> None:
        if self.turn is None:
            raise _Failure("<responseData> before any <q>")
        path = el.get("field", "")
        got = _lookup(self.turn.response, path)
        text = (el.text or "").strip()
        try:
            expected: Any = json.loads(text)
        except ValueError:
            expected = text
        if got != expected and str(got) != text:
            raise _Failure(f"<responseData field={path!r}>: expected {text}, got {json.dumps(got)}")

    def _newSession(self, el: ET.Element) -> None:
        self.conv.session = {}
        self.conv.state = self.conv.context = "/"
        message = el.get("message")
        if message:
            self._step(self.runtime.handle(self.conv, self.now, query=message))

    def _mail(self, el: ET.Element) -> None:
        """ringback sends no mail: accepted, nothing to check."""


def _lookup(value: Any, path: str) -> Any:
    for name, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", path):
        try:
            value = value[name] if name else value[int(index)]
        except (KeyError, IndexError, TypeError):
            return None
    return value


def _norm(text: str) -> str:
    return " ".join(text.split())


def _is_true(value: str | None) -> bool:
    return (value or "").strip().lower() == "true"


def _display(project: Project, file: Path) -> str:
    try:
        return str(file.resolve().relative_to(project.root.resolve()))
    except ValueError:
        return str(file)


def write_junit(report: Report, path: Path, *, suite: str) -> None:
    """A JUnit XML report (one ``<testcase>`` per case) for CI dashboards."""
    root = ET.Element(
        "testsuite",
        name=suite,
        tests=str(len(report.results)),
        failures=str(report.count("failed")),
        skipped=str(report.count("skipped")),
    )
    for r in report.results:
        case = ET.SubElement(root, "testcase", classname=r.file, name=r.case)
        if r.status == "failed":
            ET.SubElement(case, "failure", message=r.message).text = r.message
        elif r.status == "skipped":
            ET.SubElement(case, "skipped", message=r.message)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
