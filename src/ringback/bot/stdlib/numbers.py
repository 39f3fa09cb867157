"""Numbers said in words or digits, EN and RU, up to the billions: the engine of ``$Number``.

``"двадцать пять"`` → 25, ``"две тысячи триста"`` → 2300, ``"one hundred and five"`` → 105,
``"a thousand"`` → 1000, ``"5 тысяч"`` → 5000, ``"1,5"`` → 1.5 (a decimal comma or point with no
space around it).
Russian words are recognised in any case form (``двух``, ``тысячи``, ``пятисот``) through their
lemmas. Every prefix that is a whole number is a possible match, so ``$Number $Number`` can split
"twenty five" as 20, 5 when a pattern needs it (the longest match weighs most otherwise).
"""

from __future__ import annotations

from collections.abc import Iterator

from ringback.bot.morph import lemmas

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
    "ноль": 0, "нуль": 0, "один": 1, "одна": 1, "одно": 1, "два": 2, "две": 2, "три": 3,
    "четыре": 4, "пять": 5, "шесть": 6, "семь": 7, "восемь": 8, "девять": 9, "десять": 10,
    "одиннадцать": 11, "двенадцать": 12, "тринадцать": 13, "четырнадцать": 14,
    "пятнадцать": 15, "шестнадцать": 16, "семнадцать": 17, "восемнадцать": 18,
    "девятнадцать": 19,
}  # fmt: skip
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
    "двадцать": 20, "тридцать": 30, "сорок": 40, "пятьдесят": 50, "шестьдесят": 60,
    "семьдесят": 70, "восемьдесят": 80, "девяносто": 90,
}  # fmt: skip
_HUNDREDS = {
    "сто": 100, "двести": 200, "триста": 300, "четыреста": 400, "пятьсот": 500,
    "шестьсот": 600, "семьсот": 700, "восемьсот": 800, "девятьсот": 900,
}  # fmt: skip
_SCALES = {
    "thousand": 1000, "million": 10**6, "billion": 10**9,
    "тысяча": 1000, "тыс": 1000, "миллион": 10**6, "млн": 10**6, "миллиард": 10**9,
    "млрд": 10**9,
}  # fmt: skip
_VOCAB: dict[str, tuple[str, int]] = {
    **{w: ("unit" if v < 10 else "teen", v) for w, v in _UNITS.items()},
    **{w: ("ten", v) for w, v in _TENS.items()},
    **{w: ("hundreds", v) for w, v in _HUNDREDS.items()},
    **{w: ("scale", v) for w, v in _SCALES.items()},
    "hundred": ("hundred", 100),
    "and": ("and", 0),
    "a": ("article", 1),
}

# within a group below 1000: what has been said so far
_EMPTY, _UNIT, _TEN, _HUNDRED, _DIGITS, _ZERO = range(6)


def word_kind(word: str) -> tuple[str, int] | None:
    """``(kind, value)`` of a number word: kind is unit, teen, ten, hundreds (RU сто…девятьсот),
    hundred (EN), scale, and, article (EN "a") or digits."""
    if word.isdigit():
        return ("digits", int(word))
    found = _VOCAB.get(word)
    if found is None and not word.isascii():
        for lemma in lemmas(word):
            found = _VOCAB.get(lemma)
            if found is not None:
                break
    return found


def parse_numbers(words: list[str], i: int, joins: list[str]) -> Iterator[tuple[int, int | float]]:
    """Every ``(end, value)`` such that ``words[i:end]`` says the number ``value``.

    ``joins[k]`` is the text between word ``k`` and word ``k + 1`` (for decimals: ``"1,5"``).
    """
    total = 0
    group = 0
    stage = _EMPTY
    last_scale = 10**12
    for k in range(i, len(words)):
        kind = word_kind(words[k])
        if kind is None:
            return
        name, value = kind
        if name == "article":  # "a hundred", "a thousand": "a" is one, there only
            following = word_kind(words[k + 1]) if k == i and k + 1 < len(words) else None
            if following is None or following[0] not in ("hundred", "scale"):
                return
            group, stage = 1, _UNIT
            continue
        if name == "and":  # "one hundred and five": only between parts of one number
            if k == i or stage not in (_HUNDRED, _EMPTY) or (stage == _EMPTY and total == 0):
                return
            continue
        if name == "digits":
            if k != i:
                return
            if k + 1 < len(words) and joins[k] in (",", ".") and words[k + 1].isdigit():
                yield k + 2, float(f"{words[k]}.{words[k + 1]}")
            group, stage = value, _DIGITS
        elif name == "unit" and value == 0:
            if k != i:
                return
            yield k + 1, 0
            return
        elif name in ("unit", "teen"):
            if stage not in (_EMPTY, _HUNDRED) and not (name == "unit" and stage == _TEN):
                return
            group += value
            stage = _UNIT
        elif name == "ten":
            if stage not in (_EMPTY, _HUNDRED):
                return
            group += value
            stage = _TEN
        elif name == "hundreds":
            if stage != _EMPTY:
                return
            group, stage = value, _HUNDRED
        elif name == "hundred":
            if stage == _EMPTY:
                group = 100
            elif (stage == _UNIT and group < 10) or (stage == _DIGITS and group < 10):
                group *= 100
            else:
                return
            stage = _HUNDRED
        else:  # a scale: thousand, million
            if value >= last_scale or stage == _ZERO:
                return
            total += (group or 1) * value
            group, stage, last_scale = 0, _EMPTY, value
        yield k + 1, total + group
