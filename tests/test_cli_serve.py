"""``ringback serve`` as a real process: a dialer that stops on a bug takes the process down
(exit 1), so that a supervisor restarts it, instead of an API answering with nothing dialled."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

# The dialer's run raises as a bug would (database outages it waits out itself); the rest of
# `ringback serve` is the real one.
BROKEN_DIALER = """
import sys
from ringback.engine.dialer import Dialer

def run(self, **options):
    raise RuntimeError("a bug in the dialer")

Dialer.run = run
from ringback.cli import main
sys.argv = ["ringback", "serve", "--db", sys.argv[1], "--port", sys.argv[2]]
main()
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_dialer_that_stops_on_a_bug_takes_serve_down(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'serve.sqlite3'}"
    done = subprocess.run(
        [sys.executable, "-c", BROKEN_DIALER, url, str(free_port())],
        capture_output=True,
        text=True,
        timeout=60,
        env={"RINGBACK_API_KEY": "k" * 32, "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 1, done.stderr
    assert "the dialer stopped: shutting down" in done.stderr
    assert "RuntimeError: a bug in the dialer" in done.stderr
    assert "error: the dialer stopped on an error" in done.stderr


def test_serve_answers_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    url = f"sqlite:///{tmp_path / 'serve.sqlite3'}"
    process = subprocess.Popen(
        [sys.executable, "-m", "ringback", "serve", "--db", url, "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={"RINGBACK_API_KEY": "k" * 32, "PATH": "/usr/bin:/bin"},
    )
    try:
        answer = None
        for _ in range(300):  # the process starts in about a second
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except httpx.TransportError:
                if process.poll() is not None:
                    break
                time.sleep(0.1)
        assert answer is not None and answer.status_code == 200, process.stderr
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
    finally:
        process.kill()
        process.communicate()
