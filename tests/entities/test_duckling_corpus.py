"""Duckling's time corpus (EN, RU) scored with Duckling's strict pass rule.

A case passes when the text yields exactly one time entity, spanning the whole text, whose value
(start; for intervals start and end) and grain equal the expected ones; a negative case passes
when no time entity is found. The floors are a point or two below the rate reached.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime
from typing import Any

import pytest

from ringback.entities import parse
from ringback.entities.corpus import load, passes

FLOORS = {"en": 0.94, "ru": 0.98}


def score(lang: str) -> tuple[float, dict[str, str], list[str]]:
    passed: Counter[str] = Counter()
    total: Counter[str] = Counter()
    failures = []
    for case in load(lang):
        found = parse(
            case["text"],
            locale=lang,
            ref=datetime.fromisoformat(case["ref"]),
            dims=["time"],
            latent=case["latent"],
        )
        total[case["section"]] += 1
        if passes(case, found):
            passed[case["section"]] += 1
        else:
            failures.append(case["text"])
    sections = {s: f"{passed[s]}/{n} ({100 * passed[s] / n:.0f}%)" for s, n in total.items()}
    return sum(passed.values()) / sum(total.values()), sections, failures


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_corpus_pass_rate(lang: str, record_property: Any) -> None:
    rate, sections, failures = score(lang)
    record_property(f"duckling_{lang}_pass_rate", f"{rate:.3f}")
    record_property(f"duckling_{lang}_sections", json.dumps(sections))
    report = f"{lang}: {rate:.1%} {sections}; e.g. failing: {failures[:10]}"
    print(report)
    assert rate >= FLOORS[lang], report


def test_the_strict_rule_rejects_a_partial_match() -> None:
    case = {
        "text": "tomorrow at 3 pm",
        "expect": {"kind": "value", "value": "2013-02-13T15:00:00", "grain": "hour"},
    }
    whole = parse("tomorrow at 3 pm", ref=datetime.fromisoformat("2013-02-12T04:30:00-02:00"))
    assert passes(case, [e for e in whole if e["dim"] == "time"])
    partial = [dict(whole[0], end=8)]
    assert not passes(case, partial)
