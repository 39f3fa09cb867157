"""The chart parser's pre-filter: the beginnings read from a pattern must never rule out a text
position where it matches."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from ringback.entities.corpus import load
from ringback.entities.engine import Chart, Dim
from ringback.entities.extract import context, rules_for
from ringback.entities.prefixes import DEPTH, prefixes


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [  # beginnings in full, cut to DEPTH characters below
        (r"(the )?day", {"the day", "day"}),
        (r"Tomorrow|tmrw", {"tomorrow", "tmrw"}),
        (r"[12]:[05]", {"1:0", "1:5", "2:0", "2:5"}),
        (r"[A-C]x", {"ax", "bx", "cx"}),
        (r"(?=a)[ab]", {"a", "b"}),
        (r"\bзавтра", {"завтра"}),
        (r"h", {"h"}),  # a match of one character: anything may follow
        (r"(ab)*c", {"c", "abc", "ababc", "abababc"}),
        (r"a.b", {"a", "ab"}),  # "." is not judged: anything may follow "a"
        (r"x{3,}", {"xxx"}),
        (r"(of )?", None),  # may match empty: anywhere
        (r"[^a]b", None),
        (r"\w+", None),
        (r"ſ", None),  # "re" also matches "s" and "S" with it
        (r"(?-i:a)", None),  # inline flags are not judged
    ],
)
def test_prefixes(pattern: str, expected: set[str] | None) -> None:
    want = None if expected is None else frozenset(e[:DEPTH] for e in expected)
    assert prefixes(re.compile(pattern, re.IGNORECASE)) == want


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_prefixes_cover_every_match_in_the_corpus(lang: str) -> None:
    patterns = {id(i): i for r in rules_for(lang) for i in r.items if not isinstance(i, Dim)}
    heads = {k: prefixes(p) for k, p in patterns.items()}
    assert sum(h is not None for h in heads.values()) > len(heads) * 3 // 4
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
                    head = text[pos : pos + DEPTH].lower()
                    assert any(head.startswith(h) for h in first), (p.pattern, text, pos)
