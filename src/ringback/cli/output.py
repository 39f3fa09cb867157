"""Shared CLI helpers: one-line errors naming the field and what was expected."""

from __future__ import annotations

import sys
from typing import NoReturn


def fail(field: str, expected: str, code: int = 2) -> NoReturn:
    """Print ``error: <field>: expected <expected>`` and exit (no traceback)."""
    print(f"error: {field}: expected {expected}", file=sys.stderr)
    raise SystemExit(code)
