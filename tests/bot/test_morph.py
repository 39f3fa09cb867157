"""Words and lemmas: the tokenizer every pattern sees, and ~lemma's normal forms (EN, RU)."""

from __future__ import annotations

import pytest

from ringback.bot.morph import lemmas, tokenize, words


def test_words_are_lower_case_without_punctuation_and_yo_folded() -> None:
    assert words("Привет, Ёжик! Как дела?") == ["привет", "ежик", "как", "дела"]
    assert words("Hello,   WORLD...") == ["hello", "world"]


def test_digits_split_from_letters() -> None:
    assert words("at 3pm, 2билета") == ["at", "3", "pm", "2", "билета"]


def test_slash_command_is_one_word_but_a_slash_between_words_separates() -> None:
    assert words("/start") == ["/start"]
    assert words("go /start now") == ["go", "/start", "now"]
    assert words("a/b") == ["a", "b"]


def test_tokens_keep_offsets_and_the_text_as_written() -> None:
    tokens = tokenize("Да, Ёлка")
    assert [(t.word, t.start, t.end, t.raw) for t in tokens] == [
        ("да", 0, 2, "Да"),
        ("елка", 4, 8, "Ёлка"),
    ]


@pytest.mark.parametrize(
    ("word", "lemma"),
    [
        ("куплю", "купить"),
        ("билета", "билет"),
        ("билеты", "билет"),
        ("оператора", "оператор"),
        ("tickets", "ticket"),
        ("bought", "buy"),
        ("buying", "buy"),
        ("making", "make"),
        ("running", "run"),
        ("called", "call"),
        ("children", "child"),
    ],
)
def test_lemmas_include_the_normal_form(word: str, lemma: str) -> None:
    assert lemma in lemmas(word)
    assert word in lemmas(word)


def test_lemmas_do_not_invent_stems() -> None:
    assert lemmas("thing") == frozenset({"thing"})
    assert lemmas("king") == frozenset({"king"})
    assert lemmas("42") == frozenset({"42"})
    assert "купить" not in lemmas("билет")
