"""Every example bot passes its own XML tests through ``ringback test``; public-project features
load, and what ringback does not run is reported by name."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from ringback.bot.project import load_project
from ringback.bot.runtime import Runtime

BOTS = Path(__file__).parents[2] / "examples" / "bots"
EXAMPLES = sorted(p.name for p in BOTS.iterdir() if (p / "chatbot.yaml").is_file())


def test_the_examples_include_the_seed_callback_bot() -> None:
    assert "callback" in EXAMPLES
    main = (BOTS / "callback" / "src" / "main.sc").read_text()
    assert "state: CallbackInAnHour\n        q!: * call [me] [back] * (an/one) hour *" in main
    assert "maxAttempts: 2, // 2 call attempts in total" in main


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_bot_passes_its_xml_tests(name: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ringback", "test", str(BOTS / name)],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.fullmatch(r"[1-9]\d* passed, 0 failed(, \d+ skipped)?", summary), summary


def test_jaicp_notes_features_load_and_the_unsupported_ones_are_named() -> None:
    project = load_project(BOTS / "jaicp-notes")
    runtime = Runtime(project, entities={})
    try:
        warnings = "\n".join(runtime.warnings)
    finally:
        runtime.close()
    assert "hook selectNLUResult needs the CAILA NLU classifier" in warnings
    for name in ("TransferToOperator", "HttpRequest", "InputNumber", "Sms"):
        assert f"tag '{name}' is not supported" in warnings
    for option in ("tts", "bargeInIf", "converter"):
        assert f"option '{option}' is not supported" in warnings
    for intent in ("/Согласие", "/Отказ", "/Оператор", "/Операторы"):
        assert f"intent {intent} needs the CAILA NLU classifier, not available" in warnings
    assert "example group Оператор.Соединить needs the CAILA NLU classifier" in warnings
    # everything else in the notes is run: no warning names it
    for supported in (
        "noContext",
        "modal",
        "fromState",
        "toState",
        "htmlEnabled",
        "audio",
        "image",
        "inlineButtons",
        "timeout",
        "scriptEs6",
        "random",
    ):
        assert supported not in warnings
    assert any("sys.zb-common" in note for note in project.notes)
