"""The XML test runner and ``ringback test``: results, messages, bad files, exit codes, JUnit."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ringback.cli import _register_all, app

MAIN = """
state: Start
    q!: $regex</start>
    a: Hello!
    a: How can I help?
state: Price
    q!: * price *
    a: It costs {{ $session.price || 10 }} dollars.
state: Later
    q!: later
    timeout: /Start || interval = 5
    a: ok
"""

GOOD = """<test>
  <test-case id="greets">
    <q>/start</q>
    <a state="/Start">Hello!</a>
    <a>How can I help?</a>
  </test-case>
  <test-case id="preset session">
    <context var="session">{"price": 7}</context>
    <q>what is the price</q>
    <a contains="7 dollars"/>
    <responseData field="replies[0].text">It costs 7 dollars.</responseData>
  </test-case>
  <test-case id="timeout">
    <q>later</q>
    <timeoutReply targetState="/Start" interval="5"/>
    <timeout/>
    <a state="/Start"/>
  </test-case>
</test>
"""

BAD = """<test>
  <test-case id="wrong text">
    <q>/start</q>
    <a>Goodbye!</a>
  </test-case>
  <test-case id="wrong state">
    <q>price</q>
    <a state="/Start"/>
  </test-case>
  <test-case id="unknown step">
    <frobnicate/>
  </test-case>
  <test-case id="live" integration="true">
    <q>/start</q>
    <a>never checked offline</a>
  </test-case>
</test>
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "src").mkdir()
    (tmp_path / "test").mkdir()
    (tmp_path / "chatbot.yaml").write_text("name: xml\nlanguage: en\n")
    (tmp_path / "src" / "main.sc").write_text(MAIN)
    (tmp_path / "test" / "a_good.xml").write_text(GOOD)
    (tmp_path / "test" / "b_bad.xml").write_text(BAD)
    (tmp_path / "test" / "c_broken.xml").write_text("<test><test-case id='x'><q>hi</test>")
    return tmp_path


def run(*args: str) -> tuple[int, str]:
    _register_all()
    result = CliRunner().invoke(app, ["test", *args])
    return result.exit_code, result.stdout


def test_every_case_gets_a_line_then_the_summary(project: Path, tmp_path: Path) -> None:
    junit = tmp_path / "junit.xml"
    code, out = run(str(project), "--junit-xml", str(junit))
    lines = out.strip().splitlines()
    assert code == 1
    assert lines[-1] == "3 passed, 4 failed, 1 skipped"
    assert "PASS test/a_good.xml::greets" in lines
    assert "PASS test/a_good.xml::timeout" in lines
    text = "\n".join(lines)
    assert "FAIL test/b_bad.xml::wrong text: expected 'Goodbye!', got 'Hello!'" in text
    assert (
        "FAIL test/b_bad.xml::wrong state: expected state /Start, the bot is in state /Price"
        in text
    )
    assert "FAIL test/b_bad.xml::unknown step: unknown test element <frobnicate>" in text
    assert "SKIP test/b_bad.xml::live: integration test" in text
    assert "FAIL test/c_broken.xml::<file>: not a valid test file: mismatched tag" in text
    suite = ET.parse(junit).getroot()
    assert suite.get("tests") == "8" and suite.get("failures") == "4"


def test_integration_cases_run_when_asked(project: Path) -> None:
    _, out = run(str(project), "--integration")
    assert "FAIL test/b_bad.xml::live" in out
    assert out.strip().splitlines()[-1] == "3 passed, 5 failed"


def test_all_passing_exits_zero(project: Path) -> None:
    (project / "test" / "b_bad.xml").unlink()
    (project / "test" / "c_broken.xml").unlink()
    code, out = run(str(project))
    assert code == 0 and out.strip().splitlines()[-1] == "3 passed, 0 failed"


def test_a_project_that_cannot_load_exits_two(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "chatbot.yaml").write_text("name: broken\n")
    (tmp_path / "src" / "main.sc").write_text("state: S\n")
    code, _ = run(str(tmp_path))
    assert code == 2
    code, _ = run(str(tmp_path / "missing"))
    assert code == 2
