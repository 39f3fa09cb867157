"""Words and their lemmas, for the pattern matcher (EN and RU).

:func:`tokenize` turns an utterance into the words patterns see: lower-cased, ``ё`` → ``е``,
punctuation dropped, digits split from letters (``"3pm"`` → ``3``, ``pm``); a ``/`` that starts a
word after a space or at the start is kept (``"/start"`` is one word), so the channel's
``/start`` never matches a user who says "start".

:func:`lemmas` gives every normal form of a word: Russian via pymorphy3 (``куплю`` → ``купить``,
``купля``; ``билета`` → ``билет``), English via simplemma (``tickets`` → ``ticket``, ``bought`` →
``buy``). simplemma knows ``buying`` as a noun only, so English ``-ing``/``-ed`` forms also get the
known verb stem (``buying`` → ``buy``, ``making`` → ``make``, ``running`` → ``run``). Lookups are
cached: a bot sees the same few hundred words again and again.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, NamedTuple

# A word: a run of digits or a run of letters; "/" joins a word only after a space or the start.
_WORD_RE = re.compile(r"(?:(?<!\S)/)?(?:\d+|[^\W\d_]+)")
_CYRILLIC_RE = re.compile(r"[а-я]")
_LATIN_RE = re.compile(r"[a-z]")


class Token(NamedTuple):  # a tuple: built for every word of every utterance, so cheap to make
    word: str  # normalized: lower case, ё → е
    start: int  # character offsets in the original text, end exclusive
    end: int
    raw: str  # as written (original case)


def normalize(word: str) -> str:
    """Lower case with ``ё`` folded into ``е`` (Russian spelling treats them as one letter)."""
    return word.lower().replace("ё", "е")


def tokenize(text: str) -> list[Token]:
    """The words of ``text`` with their character offsets (see the module docstring)."""
    return [
        Token(normalize(m.group()), m.start(), m.end(), m.group()) for m in _WORD_RE.finditer(text)
    ]


def words(text: str) -> list[str]:
    """Just the normalized words of ``text``."""
    return [t.word for t in tokenize(text)]


_morph: Any = None


def _russian() -> Any:
    global _morph
    if _morph is None:  # ~0.2 s to load the dictionaries: only when a Russian word shows up
        import pymorphy3  # type: ignore[import-untyped]

        _morph = pymorphy3.MorphAnalyzer()
    return _morph


def _english_lemmas(word: str) -> set[str]:
    import simplemma

    found = {simplemma.lemmatize(word, lang="en")}
    for suffix in ("ing", "ed"):
        stem = word[: -len(suffix)]
        if not word.endswith(suffix) or len(stem) < 3:
            continue
        # running → run, making → make, buying → buy: the first known candidate wins
        candidates = [stem + "e", stem]
        if stem[-1] == stem[-2]:
            candidates.append(stem[:-1])
        for candidate in candidates:
            if simplemma.is_known(candidate, lang="en"):
                found.add(simplemma.lemmatize(candidate, lang="en"))
                break
    return found


@lru_cache(maxsize=100_000)
def lemmas(word: str) -> frozenset[str]:
    """Every normal form of one normalized word, the word itself included."""
    found = {word}
    if _CYRILLIC_RE.search(word):
        found.update(normalize(p.normal_form) for p in _russian().parse(word))
    elif _LATIN_RE.search(word):
        found.update(_english_lemmas(word))
    return frozenset(found)
