"""A bottom-up chart parser in Duckling's manner.

Rules are sequences of items: a regular expression or a token test (``Dim``). Starting from the
regular-expression matches, every rule is applied to the chart again and again until nothing new
appears; consecutive items may only be separated by white space, and a regular-expression match
may not start or end inside a word (``rat 6`` has no "at"), exactly like Duckling's adjacency and
range checks. Each produced token records how many rule applications built it, which the ranking
uses to prefer the simplest reading of a span.

Evaluation is semi-naive: after the first round a rule only meets combinations holding a token
made since it last ran, and only if a dimension it needs has grown; regular-expression matches
are computed once per text.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from ringback.entities.series import budget

MAX_TOKENS = 3000


@dataclass(frozen=True, slots=True)
class Context:
    ref: datetime  # the reference time as a naive local wall time
    ref_aware: datetime  # the same instant, aware
    tz: tzinfo
    lang: str


@dataclass(frozen=True, slots=True)
class Token:
    dim: str
    start: int
    end: int
    value: Any
    size: int  # rule applications under this token (1 for a leaf)
    rule: str
    key: tuple[Any, ...] = field(compare=False)
    seq: int = field(default=0, compare=False)  # creation order in the chart


@dataclass(frozen=True, slots=True)
class Dim:
    dim: str
    test: Callable[[Any], bool] | None = None


Produce = Callable[..., Any]


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    dim: str
    items: tuple[re.Pattern[str] | Dim, ...]
    produce: Produce


# A match must end at a word boundary; asserting it inside the pattern makes the regex engine
# backtrack into longer alternatives ("утром" is not "утро" + "м").
_END = r"(?:(?<![^\W_])|(?![^\W_])|(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_]))"


def rule(name: str, dim: str, items: Sequence[str | Dim], produce: Produce) -> Rule:
    compiled = tuple(
        re.compile(f"(?:{i}){_END}", re.IGNORECASE) if isinstance(i, str) else i for i in items
    )
    return Rule(name, dim, compiled, produce)


def _kind(c: str) -> int:
    return 1 if c.isalpha() else 2 if c.isdigit() else 0


def _boundary(text: str, i: int) -> bool:
    """No match may split a word or a number: "rat" has no "at", "650" no "50"."""
    if i <= 0 or i >= len(text):
        return True
    a, b = _kind(text[i - 1]), _kind(text[i])
    return a == 0 or a != b


class Chart:
    def __init__(self, text: str, ctx: Context, rules: Sequence[Rule]) -> None:
        self.text = text
        self.ctx = ctx
        self.rules = rules
        self.by_start: dict[int, list[Token]] = defaultdict(list)
        self.by_dim: dict[str, list[Token]] = defaultdict(list)
        self.keys: set[tuple[Any, ...]] = set()
        self.re_cache: dict[tuple[int, int], re.Match[str] | None] = {}
        self.starts = [i for i in range(len(text)) if not text[i].isspace() and _boundary(text, i)]
        self.count = 0
        self.newest: dict[str, int] = {}  # dim → token count just after its newest token

    def _regex_at(self, pattern: re.Pattern[str], pos: int) -> re.Match[str] | None:
        key = (id(pattern), pos)
        if key in self.re_cache:
            return self.re_cache[key]
        m = pattern.match(self.text, pos)
        if m is not None and m.end() > m.start() and not _boundary(self.text, m.end()):
            m = None
        self.re_cache[key] = m
        return m

    def _skip(self, pos: int) -> int:
        while pos < len(self.text) and self.text[pos].isspace():
            pos += 1
        return pos

    @staticmethod
    def _ok(item: Dim, t: Token) -> bool:
        return item.test is None or bool(item.test(t.value))

    def _firsts(self, item: re.Pattern[str] | Dim, since: int = 0) -> list[Any]:
        if isinstance(item, Dim):
            tokens = self.by_dim[item.dim]
            if since:  # tokens are kept in creation order: the fresh ones are a suffix
                tokens = tokens[bisect_left(tokens, since, key=lambda t: t.seq) :]
            return [t for t in tokens if self._ok(item, t)]
        first = item.search(self.text)  # one scan in C rules out most patterns
        if first is None:
            return []
        out = []
        for pos in self.starts:
            if pos < first.start():
                continue
            m = self._regex_at(item, pos)
            if m is not None:
                out.append(m)
        return out

    def _next(self, item: re.Pattern[str] | Dim, pos: int) -> list[Any]:
        pos = self._skip(pos)
        if isinstance(item, Dim):
            return [
                t for t in self.by_start.get(pos, ()) if t.dim == item.dim and self._ok(item, t)
            ]
        if not _boundary(self.text, pos):
            return []
        m = self._regex_at(item, pos)
        return [] if m is None else [m]

    def _add(self, r: Rule, parts: list[Any]) -> bool:
        ids = tuple(
            (p.start, p.end, p.key) if isinstance(p, Token) else (p.start(), p.end()) for p in parts
        )
        key = (r.name, ids)
        if key in self.keys:
            return False
        self.keys.add(key)
        with budget():
            value = r.produce(self.ctx, *parts)
        if value is None:
            return False
        start = parts[0].start if isinstance(parts[0], Token) else parts[0].start()
        end = parts[-1].end if isinstance(parts[-1], Token) else parts[-1].end()
        size = 1 + sum(p.size for p in parts if isinstance(p, Token))
        token = Token(r.dim, start, end, value, size, r.name, key, self.count)
        self.by_start[start].append(token)
        self.by_dim[r.dim].append(token)
        self.count += 1
        self.newest[r.dim] = self.count
        return True

    def _apply(self, r: Rule, firsts: list[Any] | None, since: int | None) -> None:
        """Apply ``r``; with ``since``, only to combinations holding a token made since then
        (semi-naive evaluation: older combinations were tried when the rule last ran)."""
        if since is None:
            self._expand(r, firsts, -1, 0)
            return
        for j, item in enumerate(r.items):
            if isinstance(item, Dim):
                self._expand(r, firsts, j, since)

    def _expand(self, r: Rule, firsts: list[Any] | None, fresh_at: int, since: int) -> None:
        if firsts is None:
            firsts = self._firsts(r.items[0], since if fresh_at == 0 else 0)
        elif fresh_at == 0:
            firsts = [t for t in firsts if t.seq >= since]
        partials: list[list[Any]] = [[p] for p in firsts]
        for j in range(1, len(r.items)):
            extended = []
            for parts in partials:
                last = parts[-1]
                end = last.end if isinstance(last, Token) else last.end()
                nexts = self._next(r.items[j], end)
                if j == fresh_at:
                    nexts = [t for t in nexts if t.seq >= since]
                extended.extend([*parts, nxt] for nxt in nexts)
            partials = extended
            if not partials:
                return
        for parts in partials:
            if self.count >= MAX_TOKENS:
                return
            self._add(r, parts)

    def saturate(self) -> list[Token]:
        # Regular-expression matches never change: find them once. A rule of regular
        # expressions only applies in the first round; one whose leading expression matches
        # nowhere never applies; one needing a dimension the chart lacks waits for it.
        leading: dict[int, list[Any]] = {}
        active = []
        for i, r, needs in _prepared(self.rules):
            if not isinstance(r.items[0], Dim):
                leading[i] = self._firsts(r.items[0])
                if not leading[i]:
                    continue
            active.append((i, r, needs))
        ran: dict[int, int] = {}  # rule → token count when it last ran
        newest = self.newest
        for round_ in range(12):
            before = self.count
            for i, r, needs in active:
                last = ran.get(i)
                if round_ and (not needs or (last is not None and _stale(newest, needs, last))):
                    continue  # regular expressions only, or nothing new of its dims since it ran
                if not all(d in newest for d in needs):
                    continue  # a dimension it needs has no token yet
                ran[i] = self.count
                self._apply(r, leading.get(i), last)
            if self.count == before or self.count >= MAX_TOKENS:
                break
        return [t for ts in self.by_start.values() for t in ts]


def _stale(newest: dict[str, int], needs: frozenset[str], last: int) -> bool:
    for d in needs:
        if newest.get(d, 0) > last:
            return False
    return True


_PREPARED: dict[int, tuple[Sequence[Rule], list[tuple[int, Rule, frozenset[str]]]]] = {}


def _prepared(rules: Sequence[Rule]) -> list[tuple[int, Rule, frozenset[str]]]:
    """Each rule with the dimensions it needs, computed once per rule set."""
    hit = _PREPARED.get(id(rules))
    if hit is None or hit[0] is not rules:
        table = [
            (i, r, frozenset(it.dim for it in r.items if isinstance(it, Dim)))
            for i, r in enumerate(rules)
        ]
        hit = _PREPARED[id(rules)] = (rules, table)
    return hit[1]
