"""Numbers and ordinals, digits and words, English and Russian."""

from __future__ import annotations

import re
from typing import Any

from ringback.entities.engine import Context, Dim, Rule, compiled, rule
from ringback.entities.timevalue import Number, Ordinal

EN_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}  # fmt: skip
EN_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
EN_ORD = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
    "fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18,
    "nineteenth": 19, "twentieth": 20, "thirtieth": 30,
}  # fmt: skip

RU_UNITS = {
    r"ноль|нуля": 0,
    r"один|одна|одно|одну|одного|одной|одному|одним": 1,
    r"два|две|двух|двум|двумя": 2,
    r"три|тр[её]х|тр[её]м|тремя": 3,
    r"четыре|четыр[её]х|четыр[её]м": 4,
    r"пять|пяти|пятью": 5,
    r"шесть|шести": 6,
    r"семь|семи": 7,
    r"восемь|восьми": 8,
    r"девять|девяти": 9,
    r"десять|десяти": 10,
    r"одиннадцать|одиннадцати": 11,
    r"двенадцать|двенадцати": 12,
    r"тринадцать|тринадцати": 13,
    r"четырнадцать|четырнадцати": 14,
    r"пятнадцать|пятнадцати": 15,
    r"шестнадцать|шестнадцати": 16,
    r"семнадцать|семнадцати": 17,
    r"восемнадцать|восемнадцати": 18,
    r"девятнадцать|девятнадцати": 19,
}
RU_TENS = {
    r"двадцать|двадцати": 20,
    r"тридцать|тридцати": 30,
    r"сорок|сорока": 40,
    r"пятьдесят|пятидесяти": 50,
}
_RU_END = r"(?:ый|ий|ой|ая|ое|ье|ого|ьего|его|ому|ьему|ему|ую|ью|ей|ьей|ом|ьем|ем|ые|ых|ья|ым)"
RU_ORD = {
    "перв": 1, "втор": 2, "трет": 3, "четв[её]рт": 4, "пят": 5, "шест": 6, "седьм": 7,
    "восьм": 8, "девят": 9, "десят": 10, "одиннадцат": 11, "двенадцат": 12, "тринадцат": 13,
    "четырнадцат": 14, "пятнадцат": 15, "шестнадцат": 16, "семнадцат": 17,
    "восемнадцат": 18, "девятнадцат": 19, "двадцат": 20, "тридцат": 30,
}  # fmt: skip


def _alt(words: Any) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


def _lookup(table: dict[str, int], word: str) -> int:
    word = word.lower()
    for pattern, value in table.items():
        if compiled(pattern).fullmatch(word):
            return value
    raise KeyError(word)


def _int(v: float) -> bool:
    return v == int(v)


def _digits(_: Context, m: re.Match[str]) -> Number:
    return Number(int(m.group(0)))


def _decimal(_: Context, m: re.Match[str]) -> Number:
    return Number(float(m.group(0).replace(",", ".")))


def _sum(_: Context, tens: Any, units: Any) -> Number:
    return Number(tens.value.value + units.value.value, words=True)


def _dig_ord(_: Context, m: re.Match[str]) -> Ordinal:
    return Ordinal(int(m.group(1)))


def _thousands(_: Context, n: Any, m: re.Match[str]) -> Number | None:
    if not n.value.words or n.value.value >= 1000:
        return None
    scale = 1000 if m.group(0).lower().startswith("thousand") else 100
    return Number(n.value.value * scale, words=True, multiplier=True)


def _add_small(_: Context, big: Any, small: Any) -> Number | None:
    if not big.value.multiplier or not small.value.words or small.value.value >= 100:
        return None
    return Number(big.value.value + small.value.value, words=True)


def _words(table: dict[str, int]) -> Rule:
    return rule(
        "number words",
        "number",
        [rf"(?:{_alt(table)})\b"],
        lambda _, m: Number(table[m.group(0).lower()], words=True),
    )


def _is_unit(lo: int, hi: int) -> Dim:
    return Dim("number", lambda n: n.words and lo <= n.value <= hi and _int(n.value))


def en_rules() -> list[Rule]:
    tens = dict(EN_TENS.items())
    return [
        rule("integer", "number", [r"\d+"], _digits),
        rule("decimal", "number", [r"\d*\.\d+"], _decimal),
        _words(EN_UNITS),
        _words(tens),
        rule(
            "a couple",
            "number",
            [r"(a )?(couple|pair)( of)?"],
            lambda *_: Number(2, True, fuzzy=True),
        ),
        rule("a few", "number", [r"(a )?few"], lambda *_: Number(3, True, fuzzy=True)),
        rule("dozen", "number", [r"(a )?dozens?( of)?"], lambda *_: Number(12, True, fuzzy=True)),
        rule(
            "tens-units",
            "number",
            [Dim("number", lambda n: n.words and n.value in tens.values()), r"-?", _is_unit(1, 9)],
            lambda c, t, _h, u: _sum(c, t, u),
        ),
        rule(
            "tens units",
            "number",
            [Dim("number", lambda n: n.words and n.value in tens.values()), _is_unit(1, 9)],
            _sum,
        ),
        rule(
            "thousand",
            "number",
            [Dim("number", lambda n: n.words), r"(thousand|hundred)"],
            _thousands,
        ),
        rule(
            "thousand and",
            "number",
            [Dim("number", lambda n: n.multiplier), Dim("number", lambda n: n.words)],
            _add_small,
        ),
        rule("ordinal digits", "ordinal", [r"(\d+)\s*(st|nd|rd|th)\b"], _dig_ord),
        rule(
            "ordinal words",
            "ordinal",
            [rf"({_alt(EN_ORD)})\b"],
            lambda _, m: Ordinal(EN_ORD[m.group(1).lower()]),
        ),
        rule(
            "ordinal composite",
            "ordinal",
            [rf"(twenty|thirty)[\s-]+({_alt(EN_ORD)})\b"],
            lambda _, m: Ordinal(EN_TENS[m.group(1).lower()] + EN_ORD[m.group(2).lower()]),
        ),
    ]


def ru_rules() -> list[Rule]:
    def words(table: dict[str, int]) -> Rule:
        return rule(
            "number words ru",
            "number",
            [rf"(?:{_alt(table)})\b"],
            lambda _, m: Number(_lookup(table, m.group(0)), words=True),
        )

    def ordinal(_: Context, m: re.Match[str]) -> Ordinal:
        tens = _lookup(RU_TENS, m.group(1)) if m.group(1) else 0
        return Ordinal(tens + _lookup(RU_ORD, m.group(2)))

    return [
        rule("integer", "number", [r"\d+"], _digits),
        rule("decimal", "number", [r"\d*[.,]\d+"], _decimal),
        words(RU_UNITS),
        words(RU_TENS),
        rule("полтора", "number", [r"полтор[аы]"], lambda *_: Number(1.5, True)),
        rule("пара", "number", [r"пар[ауы]"], lambda *_: Number(2, True, fuzzy=True)),
        rule("несколько", "number", [r"несколь?к(о|их)"], lambda *_: Number(3, True, fuzzy=True)),
        rule(
            "tens units ru",
            "number",
            [Dim("number", lambda n: n.words and n.value in (20, 30, 40, 50)), _is_unit(1, 9)],
            _sum,
        ),
        rule(
            "ordinal digits ru",
            "ordinal",
            [r"(\d+)\s*-?\s*(?:ы?й|ий|ой|ая|ое|ье|ого|его|ому|ему|ую|го|е|я|й)\b"],
            _dig_ord,
        ),
        rule(
            "ordinal words ru",
            "ordinal",
            [rf"(?:({_alt(RU_TENS)})\s+)?({_alt(RU_ORD)}){_RU_END}\b"],
            ordinal,
        ),
    ]
