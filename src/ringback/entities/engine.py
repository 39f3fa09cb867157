"""A bottom-up chart parser in Duckling's manner.

Rules are sequences of items: a regular expression or a token test (``Dim``). Starting from the
regular-expression matches, every rule is applied to the chart again and again until nothing new
appears; consecutive items may only be separated by white space, and a regular-expression match
may not start or end inside a word (``rat 6`` has no "at"), exactly like Duckling's adjacency and
range checks. Each produced token records how many rule applications built it, which the ranking
uses to prefer the simplest reading of a span.

Evaluation is semi-naive: after the first round a rule only meets combinations holding a token
made since it last ran, and only if a token passing one of its tests has appeared since; every
new token is tested once against each test. Regular-expression matches are computed once per
text, and a rule is only tried on a text where each of its expressions can begin on some word
(:mod:`.prefixes` reads how their matches can begin once per rule set): most of a grammar never
runs on a given phrase. All of this only skips work that could not produce a token: the chart
holds the same tokens, made in the same order, as applying every rule in every round.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from functools import cache
from typing import Any

from ringback.entities.prefixes import DEPTH, known, prefixes
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


@cache
def compiled(pattern: str) -> re.Pattern[str]:
    """``pattern`` compiled once for good. ``re``'s own cache holds 512 expressions, which a
    process using many (this grammar, a bot's patterns, other libraries) keeps evicting: the
    rules that look a matched word up in a table of expressions would compile them anew."""
    return re.compile(pattern)


def rule(name: str, dim: str, items: Sequence[str | Dim], produce: Produce) -> Rule:
    patterns = tuple(
        re.compile(f"(?:{i}){_END}", re.IGNORECASE) if isinstance(i, str) else i for i in items
    )
    return Rule(name, dim, patterns, produce)


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
        self.by_start: dict[int, list[Token]] = defaultdict(list)
        self.keys: set[tuple[Any, ...]] = set()
        self.re_cache: dict[tuple[int, int], re.Match[str] | None] = {}
        self.found: dict[int, bool] = {}  # id of a pattern → whether it matches anywhere
        self.start_set = {
            i for i in range(len(text)) if not text[i].isspace() and _boundary(text, i)
        }
        # Where the next item may start after an item ending at a position: past white space.
        self.skip = list(range(len(text) + 1))
        for i in range(len(text) - 1, -1, -1):
            if text[i].isspace():
                self.skip[i] = self.skip[i + 1]
        self.count = 0
        self.dims: set[str] = set()  # the dimensions with a token
        self.passing: dict[int, _Passing] = {}  # id of a token test → the tokens passing it
        # Per dimension, the token tests of the rules that may apply, each with the tokens
        # passing it and the rules using it: a new token is tested once per test.
        self.active: list[int] = []
        self.watch: dict[str, list[tuple[Callable[[Any], bool] | None, _Passing, list[int]]]] = {}
        self.table = _prepared(rules)
        # Rules to run: never run yet, or a token passing one of their tests made since they ran.
        self.dirty: set[int] = set(range(len(self.table.rules)))

    def _regex_at(self, pattern: re.Pattern[str], pos: int) -> re.Match[str] | None:
        key = (id(pattern), pos)
        if key in self.re_cache:
            return self.re_cache[key]
        m = pattern.match(self.text, pos)
        if m is not None and m.end() > m.start() and not _boundary(self.text, m.end()):
            m = None
        self.re_cache[key] = m
        return m

    def _watch(self, dim: str) -> list[tuple[Callable[[Any], bool] | None, _Passing, list[int]]]:
        """The token tests of the active rules for ``dim``, set up with its first token."""
        watch: list[tuple[Callable[[Any], bool] | None, _Passing, list[int]]] = []
        users: dict[int, list[int]] = {}
        tests = self.table.tests
        for i in self.active:
            for item in tests[i].get(dim, ()):
                k = id(item)
                if k in users:
                    users[k].append(i)
                    continue
                users[k] = [i]
                hit = self.passing[k] = _Passing()
                watch.append((item.test, hit, users[k]))
        self.watch[dim] = watch
        return watch

    def _anywhere(self, pattern: re.Pattern[str]) -> bool:
        """Whether ``pattern`` matches anywhere in the text (one search per pattern)."""
        hit = self.found.get(id(pattern))
        if hit is None:
            hit = self.found[id(pattern)] = pattern.search(self.text) is not None
        return hit

    def _firsts(self, item: re.Pattern[str] | Dim, since: int = 0) -> list[Any]:
        if isinstance(item, Dim):
            tokens = self.passing[id(item)].tokens
            if since:  # tokens are kept in creation order: the fresh ones are a suffix
                return tokens[bisect_left(tokens, since, key=_seq) :]
            return list(tokens)
        # Searching finds, in C, the next position where the pattern matches at all (the match
        # there is the one ``match`` would give): only those positions are checked in Python.
        out = []
        text, starts, cache = self.text, self.start_set, self.re_cache
        pos = 0
        while (m := item.search(text, pos)) is not None:
            at = m.start()
            if at >= len(text):  # an empty match at the end is no start (and search clamps)
                break
            pos = at + 1
            if at not in starts:
                continue
            if m.end() > at and not _boundary(text, m.end()):
                cache[(id(item), at)] = None
                continue
            cache[(id(item), at)] = m
            out.append(m)
        return out

    def _add(self, r: Rule, parts: list[Any]) -> bool:
        ids = tuple(
            (p.start, p.end, p.key) if p.__class__ is Token else (p.start(), p.end()) for p in parts
        )
        key = (r.name, ids)
        if key in self.keys:
            return False
        self.keys.add(key)
        with budget():
            value = r.produce(self.ctx, *parts)
        if value is None:
            return False
        start, end = ids[0][0], ids[-1][1]
        size = 1 + sum(p.size for p in parts if p.__class__ is Token)
        token = Token(r.dim, start, end, value, size, r.name, key, self.count)
        self.by_start[start].append(token)
        self.count += 1
        self.dims.add(r.dim)
        watch = self.watch.get(r.dim)
        if watch is None:
            watch = self._watch(r.dim)
        for test, hit, users in watch:
            if test is None or test(value):
                hit.tokens.append(token)
                hit.by_start[start].append(token)
                self.dirty.update(users)
        return True

    def _apply(self, i: int, firsts: list[Any] | None, since: int | None) -> None:
        """Apply rule ``i``; with ``since``, only to combinations holding a token made since
        then (semi-naive evaluation: older combinations were tried when the rule last ran)."""
        r = self.table.rules[i]
        if since is None:
            self._expand(r, firsts, -1, 0)
            return
        dims, passing = self.table.dims[i], self.passing
        for _, item in dims:
            hit = passing.get(id(item))
            if hit is None or not hit.tokens:
                return  # an item no token passes: nothing to combine, now or after this run
        for j, item in dims:
            if passing[id(item)].tokens[-1].seq >= since:  # a fresh token passes it
                self._expand(r, firsts, j, since)

    def _expand(self, r: Rule, firsts: list[Any] | None, fresh_at: int, since: int) -> None:
        if firsts is None:
            firsts = self._firsts(r.items[0], since if fresh_at == 0 else 0)
        elif fresh_at == 0:
            firsts = [t for t in firsts if t.seq >= since]
        partials: list[list[Any]] = [[p] for p in firsts]
        skip, starts, n = self.skip, self.start_set, len(self.text)
        for j in range(1, len(r.items)):
            item = r.items[j]
            extended: list[list[Any]] = []
            if isinstance(item, Dim):
                by_start, fresh = self.passing[id(item)].by_start, since if j == fresh_at else 0
                for parts in partials:
                    last = parts[-1]
                    nexts = by_start.get(skip[last.end if last.__class__ is Token else last.end()])
                    if nexts:
                        extended.extend([*parts, t] for t in nexts if t.seq >= fresh)
            else:
                for parts in partials:
                    last = parts[-1]
                    pos = skip[last.end if last.__class__ is Token else last.end()]
                    if pos == n or pos in starts:  # not inside a word or a number
                        m = self._regex_at(item, pos)
                        if m is not None:
                            extended.append([*parts, m])
            partials = extended
            if not partials:
                return
        for parts in partials:
            if self.count >= MAX_TOKENS:
                return
            self._add(r, parts)

    def _candidates(self) -> Sequence[int]:
        """The rules (by number, in order) whose every expression may start on a word of the
        text, judged by how the expressions' matches can begin (see :mod:`.prefixes`)."""
        table, text = self.table, self.text
        heads: set[str] = set()
        for i in self.start_set:
            head = text[i : i + DEPTH]
            if not all(known(ch) for ch in head):
                return range(len(table.rules))  # a character the prefixes can't judge
            head = head.lower()
            heads.update(head[:n] for n in range(1, len(head) + 1))
        hits: dict[int, int] = defaultdict(int)  # rule → how many of its expressions may start
        by_prefix, requiring = table.by_prefix, table.requiring
        for n in set().union(*(by_prefix.get(h, ()) for h in heads)):
            for i in requiring[n]:
                hits[i] += 1
        required = table.required
        return sorted([*table.unfiltered, *(i for i, k in hits.items() if k == required[i])])

    def saturate(self) -> list[Token]:
        # Regular-expression matches never change: find them once. A rule of regular
        # expressions only applies in the first round; one with an expression that matches
        # nowhere never applies; one needing a dimension the chart lacks waits for it.
        table = self.table
        leading: dict[int, list[Any]] = {}
        active = []
        for i in self._candidates():
            r = table.rules[i]
            if not all(self._anywhere(p) for p in table.later[i]):
                continue
            if not isinstance(r.items[0], Dim):
                leading[i] = self._firsts(r.items[0])
                if not leading[i]:
                    continue
            active.append(i)
        self.active = active
        ran: dict[int, int] = {}  # rule → token count when it last ran
        present, dirty = self.dims, self.dirty
        for round_ in range(12):
            before = self.count
            for i in active:
                needs = table.needs[i]
                if round_ and (not needs or i not in dirty):
                    continue  # regular expressions only, or nothing new of its dims since it ran
                if not needs <= present:
                    continue  # a dimension it needs has no token yet
                last = ran.get(i)
                ran[i] = self.count
                dirty.discard(i)
                self._apply(i, leading.get(i), last)
            if self.count == before or self.count >= MAX_TOKENS:
                break
        return [t for ts in self.by_start.values() for t in ts]


def _seq(t: Token) -> int:
    return t.seq


class _Passing:
    """The tokens passing one token test, in creation order and by start."""

    __slots__ = ("by_start", "tokens")

    def __init__(self) -> None:
        self.tokens: list[Token] = []
        self.by_start: dict[int, list[Token]] = defaultdict(list)


@dataclass(frozen=True, slots=True)
class _Table:
    """What saturation needs to know of a rule set, computed once per rule set."""

    rules: Sequence[Rule]
    needs: list[frozenset[str]]  # per rule, the dimensions its items need
    later: list[tuple[re.Pattern[str], ...]]  # per rule, its regular expressions after the first
    dims: list[tuple[tuple[int, Dim], ...]]  # per rule, its token tests and their places
    tests: list[dict[str, tuple[Dim, ...]]]  # per rule, its distinct token tests by dimension
    # Expressions whose beginnings are known, by number: per rule, how many it has; per number,
    # the rules having it; per prefix, the numbers of those whose matches can start with it.
    # The rules without any are never filtered.
    required: list[int]
    requiring: list[list[int]]
    by_prefix: dict[str, frozenset[int]]
    unfiltered: list[int]


_PREPARED: dict[int, _Table] = {}


def _by_dim(tests: Iterable[Dim]) -> dict[str, tuple[Dim, ...]]:
    out: dict[str, list[Dim]] = defaultdict(list)
    for t in tests:
        out[t.dim].append(t)
    return {d: tuple(ts) for d, ts in out.items()}


def _prepared(rules: Sequence[Rule]) -> _Table:
    hit = _PREPARED.get(id(rules))
    if hit is None or hit.rules is not rules:
        needs = [frozenset(it.dim for it in r.items if isinstance(it, Dim)) for r in rules]
        later = [tuple(it for it in r.items[1:] if not isinstance(it, Dim)) for r in rules]
        dims = [
            tuple((j, it) for j, it in enumerate(r.items) if isinstance(it, Dim)) for r in rules
        ]
        # Expressions are numbered by identity (rules built from the same text share one).
        heads: dict[int, tuple[int, frozenset[str] | None]] = {}
        by_prefix: dict[str, set[int]] = defaultdict(set)
        required: list[int] = []
        requiring: list[list[int]] = []
        unfiltered: list[int] = []
        for i, r in enumerate(rules):
            mine: set[int] = set()
            for it in r.items:
                if isinstance(it, Dim):
                    continue
                if id(it) not in heads:
                    n = len(heads)
                    heads[id(it)] = (n, prefixes(it))
                    requiring.append([])
                    for head in heads[id(it)][1] or ():
                        by_prefix[head].add(n)
                n, first = heads[id(it)]
                if first is not None and n not in mine:
                    mine.add(n)
                    requiring[n].append(i)
            required.append(len(mine))
            if not mine:
                unfiltered.append(i)
        hit = _PREPARED[id(rules)] = _Table(
            rules,
            needs,
            later,
            dims,
            [_by_dim({id(it): it for _, it in d}.values()) for d in dims],
            required,
            requiring,
            {head: frozenset(ns) for head, ns in by_prefix.items()},
            unfiltered,
        )
    return hit
