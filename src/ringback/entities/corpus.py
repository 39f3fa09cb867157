"""Duckling's corpus format and strict pass rule, shared by the tests and the benchmark.

A case passes when the text yields exactly one time entity, spanning the whole text, whose value
(start; for intervals start and end) and grain equal the expected ones; a negative case passes
when no time entity is found.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

# The corpus lives next to the repository (../shared/testdata/duckling); override with
# RINGBACK_DUCKLING_DATA.
DATA = Path(
    os.environ.get(
        "RINGBACK_DUCKLING_DATA",
        Path(__file__).resolve().parents[4] / "shared" / "testdata" / "duckling",
    )
)


def load(lang: str, data: Path = DATA) -> list[dict[str, Any]]:
    text = (data / f"time_{lang}.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _local(point: dict[str, Any]) -> str:
    return str(point["value"])[:19]


def passes(case: dict[str, Any], found: list[dict[str, Any]]) -> bool:
    """Duckling's rule on the time entities ``found`` for ``case``."""
    expect = case["expect"]
    found = [e for e in found if e.get("dim", "time") == "time"]
    if expect is None:
        return not found
    if len(found) != 1 or found[0]["start"] != 0 or found[0]["end"] != len(case["text"]):
        return False
    v = found[0]["value"]
    kind = expect["kind"]
    if kind == "value":
        return (
            v["type"] == "value" and _local(v) == expect["value"] and v["grain"] == expect["grain"]
        )
    if v["type"] != "interval":
        return False
    if kind == "interval":
        return (
            "from" in v
            and "to" in v
            and _local(v["from"]) == expect["from"]
            and _local(v["to"]) == expect["to"]
            and v["from"]["grain"] == expect["grain"]
        )
    side, other = ("from", "to") if kind == "after" else ("to", "from")
    return (
        side in v
        and other not in v
        and _local(v[side]) == expect["value"]
        and v[side]["grain"] == expect["grain"]
    )
