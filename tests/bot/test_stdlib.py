"""ringback's standard named patterns: $Number and its conversions, the word lists (EN and RU),
phone numbers, e-mail, dates, and which `require:` names the library answers to."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ringback.bot.patterns import Matcher, PatternLibrary
from ringback.bot.stdlib import is_standard_library

STD = PatternLibrary.standard()


def value(pattern: str, text: str, name: str) -> Any:
    matcher = Matcher(STD)
    matcher.add("k", pattern, file="main.sc", line=1)
    found = matcher.match(text)
    assert found, f"{pattern!r} should match {text!r}"
    return found[0].parse_tree["_" + name]


def matches(pattern: str, text: str) -> bool:
    matcher = Matcher(STD)
    matcher.add("k", pattern, file="main.sc", line=1)
    return bool(matcher.match(text))


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("5", 5),
        ("007", 7),
        ("1000000", 1000000),
        ("ноль", 0),
        ("zero", 0),
        ("семь", 7),
        ("двадцать пять", 25),
        ("сто", 100),
        ("сто двенадцать", 112),
        ("девятьсот девяносто девять", 999),
        ("тысяча", 1000),
        ("две тысячи двадцать четыре", 2024),
        ("пять тысяч", 5000),
        ("двух тысяч", 2000),  # any case form
        ("пятисот", 500),
        ("три миллиона двести тысяч", 3_200_000),
        ("миллион", 1_000_000),
        ("5 тысяч", 5000),
        ("1,5", 1.5),
        ("2.75", 2.75),
        ("one", 1),
        ("twenty-one", 21),
        ("ninety nine", 99),
        ("one hundred and five", 105),
        ("five hundred thousand", 500_000),
        ("two million three hundred forty five thousand six hundred seventy eight", 2_345_678),
        ("a thousand", 1000),
        ("a hundred and one", 101),
        ("3 million", 3_000_000),
    ],
)
def test_number_converts_digits_and_words(text: str, number: float) -> None:
    assert value("$Number", text, "Number") == number


@pytest.mark.parametrize(
    "text",
    [
        "двадцать двадцать",
        "пять двадцать",
        "сто сто",
        "тысяча миллион",
        "and five",
        "ноль пять",
        "a",
        "a five",
    ],
)
def test_number_rejects_what_is_not_one_number(text: str) -> None:
    assert not matches("$Number", text)


def test_number_inside_a_phrase_and_split_in_two() -> None:
    assert value("* $Number (билет*|ticket*)", "мне двадцать два билета", "Number") == 22
    assert value("I need $Number tickets", "I need twenty five tickets", "Number") == 25
    matcher = Matcher(STD)
    matcher.add("k", "$Number::a $Number::b", file="main.sc", line=1)
    tree = matcher.match("twenty five")[0].parse_tree
    assert (tree["_a"], tree["_b"]) == (20, 5)


_EN_UNITS = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()  # noqa: E501
_EN_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_RU_UNITS = "ноль один два три четыре пять шесть семь восемь девять десять одиннадцать двенадцать тринадцать четырнадцать пятнадцать шестнадцать семнадцать восемнадцать девятнадцать".split()  # noqa: E501
_RU_TENS = (
    "_ _ двадцать тридцать сорок пятьдесят шестьдесят семьдесят восемьдесят девяносто".split()
)
_RU_HUNDREDS = "_ сто двести триста четыреста пятьсот шестьсот семьсот восемьсот девятьсот".split()


def _en_group(n: int) -> list[str]:
    out = []
    if n >= 100:
        out += [_EN_UNITS[n // 100], "hundred"]
        n %= 100
    if n >= 20:
        out.append(_EN_TENS[n // 10])
        n %= 10
        if n:
            out.append(_EN_UNITS[n])
    elif n:
        out.append(_EN_UNITS[n])
    return out


def say_en(n: int) -> str:
    if n == 0:
        return "zero"
    out = []
    for scale, word in ((10**6, "million"), (1000, "thousand")):
        if n >= scale:
            out += [*_en_group(n // scale), word]
            n %= scale
    return " ".join(out + _en_group(n))


def _ru_group(n: int, feminine: bool) -> list[str]:
    out = []
    if n >= 100:
        out.append(_RU_HUNDREDS[n // 100])
        n %= 100
    if n >= 20:
        out.append(_RU_TENS[n // 10])
        n %= 10
    if n:
        word = _RU_UNITS[n]
        if feminine and n in (1, 2):
            word = {1: "одна", 2: "две"}[n]
        out.append(word)
    return out


def say_ru(n: int) -> str:
    if n == 0:
        return "ноль"
    out = []
    for scale, forms, feminine in (
        (10**6, ("миллион", "миллиона", "миллионов"), False),
        (1000, ("тысяча", "тысячи", "тысяч"), True),
    ):
        if n >= scale:
            k = n // scale
            last = k % 100 if 10 < k % 100 < 20 else k % 10
            form = forms[0] if last == 1 else forms[1] if 2 <= last <= 4 else forms[2]
            out += [*_ru_group(k, feminine), form]
            n %= scale
    return " ".join(out + _ru_group(n, False))


@settings(max_examples=150)
@given(st.integers(min_value=0, max_value=999_999_999))
def test_number_reads_back_every_number_spelled_in_english_and_russian(n: int) -> None:
    assert value("$Number", say_en(n), "Number") == n
    assert value("$Number", say_ru(n), "Number") == n


@pytest.mark.parametrize(
    ("name", "yes", "no"),
    [
        ("yes", ["да", "Да, конечно", "ага", "yes", "yeah sure", "of course"], ["нет", "no"]),
        ("no", ["нет", "неа", "не надо", "no", "nope", "no thanks"], ["да", "yes"]),
        ("hello", ["привет", "Здравствуйте", "добрый день", "hello", "good morning"], ["пока"]),
        ("bye", ["пока", "до свидания", "всего доброго", "bye", "see you"], ["привет"]),
        ("thanks", ["спасибо", "благодарю", "thank you", "thanks"], ["нет"]),
        (
            "switchToOperator",
            [
                "оператор",
                "позовите оператора",
                "соедините со специалистом",
                "хочу поговорить с живым человеком",
                "operator",
                "can I talk to a human",
                "connect me to an agent",
            ],
            ["не знаю", "talk to me"],
        ),
        ("obsceneWord", ["блядь", "fucking", "shit"], ["хлеба", "привет", "ok"]),
        ("dontKnow", ["не знаю", "без понятия", "I don't know", "not sure"], ["знаю"]),
    ],
)
def test_word_list_patterns(name: str, yes: list[str], no: list[str]) -> None:
    for text in yes:
        assert matches(f"* ${name} *", text), text
    for text in no:
        assert not matches(f"* ${name} *", text), text


def test_any_word_text_and_non_empty_garbage() -> None:
    assert value("меня зовут $AnyWord", "Меня зовут Анна", "AnyWord") == "анна"
    assert not matches("меня зовут $AnyWord", "меня зовут")
    assert not matches("меня зовут $AnyWord", "меня зовут анна мария")
    assert value("my name is $Text", "My name is Anna Maria", "Text") == "Anna Maria"
    assert not matches("my name is $Text", "my name is")
    assert matches("$NonEmptyGarbage", "что-то там")
    assert not matches("$NonEmptyGarbage", "")
    # wildcards weigh less than words
    matcher = Matcher(STD)
    for p in ("* $AnyWord", "* анна", "*"):
        matcher.add(p, p, file="main.sc", line=1)
    assert [m.key for m in matcher.match("меня зовут анна")] == ["* анна", "* $AnyWord", "*"]


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("8 912 345-67-89", "79123456789"),
        ("+7 (912) 345 67 89", "79123456789"),
        ("9123456789", "79123456789"),
        ("мой номер 89123456789", "79123456789"),
        ("+44 7911 123456", "447911123456"),
    ],
)
def test_mobile_phone_number_gives_digits(text: str, digits: str) -> None:
    assert value("* $mobilePhoneNumber", text, "mobilePhoneNumber") == digits


def test_mobile_phone_number_rejects_short_and_landline_like_numbers() -> None:
    assert not matches("* $mobilePhoneNumber", "123 45")
    assert not matches("* $mobilePhoneNumber", "8 495 123 45 67")


def test_email() -> None:
    assert value("* $Email *", "пишите на Ivan.Petrov@Mail.ru спасибо", "Email") == (
        "ivan.petrov@mail.ru"
    )
    assert not matches("* $Email *", "пишите на ivan собака mail")


def test_datetime_without_a_recogniser_reads_simple_dates_and_times() -> None:
    assert value("* $DateTime", "давайте 31.12", "DateTime") == {"day": 31, "month": 12}
    assert value("* $DateTime", "в 9:05", "DateTime") == {"hour": 9, "minute": 5}
    assert value("$DateTime", "01/02/24", "DateTime") == {"day": 1, "month": 2, "year": 2024}
    assert not matches("* $DateTime", "в 25:61")
    assert not matches("* $DateTime", "32.13")


def test_require_names_that_mean_the_standard_library() -> None:
    assert is_standard_library("sys.zb-common")
    assert is_standard_library("zb-common")
    assert is_standard_library("common.js", module="sys.zb-common")
    assert is_standard_library("patterns.sc", module="sys.zb-common")
    assert not is_standard_library("patterns.sc")
    assert not is_standard_library("functions.js", module="my-lib")


def test_every_standard_name_is_defined_and_a_project_may_override() -> None:
    names = {
        "Number", "AnyWord", "Text", "NonEmptyGarbage", "yes", "no", "hello", "bye", "thanks",
        "obsceneWord", "switchToOperator", "mobilePhoneNumber", "DateTime", "Email",
    }  # fmt: skip
    assert names <= STD.names()
    library = PatternLibrary.standard()
    library.define("yes", "(так точно)", file="p.sc", line=1)
    assert "$yes" in library
    assert "yes" in STD.names()
    matcher = Matcher(library)
    matcher.add("k", "$yes", file="main.sc", line=1)
    assert matcher.match("так точно") and not matcher.match("да")
