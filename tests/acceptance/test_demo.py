"""`ringback demo` (SPEC §8) end to end, and the scenario `generate` section behind it."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers
import pytest
import yaml
from phonenumbers import timezone as phone_timezones

from ringback.scenario import ScenarioError, generate
from tests.acceptance import oracle

DEMO = Path(__file__).parents[2] / "src" / "ringback" / "demo" / "scenario.yaml"


def _check_zones(attempt: dict[str, Any]) -> list[ZoneInfo]:
    """The zones the attempt's windows must hold in, from phonenumbers directly."""
    if attempt["zoneSource"] != "intersection":  # "number" or "campaign": the zone shown
        return [ZoneInfo(attempt["zone"])]
    names = phone_timezones.time_zones_for_number(phonenumbers.parse("+" + attempt["phone"]))
    return [ZoneInfo(name) for name in names]


def test_demo_runs_the_callback_bot_inside_every_window(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ringback", "demo", "--numbers", "200", "--out-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    summary = json.loads((tmp_path / "summary.json").read_text())
    attempts = [json.loads(line) for line in (tmp_path / "attempts.jsonl").read_text().splitlines()]
    campaign = yaml.safe_load(DEMO.read_text())["campaign"]
    windows = oracle.Windows(tuple(campaign["allowedDays"]), campaign["allowedTime"])

    assert summary["violations"] == 0
    assert summary["numbers"]["total"] == 200
    assert summary["attempts"]["total"] == len(attempts) > 200
    # The bot ran: answered calls carry its transcript; a quarter of the callees asked for a
    # call back, which $dialer.redial turned into redial series.
    answered = [a for a in attempts if a["outcome"] == "answer"]
    assert answered and all(a["transcript"][0]["from"] == "bot" for a in answered)
    assert summary["redials"] > 0
    assert any(a["redialNumber"] is not None for a in attempts)
    for attempt in attempts:
        start = oracle.parse_utc(attempt["startedAt"])
        for zone in _check_zones(attempt):
            assert windows.allowed(start, zone), (attempt["phone"], attempt["startedAt"], zone)
    assert (
        oracle.max_concurrency(
            (oracle.parse_utc(a["startedAt"]), oracle.parse_utc(a["finishedAt"])) for a in attempts
        )
        <= campaign["maxSimultaneousCalls"]
    )
    by_phone: dict[str, list[tuple[Any, Any]]] = defaultdict(list)
    for a in attempts:
        by_phone[a["phone"]].append(
            (oracle.parse_utc(a["startedAt"]), oracle.parse_utc(a["finishedAt"]))
        )
    for intervals in by_phone.values():
        assert oracle.max_concurrency(intervals) == 1, "one number called twice at once"


def test_generate_makes_distinct_valid_numbers_of_the_regions_reproducibly() -> None:
    spec = {"count": 2000, "countries": ["RU", "US", "GB", "IN", "KZ"]}
    numbers = generate(spec, 5)
    assert numbers == generate(spec, 5)
    assert numbers != generate(spec, 6)
    assert len(set(numbers)) == len(numbers) == 2000
    by_code = {"RU": 7, "US": 1, "GB": 44, "IN": 91, "KZ": 7}
    for index, number in enumerate(numbers):
        parsed = phonenumbers.parse("+" + number)
        assert phonenumbers.is_valid_number(parsed), number
        assert parsed.country_code == by_code[spec["countries"][index % 5]], number


def test_generate_avoids_taken_numbers_and_rejects_bad_specs() -> None:
    first = generate({"count": 50, "countries": ["GB"]}, 1)
    again = generate({"count": 50, "countries": ["GB"]}, 1, taken=set(first[:10]))
    assert not set(again) & set(first[:10])
    for spec, field in [
        ({"count": -1}, "generate.count"),
        ({"count": 5, "countries": ["XX"]}, "generate.countries[0]"),
        ({"count": 5, "countries": []}, "generate.countries"),
        ({"count": 5, "regions": ["US"]}, "generate.regions"),
    ]:
        with pytest.raises(ScenarioError) as raised:
            generate(spec, 0)
        assert raised.value.field == field, spec
