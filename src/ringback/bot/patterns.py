"""JAICP's pattern language, compiled once per bot into a weighted matcher.

A pattern matches the *whole* utterance (``* оператор *`` for "somewhere in it"), word by word,
case-insensitively; the utterance is cut into words by :func:`ringback.bot.morph.tokenize`.

Elements::

    *               any number of words, zero included
    word            that word only          word* / *word / *wor*   prefix, suffix, infix
    (a|b) (a/b)     alternatives, nested, each a sequence (``(добрый день|привет)``)
    [opt]           optional (``[a|b]`` too); matching it raises the weight
    {a b}           all of the elements, in any order
    ~lemma          every form of the word: ~купить matches куплю, ~ticket matches tickets
    $name           a named pattern of the library ($Number, $yes, a project's own)
    $name::alias    the same, stored in $parseTree under the alias
    @entity         an entity recogniser's match (@duckling.time), ``@entity::alias`` likewise
    $regexp<re>     a regular expression (``$regex<re>`` is the same, ``$regexp_i<re>`` ignores
                    case), matched in full against one word as written (with the punctuation
                    stuck to it: ``$regexp<\\+7\\d{10}>`` sees "+79123456789"); one that can
                    match what stands between words is also tried over several words, joined
                    by single spaces or as written (``$regexp<да нет>``, ``$regexp<\\d+:\\d+>``)
    $weight<+0.5>   adds 0.5 to the pattern's weight (``-0.2`` subtracts, ``1.5`` multiplies)
    /start          a word starting with "/" is literal text: the channel's /start command

Weights. Every word the pattern consumes earns points: 1.0 for a word matched exactly (also a
word of ``$Number``, ``$mobilePhoneNumber`` …, or of an ``@entity`` span), 0.9 for a ``~lemma``
match, 0.8 for an affix match, 0.8 for a whole ``$regexp`` match whatever it spans, 0.2 for the
word of ``$AnyWord``, 0.1 per word of ``$Text``/``$NonEmptyGarbage``, and 0 for words swallowed by
``*``. The pattern's weight is ``points / words in the utterance * multipliers + additions``
(``$weight<…>`` on the path that matched). The heaviest match wins; ties go to the pattern added
first. Worked example, utterance "хочу купить билет" (3 words)::

    хочу купить билет            3.0 / 3 = 1.00
    * ~купить ~билет             (0 + 0.9 + 0.9) / 3 = 0.60
    * купить [два] билет*        (0 + 1 + 0.8) / 3 = 0.60   (ties with the one above: order)
    * билет                      1.0 / 3 = 0.33
    * $weight<+0.5>              0 / 3 + 0.5 = 0.50
    *                            0.00

An ``[optional]`` that matches adds the points of its words, where ``*`` would add none, so
``* [пожалуйста] оператор`` weighs 2/3 on "позовите пожалуйста оператор" where ``* оператор``
weighs 1/3. A ``$weight`` inside alternatives counts when its branch matched; when several paths
match, the one with the best partial weight at each step is kept.

``$parseTree`` (:attr:`PatternMatch.parse_tree`) has JAICP's shape: ``tag``, ``pattern``,
``text``, ``words`` at every node; a named pattern or entity ``X`` adds the list ``X`` of its
sub-trees to its parent and ``_X`` (its value: the converter's result, else the matched text) to
the root, from any depth, first one wins. A dotted entity name appears both as
``"_duckling.time"`` and nested, ``_duckling: {time: …}``.

Speed: each pattern is a tree of nodes matched by memoized backtracking over the word list
(ends reachable from each position); before that a prefilter index skips every pattern one of
whose required words (or lemmas) is absent from the utterance.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Collection, Hashable, Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from typing import Any

from ringback.bot.morph import Token, lemmas, normalize, tokenize
from ringback.entities.types import EntityContext, EntityMatch, EntityRecognizer

EXACT = 1.0
LEMMA = 0.9
AFFIX = 0.8
REGEXP = 0.8

# (points, multiplier, addition, captures) of one way to match a node over a span
_Res = tuple[float, float, float, tuple["_Cap", ...]]
_Ends = dict[int, _Res]
_ZERO: _Res = (0.0, 1.0, 0.0, ())
# (words, lemmas): a match can only begin at a word in the first or with a lemma in the second
_Start = tuple[frozenset[str], frozenset[str]] | None
_NOTHING: _Start = (frozenset(), frozenset())


class PatternSyntaxError(Exception):
    """A malformed pattern: ``str()`` is ``file:line: message``."""

    def __init__(self, file: str, line: int, message: str) -> None:
        super().__init__(f"{file}:{line}: {message}")
        self.file = file
        self.line = line
        self.message = message


@dataclass(frozen=True)
class PatternMatch:
    key: Hashable
    weight: float
    parse_tree: dict[str, Any]


@dataclass(frozen=True, slots=True)
class _Cap:
    """A named pattern or entity inside a match: becomes a $parseTree sub-tree."""

    tag: str  # the alias, else the name
    name: str
    start: int
    end: int
    value: Any
    has_value: bool  # False: the value is the converter's result or the matched text
    converter: Converter | None
    children: tuple[_Cap, ...]


Converter = Callable[[dict[str, Any]], Any]
"""Turns the sub-tree of a named pattern into its value ($parseTree._Name)."""


NativeMatcher = Callable[["Utterance", int], Iterable[tuple[int, Any]]]
"""A named pattern written in Python: every ``(end, value)`` it can match from word ``i``."""


def _combine(a: _Res, b: _Res) -> _Res:
    return (a[0] + b[0], a[1] * b[1], a[2] + b[2], a[3] + b[3] if b[3] else a[3])


def _local(r: _Res) -> float:
    return r[0] * r[1] + r[2]


def _keep_best(ends: _Ends, end: int, res: _Res) -> None:
    old = ends.get(end)
    if old is None or _local(res) > _local(old):
        ends[end] = res


class Utterance:
    """One utterance being matched: its words, and what was computed about it so far."""

    def __init__(self, text: str, library: PatternLibrary, ctx: EntityContext | None) -> None:
        self.text = text
        self.tokens: list[Token] = tokenize(text)
        self.words = [t.word for t in self.tokens]
        self.n = len(self.words)
        self.library = library
        self.ctx = ctx
        self.memo: dict[tuple[int, int], _Ends] = {}
        self.active: set[tuple[int, int]] = set()  # named patterns being expanded: recursion guard
        self._entities: dict[str, list[tuple[int, int, Any]]] = {}
        self._lemmas: list[frozenset[str]] | None = None

    def lemmas(self, i: int) -> frozenset[str]:
        if self._lemmas is None:
            self._lemmas = [lemmas(w) for w in self.words]
        return self._lemmas[i]

    def features(self) -> set[str]:
        """Words and ``~lemmas`` present: what the prefilter index is keyed by."""
        return set().union(*map(_word_features, self.words))

    @cached_property
    def joins(self) -> list[str]:
        """``joins[k]``: the text between word ``k`` and word ``k + 1`` ("" after the last)."""
        t = self.tokens
        return [self.text[t[k].end : t[k + 1].start] for k in range(self.n - 1)] + [""]

    def span_forms(self, start: int, end: int) -> set[str]:
        """What a ``$regexp`` may see of words ``start``..``end``: the words as written joined
        by single spaces, the original text they cover, and that text with the punctuation
        that clings to it (``+7 912``: the ``+``)."""
        tokens = self.tokens
        text = self.text
        left, right = tokens[start].start, tokens[end - 1].end
        floor = tokens[start - 1].end if start else 0
        ceiling = tokens[end].start if end < self.n else len(text)
        outer_left, outer_right = left, right
        while outer_left > floor and not text[outer_left - 1].isspace():
            outer_left -= 1
        while outer_right < ceiling and not text[outer_right].isspace():
            outer_right += 1
        return {
            " ".join(t.raw for t in tokens[start:end]),
            text[left:right],
            text[outer_left:outer_right],
        }

    def span_text(self, start: int, end: int) -> str:
        """The original text from word ``start`` to word ``end`` (exclusive)."""
        if start >= end:
            return ""
        return self.text[self.tokens[start].start : self.tokens[end - 1].end]

    def has_entity(self, name: str) -> bool:
        return name in self.library.entities

    def entity_spans(self, name: str) -> list[tuple[int, int, Any]]:
        """``(first word, end word, value)`` of each match of a registered recogniser.

        Without an :class:`EntityContext` (the matcher was called without one) or a recogniser
        registered under ``name``, there are none.
        """
        spans = self._entities.get(name)
        if spans is None:
            recognizer = self.library.entities.get(name)
            spans = []
            if recognizer is not None and self.ctx is not None:
                spans = [s for m in recognizer(self.text, self.ctx) if (s := self._span(m))]
            self._entities[name] = spans
        return spans

    def _span(self, m: EntityMatch) -> tuple[int, int, Any] | None:
        inside = [i for i, t in enumerate(self.tokens) if t.start < m.end and t.end > m.start]
        if not inside:
            return None
        return inside[0], inside[-1] + 1, m.value


@lru_cache(maxsize=100_000)
def _word_features(word: str) -> frozenset[str]:
    return frozenset((word, *("~" + lemma for lemma in lemmas(word))))


# --- nodes -------------------------------------------------------------------------------------


class _Node:
    def ends(self, u: Utterance, i: int) -> _Ends:
        """Every end reachable from word ``i``, with the best way to get there; memoized per
        utterance (leaves override this: they are cheaper than the memo)."""
        key = (id(self), i)
        found = u.memo.get(key)
        if found is None:
            found = u.memo[key] = self._ends(u, i)
        return found

    def _ends(self, u: Utterance, i: int) -> _Ends:
        raise NotImplementedError

    def min_len(self, lib: PatternLibrary, seen: frozenset[str]) -> int:
        return 0

    def requirements(self, lib: PatternLibrary, seen: frozenset[str]) -> list[frozenset[str]]:
        """Clauses: for each, at least one of its features must be in the utterance."""
        return []

    def start(self, lib: PatternLibrary, seen: frozenset[str]) -> _Start:
        """The words (or lemmas) a non-empty match can begin with; None: any word."""
        return None


@dataclass(eq=False)
class _Word(_Node):
    word: str

    def ends(self, u: Utterance, i: int) -> _Ends:
        if i < u.n and u.words[i] == self.word:
            return {i + 1: (EXACT, 1.0, 0.0, ())}
        return {}

    def min_len(self, lib: PatternLibrary, seen: frozenset[str]) -> int:
        return 1

    def requirements(self, lib: PatternLibrary, seen: frozenset[str]) -> list[frozenset[str]]:
        return [frozenset((self.word,))]

    def start(self, lib: PatternLibrary, seen: frozenset[str]) -> _Start:
        return (frozenset((self.word,)), frozenset())


@dataclass(eq=False)
class _Lemma(_Node):
    forms: frozenset[str]

    def ends(self, u: Utterance, i: int) -> _Ends:
        if i < u.n and not self.forms.isdisjoint(u.lemmas(i)):
            return {i + 1: (LEMMA, 1.0, 0.0, ())}
        return {}

    def min_len(self, lib: PatternLibrary, seen: frozenset[str]) -> int:
        return 1

    def requirements(self, lib: PatternLibrary, seen: frozenset[str]) -> list[frozenset[str]]:
        return [frozenset("~" + f for f in self.forms)]

    def start(self, lib: PatternLibrary, seen: frozenset[str]) -> _Start:
        return (frozenset(), self.forms)


@dataclass(eq=False)
class _Affix(_Node):
    core: str
    prefix: bool  # "word*": the word starts with core
    suffix: bool  # "*word": the word ends with core

    def ends(self, u: Utterance, i: int) -> _Ends:
        if i >= u.n:
            return {}
        w = u.words[i]
        if self.prefix and self.suffix:
            ok = self.core in w
        elif self.prefix:
            ok = w.startswith(self.core)
        else:
            ok = w.endswith(self.core)
        return {i + 1: (AFFIX, 1.0, 0.0, ())} if ok else {}

    def min_len(self, lib: PatternLibrary, seen: frozenset[str]) -> int:
        return 1


class _Star(_Node):
    def ends(self, u: Utterance, i: int) -> _Ends:
        return dict.fromkeys(range(i, u.n + 1), _ZERO)


@dataclass(eq=False)
class _Weight(_Node):
    mult: float
    add: float

    def ends(self, u: Utterance, i: int) -> _Ends:
        return {i: (0.0, self.mult, self.add, ())}

    def start(self, lib: PatternLibrary, seen: frozenset[str]) -> _Start:
        return _NOTHING


@dataclass(eq=False)
class _Seq(_Node):
    items: list[_Node]
    # per item: what it can start with, unless it can match nothing (then anything goes)
    _plan: list[_Start] = field(init=False, default_factory=list)
    _planned_for: tuple[int, int] = field(init=False, default=(-1, -1))

    def plan(self, lib: PatternLibrary) -> list[_Start]:
        if self._planned_for != (id(lib), lib.version):
            none = frozenset[str]()
            self._plan = [
                item.start(lib, none) if item.min_len(lib, none) > 0 else None
                for item in self.items
            ]
            self._planned_for = (id(lib), lib.version)
        return self._plan

    def _ends(self, u: Utterance, i: int) -> _Ends:
        # The hot loop of matching: * and plain words, the commonest items, are inlined, and
        # other items are only tried where the word can begin them.
        current: _Ends = {i: _ZERO}
        words = u.words
        n = u.n
        for item, begin in zip(self.items, self.plan(u.library), strict=True):
            nxt: _Ends = {}
            kind = type(item)
            if kind is _Star:  # adds nothing: each end keeps the best start at or before it
                best: _Res | None = None
                for end in range(min(current), n + 1):
                    r = current.get(end)
                    if r is not None and (best is None or _local(r) > _local(best)):
                        best = r
                    if best is not None:
                        nxt[end] = best
            elif kind is _Word:
                word = item.word  # type: ignore[attr-defined]
                for pos, (points, mult, add, caps) in current.items():
                    if pos < n and words[pos] == word:
                        nxt[pos + 1] = (points + EXACT, mult, add, caps)
            else:
                for pos, res in current.items():
                    if begin is not None and (
                        pos >= n
                        or (
                            words[pos] not in begin[0]
                            and (not begin[1] or begin[1].isdisjoint(u.lemmas(pos)))
                        )
                    ):
                        continue
                    for end, r in item.ends(u, pos).items():
                        _keep_best(nxt, end, _combine(res, r))
            if not nxt:
                return nxt
            current = nxt
        return current

    def min_len(self, lib: PatternLibrary, seen: frozenset[str]) -> int:
        return sum(item.min_len(lib, seen) for item in self.items)

    def requirements(self, lib: PatternLibrary, seen: frozenset[str]) -> list[frozenset[str]]:
        return [c for item in self.items for c in item.requirements(lib, seen)]

    def start(self, lib: PatternLibrary, seen: frozenset[str]) -> _Start:
        parts = []
        for item in self.items:  # up to the first item that cannot match nothing
            parts.append(item.start(lib, seen))
            if item.min_len(lib, seen) > 0:
                break
        return _union(parts)


def _union(parts: Iterable[_Start]) -> _Start:
    words: set[str] = set()
    forms: set[str] = set()
    for part in parts:
        if part is None:
            return None
        words.update(part[0])
        forms.update(part[1])
    return (frozenset(words), frozenset(forms))


def _first_word(node: _Node) -> str | None:
    first = node.items[0] if isinstance(node, _Seq) else node
    return first.word if isinstance(first, _Word) else None


@dataclass(eq=False)
class _Alt(_Node):
    branches: list[_Node]
    # long word lists ($yes has dozens of branches): only branches that can start with the word
    _by_first: dict[str, list[_Node]] = field(init=False, default_factory=dict)
    _others: list[_Node] = field(init=False, default_factory=list)

    def __post_init__(self) -> None:
        if len(self.branches) < 6:
            self._others = self.branches
            return
        firsts = [_first_word(b) for b in self.branches]
        self._others = [b for b, f in zip(self.branches, firsts, strict=True) if f is None]
        for word in {f for f in firsts if f is not None}:
            # in their order: on a tie the earlier branch is the one kept
            self._by_first[word] = [
                b for b, f in zip(self.branches, firsts, strict=True) if f in (word, None)
            ]

    def _ends(self, u: Utterance, i: int) -> _Ends:
        found: _Ends = {}
        branches = self._by_first.get(u.words[i], self._others) if i < u.n else self._others
        for branch in branches:
            for end, r in branch.ends(u, i).items():
                _keep_best(found, end, r)
        return found

    def min_len(self, lib: PatternLibrary, seen: frozenset[str]) -> int:
        return min(b.min_len(lib, seen) for b in self.branches)

    def requirements(self, lib: PatternLibrary, seen: frozenset[str]) -> list[frozenset[str]]:
        union: set[str] = set()
        for branch in self.branches:
            clauses = branch.requirements(lib, seen)
            if not clauses:
                return []
            smallest: frozenset[str] = min(clauses, key=len)
            union.update(smallest)
        return [frozenset(union)]

    def start(self, lib: PatternLibrary, seen: frozenset[str]) -> _Start:
        return _union(b.start(lib, seen) for b in self.branches)


@dataclass(eq=False)
class _Optional(_Node):
    inner: _Node

    def _ends(self, u: Utterance, i: int) -> _Ends:
        found: _Ends = {i: _ZERO}
        for end, r in self.inner.ends(u, i).items():
            _keep_best(found, end, r)
        return found

    def start(self, lib: PatternLibrary, seen: frozenset[str]) -> _Start:
        return self.inner.start(lib, seen)


@dataclass(eq=False)
class _AnyOrder(_Node):
    items: list[_Node]

    def _ends(self, u: Utterance, i: int) -> _Ends:
        states: dict[tuple[int, int], _Res] = {(0, i): _ZERO}
        for _ in self.items:
            nxt: dict[tuple[int, int], _Res] = {}
            for (mask, pos), res in states.items():
                for j, item in enumerate(self.items):
                    if mask & (1 << j):
                        continue
                    for end, r in item.ends(u, pos).items():
                        key = (mask | (1 << j), end)
                        combined = _combine(res, r)
                        old = nxt.get(key)
                        if old is None or _local(combined) > _local(old):
                            nxt[key] = combined
            states = nxt
        found: _Ends = {}
        for (_, end), res in states.items():
            _keep_best(found, end, res)
        return found

    def min_len(self, lib: PatternLibrary, seen: frozenset[str]) -> int:
        return sum(item.min_len(lib, seen) for item in self.items)

    def requirements(self, lib: PatternLibrary, seen: frozenset[str]) -> list[frozenset[str]]:
        return [c for item in self.items for c in item.requirements(lib, seen)]

    def start(self, lib: PatternLibrary, seen: frozenset[str]) -> _Start:
        return _union(item.start(lib, seen) for item in self.items)


@dataclass(eq=False)
class _Regexp(_Node):
    source: str
    regex: re.Pattern[str]
    spans: bool  # can it match what stands between words, hence several words?

    def _ends(self, u: Utterance, i: int) -> _Ends:
        found: _Ends = {}
        last = u.n if self.spans else min(i + 1, u.n)
        for end in range(i + 1, last + 1):
            if any(self.regex.fullmatch(form) for form in u.span_forms(i, end)):
                found[end] = (REGEXP, 1.0, 0.0, ())
        return found

    def min_len(self, lib: PatternLibrary, seen: frozenset[str]) -> int:
        return 1


@dataclass(eq=False)
class _Entity(_Node):
    name: str
    alias: str | None

    def _ends(self, u: Utterance, i: int) -> _Ends:
        found: _Ends = {}
        for start, end, value in u.entity_spans(self.name):
            if start == i:
                cap = _Cap(self.alias or self.name, self.name, i, end, value, True, None, ())
                _keep_best(found, end, (EXACT * (end - i), 1.0, 0.0, (cap,)))
        return found

    def min_len(self, lib: PatternLibrary, seen: frozenset[str]) -> int:
        return 1


@dataclass(eq=False)
class _Named(_Node):
    name: str
    alias: str | None

    def ends(self, u: Utterance, i: int) -> _Ends:
        definition = u.library.lookup(self.name)
        if definition is None:
            return {}
        # memoized per definition, not per reference: fifty patterns using $Number share one
        key = (id(definition), i)
        found = u.memo.get(key)
        if found is None:
            if key in u.active:  # left recursion ($a = ($a x|y)): this path matches nothing
                return {}
            u.active.add(key)
            try:
                found = u.memo[key] = definition.ends(u, i)
            finally:
                u.active.discard(key)
        if self.alias is None:
            return found
        return {
            end: (points, mult, add, (replace(caps[0], tag=self.alias),))
            for end, (points, mult, add, caps) in found.items()
        }

    def min_len(self, lib: PatternLibrary, seen: frozenset[str]) -> int:
        definition = lib.lookup(self.name)
        if definition is None or definition.name in seen:
            return 0
        if definition.node is None:
            return definition.min_words
        return definition.node.min_len(lib, seen | {definition.name})

    def requirements(self, lib: PatternLibrary, seen: frozenset[str]) -> list[frozenset[str]]:
        definition = lib.lookup(self.name)
        if definition is None or definition.node is None or definition.name in seen:
            return []
        return definition.node.requirements(lib, seen | {definition.name})

    def start(self, lib: PatternLibrary, seen: frozenset[str]) -> _Start:
        definition = lib.lookup(self.name)
        if definition is None:
            return _NOTHING  # matches nothing
        if definition.node is None or definition.name in seen:
            return None
        return definition.node.start(lib, seen | {definition.name})


# --- the library -------------------------------------------------------------------------------


@dataclass(eq=False)
class _Definition:
    name: str
    file: str
    line: int
    text: str
    node: _Node | None = None  # a pattern, or
    native: NativeMatcher | None = None  # a Python matcher
    points_per_word: float = EXACT  # for natives
    min_words: int = 1  # for natives
    converter: Converter | None = None

    def ends(self, u: Utterance, i: int) -> _Ends:
        tag = self.name
        found: _Ends = {}
        if self.native is not None:
            for end, value in self.native(u, i):
                cap = _Cap(tag, self.name, i, end, value, True, None, ())
                _keep_best(found, end, (self.points_per_word * (end - i), 1.0, 0.0, (cap,)))
            return found
        assert self.node is not None
        for end, (points, mult, add, caps) in self.node.ends(u, i).items():
            cap = _Cap(tag, self.name, i, end, None, False, self.converter, caps)
            found[end] = (points, mult, add, (cap,))
        return found


class PatternLibrary:
    """Named patterns: the standard library plus a project's ``patterns:`` blocks, and entities.

    Names are case-sensitive, with a case-insensitive fallback (``$Yes`` finds ``$yes`` when no
    ``$Yes`` is defined). Defining a name again replaces it (a project may override the stdlib).
    """

    def __init__(self) -> None:
        self._defs: dict[str, _Definition] = {}
        self._folded: dict[str, _Definition] = {}
        self.entities: dict[str, EntityRecognizer] = {}
        self.version = 0  # bumped on every change: matchers rebuild their prefilter index

    @classmethod
    def standard(cls) -> PatternLibrary:
        """A fresh library holding ringback's standard library (see :mod:`ringback.bot.stdlib`)."""
        from ringback.bot import stdlib

        library = cls()
        stdlib.install(library)
        return library

    def define(
        self,
        name: str,
        text: str,
        *,
        file: str,
        line: int,
        converter: Converter | None = None,
    ) -> None:
        """``$name = text``; ``name`` with or without the ``$``. Syntax is checked now; the
        named patterns ``text`` refers to are looked up when matching, so order does not matter.
        """
        name = name.removeprefix("$")
        if not _NAME_RE.fullmatch(name):
            raise PatternSyntaxError(file, line, f"bad pattern name {name!r}: expected $Name")
        node = compile_pattern(text, file=file, line=line)
        self._put(_Definition(name, file, line, text, node=node, converter=converter))

    def define_native(
        self,
        name: str,
        matcher: NativeMatcher,
        *,
        points_per_word: float = EXACT,
        min_words: int = 1,
    ) -> None:
        """A named pattern written in Python (``$Number``, ``$AnyWord`` …)."""
        self._put(
            _Definition(
                name,
                "<native>",
                0,
                name,
                native=matcher,
                points_per_word=points_per_word,
                min_words=min_words,
            )
        )

    def define_block(self, body: str, *, file: str, line: int) -> dict[str, str]:
        """The lines of a ``patterns:`` block (``$name = pattern``), ``line`` being the first's.

        ``$name = pattern || converter = fn`` is accepted; the JS converters are returned
        (``{name: "fn"}``) for the runtime to apply, since they run in the script engine.
        """
        converters: dict[str, str] = {}
        for offset, raw in enumerate(body.splitlines()):
            text = raw.strip()
            if not text or text.startswith(("#", "//")):
                continue
            m = _DEFINITION_RE.fullmatch(text)
            if m is None:
                raise PatternSyntaxError(
                    file, line + offset, f"expected '$name = pattern' in patterns:, got {text!r}"
                )
            pattern, _, options = m.group("pattern").partition("||")
            self.define(m.group("name"), pattern.strip(), file=file, line=line + offset)
            conv = re.search(r"converter\s*=\s*(.+)", options)
            if conv:
                converters[m.group("name")] = conv.group(1).strip()
        return converters

    def add_entity(self, name: str, recognizer: EntityRecognizer) -> None:
        """Make ``@name`` match what ``recognizer`` finds."""
        self.entities[name] = recognizer
        self.version += 1

    def lookup(self, name: str) -> _Definition | None:
        return self._defs.get(name) or self._folded.get(name.lower())

    def names(self) -> set[str]:
        return set(self._defs)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.lookup(name.removeprefix("$")) is not None

    def _put(self, definition: _Definition) -> None:
        self._defs[definition.name] = definition
        self._folded[definition.name.lower()] = definition
        self.version += 1


_NAME_RE = re.compile(r"[^\W\d]\w*")
_DEFINITION_RE = re.compile(r"\$(?P<name>[^\W\d]\w*)\s*=\s*(?P<pattern>.+)")


# --- the compiler ------------------------------------------------------------------------------

_SPECIAL = set("()[]{}|")
_CLOSERS = {"(": ")", "[": "]", "{": "}"}


class _Parser:
    def __init__(self, text: str, file: str, line: int) -> None:
        self.text = text
        self.file = file
        self.line = line
        self.pos = 0
        self.refs: list[tuple[str, str]] = []  # ("$", name) / ("@", entity) referenced

    def error(self, message: str, expected: str | None = None) -> PatternSyntaxError:
        """``unclosed '(' in pattern "(a|b": expected ')'``"""
        text = f'{message} in pattern "{self.text}"'
        if expected is not None:
            text += f": expected {expected}"
        return PatternSyntaxError(self.file, self.line, text)

    def parse(self) -> _Node:
        node = _either(self.branches(closer=None))
        if not self.text.strip():
            raise self.error("empty pattern")
        return node

    def branches(self, closer: str | None) -> list[list[_Node]]:
        """The alternatives (each a list of items) up to ``closer`` (None: the end)."""
        opener_pos = self.pos - 1
        options: list[list[_Node]] = []
        items: list[_Node] = []
        while True:
            if self.pos >= len(self.text):
                if closer is not None:
                    opener = self.text[opener_pos]
                    raise self.error(f"unclosed {opener!r}", repr(closer))
                break
            c = self.text[self.pos]
            if c.isspace():
                self.pos += 1
            elif c in "|" or (c == "/" and closer in (")", "]") and not self._slash_word()):
                options.append(items)
                items = []
                self.pos += 1
            elif c in ")]}":
                if c != closer:
                    raise self.error(f"unexpected {c!r}")
                self.pos += 1
                break
            elif (node := self.item()) is not None:
                items.append(node)
        options.append(items)
        return options

    def _slash_word(self) -> bool:
        """Inside a group, "/" starts a literal word (``(/start|go)``) or separates (``(a/b)``)."""
        before = self.text[self.pos - 1] if self.pos else " "
        after = self.text[self.pos + 1 : self.pos + 2]
        return (before.isspace() or before in "([|") and after.isalnum()

    def item(self) -> _Node | None:
        """One element; None for a word that is only punctuation (``?``), which says nothing."""
        c = self.text[self.pos]
        if c in "([{":
            self.pos += 1
            options = self.branches(closer=_CLOSERS[c])
            if c == "{":  # {a b}: its items in any order; {a|b c}: that one choice
                return _AnyOrder(options[0] if len(options) == 1 else [_either(options)])
            inner = _either(options)
            return _Optional(inner) if c == "[" else inner
        if c == "$":
            return self.dollar()
        if c == "@":
            self.pos += 1
            m = re.compile(r"[\w.\-]+").match(self.text, self.pos)
            if m is None:
                raise self.error("no name after '@'", "an entity name")
            self.pos = m.end()
            alias = self.alias()
            self.refs.append(("@", m.group()))
            return _Entity(m.group(), alias)
        if c == "~":
            self.pos += 1
            word = self.word_text()
            if not word:
                raise self.error("no word after '~'", "~lemma")
            return _words([_Lemma(lemmas(t.word)) for t in tokenize(word)])
        return self.word()

    def word_text(self) -> str:
        start = self.pos
        text = self.text
        while self.pos < len(text):
            c = text[self.pos]
            if c.isspace() or c in _SPECIAL or (c in "$@~" and self.pos > start):
                break
            if c == "/" and self.pos > start:
                break
            self.pos += 1
        return text[start : self.pos]

    def word(self) -> _Node | None:
        raw = self.word_text()
        if not raw:
            raise self.error(f"unexpected {self.text[self.pos]!r}")
        if set(raw) == {"*"}:
            return _Star()
        if raw.startswith("*") or raw.endswith("*"):
            core = normalize(raw.strip("*"))
            if "*" in core or not core:
                raise self.error(f"bad affix {raw!r}", "word*, *word or *word*")
            return _Affix(core, prefix=raw.endswith("*"), suffix=raw.startswith("*"))
        if "*" in raw:
            raise self.error(f"bad affix {raw!r}", "'*' at the start or the end of a word")
        return _words([_Word(t.word) for t in tokenize(raw)])

    def alias(self) -> str | None:
        if not self.text.startswith("::", self.pos):
            return None
        m = _NAME_RE.match(self.text, self.pos + 2)
        if m is None:
            raise self.error("no alias after '::'", "a name")
        self.pos = m.end()
        return m.group()

    def dollar(self) -> _Node:
        m = _NAME_RE.match(self.text, self.pos + 1)
        if m is None:
            raise self.error("no name after '$'", "a pattern name")
        name = m.group()
        self.pos = m.end()
        lowered = name.lower()
        if lowered in ("regexp", "regex", "regexp_i", "regex_i"):
            return self.regexp(self.angle(name), ignore_case=lowered.endswith("_i"))
        if lowered == "weight":
            return self.weight(self.angle(name))
        alias = self.alias()
        self.refs.append(("$", name))
        return _Named(name, alias)

    def angle(self, name: str) -> str:
        """The text between ``<`` and its matching ``>`` (``<`` ``>`` nest; ``\\>`` and ``[>]``
        do not close)."""
        if not self.text.startswith("<", self.pos):
            raise self.error(f"no '<' after ${name}", f"${name}<…>")
        depth = 0
        in_class = False
        i = self.pos + 1
        while i < len(self.text):
            c = self.text[i]
            if c == "\\":
                i += 2
                continue
            if in_class:
                in_class = c != "]"
            elif c == "[":
                in_class = True
            elif c == "<":
                depth += 1
            elif c == ">":
                if depth == 0:
                    content = self.text[self.pos + 1 : i]
                    self.pos = i + 1
                    return content
                depth -= 1
            i += 1
        raise self.error(f"unclosed '<' after ${name}", "'>'")

    def regexp(self, source: str, *, ignore_case: bool) -> _Node:
        try:
            regex = re.compile(source, re.IGNORECASE if ignore_case else 0)
        except re.error as e:
            raise self.error(f"bad regexp <{source}> ({e})", "a valid regexp") from None
        return _Regexp(source, regex, _can_span(regex))

    def weight(self, source: str) -> _Node:
        s = source.strip()
        try:
            value = float(s)
        except ValueError:
            raise self.error(f"bad weight <{source}>", "+0.5, -0.2 or 1.5") from None
        if s.startswith(("+", "-")):
            return _Weight(1.0, value)
        return _Weight(value, 0.0)


def _seq(items: list[_Node]) -> _Node:
    return items[0] if len(items) == 1 else _Seq(items)


def _either(options: list[list[_Node]]) -> _Node:
    return _seq(options[0]) if len(options) == 1 else _Alt([_seq(o) for o in options])


def _words(nodes: list[_Node]) -> _Node | None:
    """The words one pattern word stands for ("кто-то" is two); None if only punctuation."""
    return _seq(nodes) if nodes else None


def _can_span(regex: re.Pattern[str]) -> bool:
    """Could the regexp match a character that stands between words (a space, "-", ":", "+" …),
    so that it is worth trying over several words?

    Read off the parsed regexp (CPython's ``re._parser``): a literal that is not a letter or a
    digit, ``.``, a negated character or class, or a class holding ``\\s``, ``\\W`` and the
    like. Anything unfamiliar (or a parser that moved) counts as yes, which only costs time.
    """
    try:
        from re import _constants as sre  # type: ignore[attr-defined]
        from re import _parser  # type: ignore[attr-defined]

        return _spanning(_parser.parse(regex.pattern, regex.flags), sre)
    except Exception:
        return True


def _separator(code: int) -> bool:
    return not chr(code).isalnum()


def _range_has_separator(low: int, high: int) -> bool:
    return any(map(_separator, range(low, min(high, low + 512) + 1)))  # wide ranges: a sample


def _spanning(items: Any, sre: Any) -> bool:
    narrow = {sre.CATEGORY_DIGIT, sre.CATEGORY_WORD, sre.CATEGORY_UNI_DIGIT, sre.CATEGORY_UNI_WORD}
    for op, av in items:
        if op is sre.LITERAL:
            found = _separator(av)
        elif op is sre.IN:
            found = any(
                (iop is sre.LITERAL and _separator(iav))
                or (iop is sre.RANGE and _range_has_separator(*iav))
                or (iop is sre.CATEGORY and iav not in narrow)
                or iop is sre.NEGATE
                for iop, iav in av
            )
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", None)):
            found = _spanning(av[2], sre)
        elif op is sre.SUBPATTERN:
            found = _spanning(av[-1], sre)
        elif op is getattr(sre, "ATOMIC_GROUP", None):
            found = _spanning(av, sre)
        elif op is sre.BRANCH:
            found = any(_spanning(branch, sre) for branch in av[1])
        elif op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):
            found = False  # zero width
        else:  # ANY, NOT_LITERAL, back references, …
            found = True
        if found:
            return True
    return False


def compile_pattern(text: str, *, file: str, line: int) -> _Node:
    """Compile one pattern; :class:`PatternSyntaxError` says what was expected where."""
    return _Parser(text, file, line).parse()


# --- the matcher -------------------------------------------------------------------------------


@dataclass(eq=False)
class _Entry:
    order: int
    key: Hashable
    text: str
    node: _Node
    refs: list[tuple[str, str]]
    file: str
    line: int
    clauses: list[frozenset[str]] = field(default_factory=list)
    min_len: int = 0


class Matcher:
    """The triggers of one bot, compiled once; :meth:`match` scores an utterance against them."""

    def __init__(self, library: PatternLibrary) -> None:
        self.library = library
        self._entries: list[_Entry] = []
        self._by_key: dict[Hashable, list[_Entry]] = {}
        self._index: dict[str, list[_Entry]] = {}
        self._always: list[_Entry] = []
        self._indexed_version = -1

    def add(self, key: Hashable, pattern: str, *, file: str, line: int) -> None:
        """Compile ``pattern`` now (:class:`PatternSyntaxError`); a key may get several."""
        parser = _Parser(pattern, file, line)
        node = parser.parse()
        entry = _Entry(len(self._entries), key, pattern, node, parser.refs, file, line)
        self._entries.append(entry)
        self._by_key.setdefault(key, []).append(entry)
        self._indexed_version = -1

    def missing(self) -> list[tuple[str, str, int]]:
        """``("$name" or "@entity", file, line)`` for each reference nothing answers to yet.

        Such a reference matches nothing; the loader reports these as errors or warnings.
        """
        found = []
        for entry in self._entries:
            for kind, name in entry.refs:
                known = name in self.library if kind == "$" else name in self.library.entities
                if not known:
                    found.append((kind + name, entry.file, entry.line))
        return found

    def match(
        self,
        text: str,
        keys: Collection[Hashable] | None = None,
        ctx: EntityContext | None = None,
    ) -> list[PatternMatch]:
        """Every key with a pattern matching ``text``, heaviest first (ties: order added).

        A key with several patterns appears once, with its best. ``keys`` limits the
        candidates; ``ctx`` is needed for ``@entity`` references (without it they match
        nothing).
        """
        self._reindex()
        u = Utterance(text, self.library, ctx)
        candidates = self._candidates(u, keys)
        scored: list[tuple[float, int, _Entry, _Res]] = []
        for entry in candidates:
            res = entry.node.ends(u, 0).get(u.n)
            if res is not None:
                weight = res[0] / max(u.n, 1) * res[1] + res[2]
                scored.append((-weight, entry.order, entry, res))
        scored.sort(key=lambda s: (s[0], s[1]))
        seen: set[Hashable] = set()
        matches = []
        for neg_weight, _, entry, res in scored:
            if entry.key in seen:
                continue
            seen.add(entry.key)
            tree = build_parse_tree(u, entry.text, res[3])
            matches.append(PatternMatch(entry.key, -neg_weight, tree))
        return matches

    def _candidates(self, u: Utterance, keys: Collection[Hashable] | None) -> list[_Entry]:
        features = u.features()
        pool: Iterable[_Entry]
        if keys is not None and len(keys) <= 16:  # a few keys: their entries directly
            pool = (e for k in keys for e in self._by_key.get(k, ()))
        else:  # many (a runtime passes every trigger in scope): the index, then the keys
            chosen = {id(e): e for f in features for e in self._index.get(f, ())}
            pool = [*self._always, *chosen.values()]
            if keys is not None:
                allowed = keys if isinstance(keys, AbstractSet) else set(keys)
                pool = [e for e in pool if e.key in allowed]
        found = [
            e
            for e in pool
            if e.min_len <= u.n and all(not c.isdisjoint(features) for c in e.clauses)
        ]
        found.sort(key=lambda e: e.order)
        return found

    def _reindex(self) -> None:
        if self._indexed_version == self.library.version:
            return
        self._index = {}
        self._always = []
        uses: Counter[str] = Counter()  # feature → entries that require it in some clause
        for entry in self._entries:
            entry.clauses = entry.node.requirements(self.library, frozenset())
            entry.min_len = entry.node.min_len(self.library, frozenset())
            uses.update({f for clause in entry.clauses for f in clause})
        for entry in self._entries:
            if entry.clauses:
                # Index an entry under its most selective clause: the one whose features the
                # fewest entries share. A common word ("please", or the "w" that "w12" splits
                # into) would otherwise put most entries under one key, and every utterance
                # holding it would try them all.
                clause = min(entry.clauses, key=lambda c: sum(uses[f] for f in c))
                for feature in clause:
                    self._index.setdefault(feature, []).append(entry)
            else:
                self._always.append(entry)
        self._indexed_version = self.library.version


# --- $parseTree --------------------------------------------------------------------------------


def build_parse_tree(u: Utterance, pattern: str, caps: tuple[_Cap, ...]) -> dict[str, Any]:
    """The JAICP ``$parseTree`` of a whole-utterance match (see the module docstring)."""
    root: dict[str, Any] = {"tag": "root", "pattern": pattern, "text": u.text, "words": u.words}
    _attach(u, root, root, caps)
    return root


def _attach(
    u: Utterance, root: dict[str, Any], parent: dict[str, Any], caps: Iterable[_Cap]
) -> None:
    for cap in caps:
        sub: dict[str, Any] = {
            "tag": cap.tag,
            "pattern": cap.name,
            "text": u.span_text(cap.start, cap.end),
            "words": u.words[cap.start : cap.end],
        }
        _attach(u, root, sub, cap.children)
        if cap.has_value:
            value = cap.value
        elif cap.converter is not None:
            value = cap.converter(sub)
        else:
            value = sub["text"]
        sub["value"] = value
        parent.setdefault(cap.tag, []).append(sub)
        root.setdefault("_" + cap.tag, value)
        if "." in cap.tag:  # "_duckling.time" also as _duckling: {time: …}
            head, *rest = cap.tag.split(".")
            node = root.setdefault("_" + head, {})
            for part in rest[:-1]:
                node = node.setdefault(part, {}) if isinstance(node, dict) else {}
            if isinstance(node, dict):
                node.setdefault(rest[-1], value)
