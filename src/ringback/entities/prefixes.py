"""How a regular expression's match can begin: the chart parser's pre-filter.

``prefixes(pattern)`` reads ``re``'s own parse of a pattern (a private module, so anything
unforeseen in it only costs the pre-filter) and gives the lower-case strings of up to ``DEPTH``
characters that every non-empty match starts with one of. A text position where none of them
starts cannot start a match, which rules out most of a grammar's rules for a given phrase
without running their expressions. The sets are supersets: a wrong guess may only keep a rule
that then finds nothing, never drop one that would have matched.

Only characters whose case-insensitive matches are their plain lower/upper case forms are
judged (ASCII and the Cyrillic block; ``re`` also equates "ſ" with "s", "ı" with "i" and old
Cyrillic glyph variants with their letters, which lie outside): a text with another character
near a word start is not filtered.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

DEPTH = 3  # characters per prefix
_LIMIT = 5000  # strings per set before a pattern is not worth judging
_OPEN = "\0"  # ends a prefix after which anything may follow (an item that can't be judged)
_ANY = frozenset({"", _OPEN})  # an item that can't be judged: anything, maybe nothing


class _Unjudged(Exception):
    pass


def known(c: str) -> bool:
    """A character whose case-insensitive matches are just its lower and upper case forms."""
    return c < "\x80" or "\u0400" <= c <= "\u04ff"


def prefixes(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """The strings (lower case, 1 to ``DEPTH`` characters) one of which starts every match of
    ``pattern``; None when that isn't known or the pattern may match the empty string."""
    try:  # re's parser is private: should it move, no pattern is judged
        found = _seq(importlib.import_module("re._parser").parse(pattern.pattern, pattern.flags))
    except Exception:
        return None
    out = frozenset(s.rstrip(_OPEN) for s in found)
    return None if "" in out else out


def _cat(a: frozenset[str], b: frozenset[str]) -> frozenset[str]:
    out = set()
    for x in a:
        if _complete(x):
            out.add(x)
        else:
            out.update((x + y)[:DEPTH] for y in b)
    if len(out) > _LIMIT:
        raise _Unjudged
    return frozenset(out)


def _complete(x: str) -> bool:
    return len(x) >= DEPTH or x.endswith(_OPEN)


def _seq(items: Any) -> frozenset[str]:
    out = frozenset({""})
    for op, av in items:
        if all(_complete(x) for x in out):
            break  # nothing further changes the prefixes
        out = _cat(out, _item(op, av))
    return out


def _chars(cs: str) -> frozenset[str]:
    return frozenset(c.lower() for c in cs) if all(known(c) for c in cs) else _ANY


def _item(op: Any, av: Any) -> frozenset[str]:
    c = importlib.import_module("re._constants")
    if op is c.LITERAL:
        return _chars(chr(av))
    if op is c.IN:
        out: set[str] = set()
        for kind, v in av:
            if kind is c.LITERAL:
                chars = chr(v)
            elif kind is c.RANGE and v[1] - v[0] < 256:
                chars = "".join(map(chr, range(v[0], v[1] + 1)))
            elif kind is c.CATEGORY and v is c.CATEGORY_DIGIT:
                chars = "0123456789"  # other digits are not known characters
            else:  # white space (\s*) too: judging it would multiply the sets for little
                return _ANY
            one = _chars(chars)
            if one is _ANY:
                return _ANY
            out |= one
        return frozenset(out)
    if op is c.BRANCH:
        return frozenset().union(*(_seq(b) for b in av[1]))
    if op is c.SUBPATTERN:
        return _seq(av[3]) if not av[1] and not av[2] else _ANY  # inline flags: not judged
    if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
        return _repeat(_seq(av[2]), av[0], av[1])
    if op is c.ATOMIC_GROUP:
        return _seq(av)
    if op in (c.AT, c.ASSERT, c.ASSERT_NOT):
        return frozenset({""})  # zero width: the next item starts the match
    return _ANY


def _repeat(body: frozenset[str], lo: int, hi: int) -> frozenset[str]:
    """``body`` repeated ``lo`` to ``hi`` times; once the prefixes stop growing, more
    repetitions add nothing new."""
    out: set[str] = set()
    cur = frozenset({""})
    n = 0
    while True:
        if n >= lo:
            if cur <= out:
                break
            out |= cur
        if n == hi or not cur:
            break
        nxt = _cat(cur, body)
        if n < lo and nxt == cur:  # saturated before the minimum: the same from here on
            n = lo
        else:
            n += 1
        cur = nxt
    return frozenset(out)
