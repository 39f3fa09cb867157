"""The standard named patterns written in Python: ones a word list cannot express.

``$AnyWord`` one word; ``$Text`` and ``$NonEmptyGarbage`` one or more words (their value is the
text); ``$Number`` a number in digits or words (value: the number); ``$mobilePhoneNumber`` a
phone number said as digits in any grouping (value: the digits, Russian numbers as ``7XXXXXXXXXX``);
``$Email`` (value: the address, lower case); ``$DateTime`` the ``@duckling.time`` entity when a
recogniser is registered under that name, else a date ``31.12.2024`` / ``31/12`` and/or a time
``10:30`` (value: ``{"day", "month", "year", "hour", "minute"}``, the parts that were said).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ringback.bot.patterns import PatternLibrary, Utterance
from ringback.bot.stdlib.numbers import parse_numbers


def any_word(u: Utterance, i: int) -> Iterator[tuple[int, Any]]:
    if i < u.n:
        yield i + 1, u.words[i]


def text(u: Utterance, i: int) -> Iterator[tuple[int, Any]]:
    for end in range(i + 1, u.n + 1):
        yield end, u.span_text(i, end)


def number(u: Utterance, i: int) -> Iterator[tuple[int, Any]]:
    yield from parse_numbers(u.words, i, u.joins)


def mobile_phone_number(u: Utterance, i: int) -> Iterator[tuple[int, Any]]:
    digits = ""
    plus = u.text[: u.tokens[i].start].rstrip().endswith("+") if i < u.n else False
    for k in range(i, u.n):
        if not u.words[k].isdigit():
            return
        digits += u.words[k]
        if len(digits) == 11 and digits[0] in "78" and digits[1] == "9":
            yield k + 1, "7" + digits[1:]
        elif len(digits) == 10 and digits[0] == "9" and not plus:
            yield k + 1, "7" + digits
        elif plus and 10 <= len(digits) <= 15 and digits[0] != "7":
            yield k + 1, digits
        if len(digits) > 15:
            return


def _word_end(u: Utterance, char_end: int) -> int | None:
    """The word index just past the word that ends at ``char_end``, if one does."""
    for k, t in enumerate(u.tokens):
        if t.end == char_end:
            return k + 1
    return None


_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def email(u: Utterance, i: int) -> Iterator[tuple[int, Any]]:
    if i >= u.n:
        return
    m = _EMAIL_RE.match(u.text, u.tokens[i].start)
    if m and (end := _word_end(u, m.end())) is not None:
        yield end, m.group().lower()


_DATE_RE = re.compile(
    r"(?:(?P<day>\d{1,2})[./-](?P<month>\d{1,2})(?:[./-](?P<year>\d{4}|\d{2}))?)?"
    r"(?:(?:(?<=\d)\s+|(?<!\d))(?P<hour>\d{1,2}):(?P<minute>\d{2}))?"
)


def date_time(u: Utterance, i: int) -> Iterator[tuple[int, Any]]:
    if i >= u.n:
        return
    if u.has_entity("duckling.time"):
        for start, end, value in u.entity_spans("duckling.time"):
            if start == i:
                yield end, value
        return
    m = _DATE_RE.match(u.text, u.tokens[i].start)
    last = _word_end(u, m.end()) if m and m.group() else None
    if m is None or last is None:
        return
    parts = {k: int(v) for k, v in m.groupdict().items() if v is not None}
    if "year" in parts and parts["year"] < 100:
        parts["year"] += 2000
    limits = {"day": (1, 31), "month": (1, 12), "hour": (0, 23), "minute": (0, 59)}
    if all(lo <= parts[k] <= hi for k, (lo, hi) in limits.items() if k in parts):
        yield last, parts


def install(library: PatternLibrary) -> None:
    library.define_native("AnyWord", any_word, points_per_word=0.2)
    library.define_native("Text", text, points_per_word=0.1)
    library.define_native("NonEmptyGarbage", text, points_per_word=0.1)
    library.define_native("Number", number)
    library.define_native("mobilePhoneNumber", mobile_phone_number)
    library.define_native("Email", email)
    library.define_native("DateTime", date_time)
