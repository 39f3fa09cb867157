"""The chart parser's pre-filter: first characters read from a pattern must never rule out a
text that holds a match."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from ringback.entities.corpus import load
from ringback.entities.engine import Chart, Dim, _heads
from ringback.entities.extract import context, rules_for


def _c(p: str) -> re.Pattern[str]:
    return re.compile(p, re.IGNORECASE)


@pytest.mark.parametrize(
    ("pattern", "heads"),
    [
        (r"(the )?day", set("td")),
        (r"Tomorrow|tmrw", {"t"}),
        (r"\d+[:.]\d\d", set("0123456789")),
        (r"[A-C]x", set("abc")),
        (r"(?=a)[ab]", set("ab")),
        (r"\bзавтра", {"з"}),
        (r"(of )?", None),  # may match empty: anywhere
        (r"[^a]b", None),
        (r".b", None),
        (r"\w+", None),
        (r"ſ", None),  # "re" also matches "s" and "S" with it
        (r"(?-i:a)", None),
    ],
)
def test_heads(pattern: str, heads: set[str] | None) -> None:
    assert _heads(_c(pattern)) == (None if heads is None else frozenset(heads))


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_heads_cover_every_match_in_the_corpus(lang: str) -> None:
    patterns = {id(i): i for r in rules_for(lang) for i in r.items if not isinstance(i, Dim)}
    heads = {k: _heads(p) for k, p in patterns.items()}
    assert sum(h is not None for h in heads.values()) > len(heads) // 2
    for case in load(lang):
        text = case["text"]
        starts = Chart(text, context(datetime.fromisoformat(case["ref"]), None, lang), ()).start_set
        for k, p in patterns.items():
            first = heads[k]
            if first is None:
                continue
            for pos in starts:
                m = p.match(text, pos)
                if m is not None:
                    assert m.end() > pos and text[pos].lower() in first, (p.pattern, text, pos)
