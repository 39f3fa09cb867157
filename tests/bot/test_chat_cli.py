"""``ringback chat`` as a user runs it: a subprocess fed on stdin."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CALLBACK = Path(__file__).parents[2] / "examples" / "bots" / "callback"


def chat(stdin: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ringback", "chat", str(CALLBACK), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_callback_conversation_shows_replies_states_and_the_resolved_redial() -> None:
    result = chat(
        "\ncan you call me back in an hour\n",
        "--phone",
        "442071234567",
        "--now",
        "2026-03-02T10:00:00Z",
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "bot: Hello! This is a reminder call." in out
    assert "(state /Start)" in out
    assert "(state /NoMatch)" in out  # the empty line: silence → noMatch
    assert "bot: Okay! I'll call you back in an hour." in out
    assert "$dialer.redial(" in out
    assert "[you hung up]" in out
    assert "redial: 2 attempt(s), 5 min apart" in out
    assert "attempt 1: from 2026-03-02T11:00:00+00:00 (local 2026-03-02 11:00 GMT)" in out
    assert "attempt 2: from 2026-03-02T11:05:00+00:00" in out


def test_the_bot_hanging_up_ends_the_chat_and_bad_options_are_one_line() -> None:
    result = chat("bye\nnever read\n", "--now", "2026-03-02T10:00:00")
    assert result.returncode == 0, result.stderr
    assert "[the bot hung up]" in result.stdout and "redial: none" in result.stdout
    bad = chat("", "--payload", "[1")
    assert bad.returncode == 2
    assert bad.stderr.strip() == "error: --payload: expected a JSON object"
