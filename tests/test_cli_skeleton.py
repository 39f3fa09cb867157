"""The ``ringback`` console script is installed and answers --help."""

from __future__ import annotations

import subprocess
import sys


def test_help_lists_the_app() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ringback", "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "ringback" in result.stdout.lower()
