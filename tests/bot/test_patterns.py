"""The pattern language: each element with matching and non-matching utterances (EN and RU),
weights, $parseTree, entities and syntax errors."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from itertools import permutations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ringback.bot.patterns import Matcher, PatternLibrary, PatternMatch, PatternSyntaxError
from ringback.entities.types import EntityContext, EntityMatch

STD = PatternLibrary.standard()


def best(pattern: str, text: str, library: PatternLibrary = STD) -> PatternMatch | None:
    matcher = Matcher(library)
    matcher.add("k", pattern, file="main.sc", line=7)
    found = matcher.match(text)
    return found[0] if found else None


def matches(pattern: str, text: str, library: PatternLibrary = STD) -> bool:
    return best(pattern, text, library) is not None


def weight(pattern: str, text: str) -> float:
    found = best(pattern, text)
    assert found is not None, f"{pattern!r} should match {text!r}"
    return found.weight


def ranking(patterns: list[str], text: str) -> list[str]:
    matcher = Matcher(STD)
    for p in patterns:
        matcher.add(p, p, file="main.sc", line=1)
    return [str(m.key) for m in matcher.match(text)]


# --- elements ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "text", "expected"),
    [
        # a bare word: that word only, whole words, any case, ё = е
        ("привет", "Привет!", True),
        ("привет", "приветик", False),
        ("hello", "HELLO", True),
        ("hello", "hello there", False),
        ("ёлка", "елка", True),
        ("елка", "Ёлка", True),
        ("добрый день", "Добрый, день", True),
        # * : any number of words, zero included
        ("* оператор *", "оператор", True),
        ("* оператор *", "позовите оператора", False),
        ("* operator *", "give me an operator please", True),
        ("*", "", True),
        ("*", "что угодно", True),
        ("hi *", "hi", True),
        ("hi *", "oh hi", False),
        # affixes
        ("прив*", "приветствую", True),
        ("прив*", "непривет", False),
        ("*ствую", "приветствую", True),
        ("*ствую", "ствуюю", False),
        ("*ив*", "приветствую", True),
        ("*ив*", "привет", True),
        ("*xyz*", "привет", False),
        ("operat*", "operators", True),
        ("*tor", "operators", False),
        # alternatives, both syntaxes, nested, multi-word
        ("(да|ага)", "ага", True),
        ("(да|ага)", "угу", False),
        ("(yes/yeah)", "yeah", True),
        ("(yes/yeah)", "yep", False),
        ("(добрый (день|вечер)|привет)", "добрый вечер", True),
        ("(добрый (день|вечер)|привет)", "добрый", False),
        ("(good (morning/evening)|hi) *", "good morning to you", True),
        ("(a|b c) d", "b c d", True),
        ("(a|b c) d", "b d", False),
        ("a|b", "b", True),  # alternatives at the top level
        # [optional]
        ("[пожалуйста] позовите оператора", "позовите оператора", True),
        ("[пожалуйста] позовите оператора", "пожалуйста позовите оператора", True),
        ("[please|kindly] call me", "kindly call me", True),
        ("[please] call me", "now call me", False),
        # {any order}
        ("{купить билет}", "билет купить", True),
        ("{купить билет}", "купить билет", True),
        ("{купить билет}", "купить", False),
        ("{buy (ticket|tickets)} *", "tickets buy now", True),
        ("{a b c}", "c a b", True),
        ("{a b c}", "c a a", False),
        ("{(b да) c}", "c b да", True),  # a group is one item
        ("{(b да) c}", "да b c", False),
        ("{кто-то x}", "x кто то", True),  # so is a word with a hyphen
        ("{кто-то x}", "то x кто", False),
        # ~lemma: all word forms
        ("~купить ~билет", "куплю билета", True),
        ("~купить ~билет", "купил билеты", True),
        ("~купить ~билет", "продам билет", False),
        ("* ~ticket", "two tickets", True),
        ("~buy *", "bought two", True),
        ("~buy *", "sold two", False),
        # /start is literal text, not the word "start"
        ("/start", "/start", True),
        ("/start", "start", False),
        ("(/start|начать)", "/start", True),
        ("(/start|начать)", "начать", True),
    ],
)
def test_element(pattern: str, text: str, expected: bool) -> None:
    assert matches(pattern, text) is expected


@pytest.mark.parametrize(
    ("pattern", "text", "expected"),
    [
        # a regexp matches one whole word as written ($regexp is case-sensitive)
        (r"$regexp<\d{3}>", "123", True),
        (r"$regexp<\d{3}>", "1234", False),
        (r"* $regexp<\d{3}> *", "код 123 пожалуйста", True),
        ("$regexp<Да>", "Да", True),
        ("$regexp<да>", "Да", False),
        ("$regexp_i<да>", "ДА", True),
        ("$regex<(да|ага)>", "ага", True),
        ("$regex_i<HELLO>", "hello", True),
        # one that can match a space runs over several words joined by single spaces
        ("$regexp_i<.*оператор.*>", "Позовите оператора", True),
        ("$regexp_i<.*оператор.*>", "позовите человека", False),
        ("$regexp<да нет>", "да, нет", True),
        ("$regexp</start>", "/start", True),
        ("$regexp</start>", "start", False),
        (r"$regexp<\d+> (руб*|р)", "500 рублей", True),
        ("$regexp<[а-я]{2,}>", "ок", True),
        # punctuation stuck to a word, and what stands between words, as written
        (r"$regexp<\+7\d{10}>", "+79123456789", True),
        (r"мой номер $regexp<\+7\d{10}>", "мой номер +79123456789", True),
        (r"$regexp<\+7\d{10}>", "79123456789", False),
        (r"в $regexp<\d{1,2}:\d{2}>", "в 10:30", True),
        (r"$regexp<8-\d{3}-\d{3}>", "8-912-345", True),
        (r"$regexp<\d+>", "12 34", False),
        (r"$regexp<\w+@\w+\.ru>", "ivan@mail.ru", True),
    ],
)
def test_regexp(pattern: str, text: str, expected: bool) -> None:
    assert matches(pattern, text) is expected


def test_named_patterns_from_the_library_and_the_project() -> None:
    library = PatternLibrary.standard()
    library.define("$city", "(москва|питер|санкт петербург|london)", file="p.sc", line=3)
    library.define("route", "* из $city::from в $city::to *", file="p.sc", line=4)
    assert matches("$city", "Санкт-Петербург", library)
    assert not matches("$city", "Казань", library)
    found = best("$route", "хочу из москвы в питер", library)
    assert found is None  # москвы is not a form $city lists
    found = best("$route", "билет из Москва в Питер", library)
    assert found is not None
    assert found.parse_tree["_from"] == "Москва"
    assert found.parse_tree["_to"] == "Питер"
    assert found.parse_tree["_route"] == "билет из Москва в Питер"


def test_named_pattern_may_be_defined_after_use_and_case_folds() -> None:
    library = PatternLibrary()
    matcher = Matcher(library)
    matcher.add("k", "* $Fruit *", file="main.sc", line=1)
    assert matcher.missing() == [("$Fruit", "main.sc", 1)]
    assert matcher.match("an apple") == []
    library.define("fruit", "(apple|pear)", file="p.sc", line=1)
    assert matcher.missing() == []
    assert [m.key for m in matcher.match("an apple")] == ["k"]


def test_recursive_named_patterns_terminate() -> None:
    library = PatternLibrary()
    library.define("digits", "(один|два) [$digits]", file="p.sc", line=1)
    library.define("loop", "($loop x|y)", file="p.sc", line=2)
    assert matches("$digits", "один два один", library)
    assert not matches("$digits", "один три", library)
    assert matches("$loop", "y", library)
    assert not matches("$loop", "y x", library)


def test_redefining_a_name_replaces_it_in_existing_matchers() -> None:
    library = PatternLibrary.standard()
    matcher = Matcher(library)
    matcher.add("k", "$yes", file="main.sc", line=1)
    assert matcher.match("ага")
    library.define("yes", "(так точно)", file="p.sc", line=1)
    assert not matcher.match("ага")
    assert matcher.match("так точно")


def test_define_block_reads_a_patterns_section() -> None:
    library = PatternLibrary()
    converters = library.define_block(
        "    $color = (red|green)\n\n    // a comment\n"
        "    $size = (small|big) || converter = sizeConverter\n",
        file="p.sc",
        line=10,
    )
    assert converters == {"size": "sizeConverter"}
    assert matches("$color $size", "red big", library)
    with pytest.raises(PatternSyntaxError) as error:
        library.define_block("  $ok = a\n  bad line\n", file="p.sc", line=10)
    assert str(error.value).startswith("p.sc:11: expected '$name = pattern'")


# --- weights -------------------------------------------------------------------------------------


def test_the_worked_example_of_the_module_docstring() -> None:
    text = "хочу купить билет"
    assert weight("хочу купить билет", text) == 1.0
    assert weight("* ~купить ~билет", text) == pytest.approx(0.6)
    assert weight("* купить [два] билет*", text) == pytest.approx(0.6)
    assert weight("* билет", text) == pytest.approx(1 / 3)
    assert weight("* $weight<+0.5>", text) == pytest.approx(0.5)
    assert weight("*", text) == 0.0


def test_more_specific_patterns_win() -> None:
    text = "хочу купить билет"
    patterns = ["*", "* билет", "* ~купить ~билет", "хочу купить билет", "* купить *"]
    assert ranking(patterns, text) == [
        "хочу купить билет",  # 1.0
        "* ~купить ~билет",  # 0.6
        "* билет",  # 1/3, added before "* купить *" (also 1/3)
        "* купить *",
        "*",  # 0
    ]


def test_exact_words_beat_lemmas_beat_affixes() -> None:
    text = "tickets"
    assert ranking(["ticket*", "~ticket", "tickets"], text) == ["tickets", "~ticket", "ticket*"]


def test_a_matched_optional_raises_the_weight() -> None:
    text = "позовите пожалуйста оператора"
    assert weight("* [пожалуйста] оператора", text) > weight("* оператора", text)
    assert ranking(["* оператора", "* [пожалуйста] оператора"], text)[0] == (
        "* [пожалуйста] оператора"
    )


def test_weight_modifiers() -> None:
    text = "хочу купить билет"
    base = weight("* купить *", text)
    assert weight("* купить * $weight<+0.5>", text) == pytest.approx(base + 0.5)
    assert weight("$weight<-0.2> * купить *", text) == pytest.approx(base - 0.2)
    assert weight("* $weight<1.5> купить *", text) == pytest.approx(base * 1.5)
    assert ranking(["хочу купить билет", "* купить * $weight<+1>"], text)[0] == (
        "* купить * $weight<+1>"
    )
    # a modifier inside an alternative counts only when its branch matched
    assert weight("* (купить $weight<+1>|продать) *", text) == pytest.approx(base + 1)


def test_ties_go_to_the_pattern_added_first() -> None:
    assert ranking(["* да *", "* (да|ага) *"], "ну да") == ["* да *", "* (да|ага) *"]
    assert ranking(["* (да|ага) *", "* да *"], "ну да") == ["* (да|ага) *", "* да *"]


def test_one_match_per_key_with_its_best_pattern_and_keys_limit_candidates() -> None:
    matcher = Matcher(STD)
    matcher.add("/Buy", "* купить *", file="main.sc", line=1)
    matcher.add("/Buy", "хочу купить билет", file="main.sc", line=2)
    matcher.add("/Other", "* билет", file="main.sc", line=3)
    found = matcher.match("хочу купить билет")
    assert [(m.key, m.weight) for m in found] == [("/Buy", 1.0), ("/Other", pytest.approx(1 / 3))]
    assert found[0].parse_tree["pattern"] == "хочу купить билет"
    assert [m.key for m in matcher.match("хочу купить билет", keys={"/Other"})] == ["/Other"]
    assert matcher.match("хочу купить билет", keys=[]) == []


# --- $parseTree -----------------------------------------------------------------------------------


def test_parse_tree_shape() -> None:
    found = best("* $Number::count (билет*|ticket*)", "Мне 5 билетов")
    assert found is not None
    assert found.parse_tree == {
        "tag": "root",
        "pattern": "* $Number::count (билет*|ticket*)",
        "text": "Мне 5 билетов",
        "words": ["мне", "5", "билетов"],
        "count": [
            {
                "tag": "count",
                "pattern": "Number",
                "text": "5",
                "words": ["5"],
                "value": 5,
            }
        ],
        "_count": 5,
    }


def test_parse_tree_nests_sub_trees_and_lifts_values_to_the_root() -> None:
    library = PatternLibrary.standard()
    library.define("order", "$Number (ticket*|билет*)", file="p.sc", line=1)
    found = best("* $order *", "I want 2 tickets please", library)
    assert found is not None
    tree = found.parse_tree
    assert tree["_order"] == "2 tickets"
    assert tree["_Number"] == 2
    assert tree["order"][0]["Number"][0]["value"] == 2
    assert "Number" not in tree  # sub-trees stay under their parent


def test_converter_of_a_named_pattern() -> None:
    library = PatternLibrary.standard()
    library.define(
        "amount",
        "$Number (руб*|рубл*)",
        file="p.sc",
        line=1,
        converter=lambda tree: {"rub": tree["Number"][0]["value"]},
    )
    found = best("$amount", "двести рублей", library)
    assert found is not None
    assert found.parse_tree["_amount"] == {"rub": 200}


# --- entities ------------------------------------------------------------------------------------


_CLOCK_RE = re.compile(r"\b(\d{1,2}) (?:pm|вечера)\b", re.IGNORECASE)


def clock_times(text: str, ctx: EntityContext) -> list[EntityMatch]:
    """A tiny real recogniser: "7 pm" → 19:00 on the reference day."""
    found = []
    for m in _CLOCK_RE.finditer(text):
        at = ctx.now.replace(hour=int(m.group(1)) + 12, minute=0, second=0, microsecond=0)
        found.append(EntityMatch(m.start(), m.end(), m.group(), at.isoformat(), "duckling.time"))
    return found


CTX = EntityContext(now=datetime(2024, 2, 1, 10, 0, tzinfo=UTC), tz=UTC, locale="en")


def test_entity_reference_consumes_its_span_and_gives_its_value() -> None:
    library = PatternLibrary.standard()
    library.add_entity("duckling.time", clock_times)
    matcher = Matcher(library)
    matcher.add("callback", "* (call|перезвоните) * @duckling.time", file="main.sc", line=1)
    matcher.add("alias", "* @duckling.time::when *", file="main.sc", line=2)
    found = matcher.match("please call me at 7 pm", ctx=CTX)
    assert [m.key for m in found] == ["callback", "alias"]
    tree = found[0].parse_tree
    assert tree["_duckling.time"] == "2024-02-01T19:00:00+00:00"
    assert tree["_duckling"] == {"time": "2024-02-01T19:00:00+00:00"}
    assert tree["duckling.time"][0]["words"] == ["7", "pm"]
    assert found[1].parse_tree["_when"] == "2024-02-01T19:00:00+00:00"
    assert matcher.match("please call me at 7", ctx=CTX) == []  # no time recognised
    # without a context (no reference time) entities match nothing
    assert matcher.match("please call me at 7 pm") == []


def test_unregistered_entity_matches_nothing_and_is_reported() -> None:
    matcher = Matcher(PatternLibrary())
    matcher.add("k", "* @duckling.time *", file="main.sc", line=4)
    assert matcher.match("at 7 pm", ctx=CTX) == []
    assert matcher.missing() == [("@duckling.time", "main.sc", 4)]


def test_datetime_uses_the_duckling_recogniser_when_registered() -> None:
    library = PatternLibrary.standard()
    assert best("$DateTime", "12.03.2024 в 10:30", library) is None
    found = best("* $DateTime", "давайте 12.03.2024 10:30", library)
    assert found is not None
    assert found.parse_tree["_DateTime"] == {
        "day": 12,
        "month": 3,
        "year": 2024,
        "hour": 10,
        "minute": 30,
    }
    library.add_entity("duckling.time", clock_times)
    matcher = Matcher(library)
    matcher.add("k", "* $DateTime", file="main.sc", line=1)
    assert matcher.match("at 7 pm", ctx=CTX)[0].parse_tree["_DateTime"] == (
        "2024-02-01T19:00:00+00:00"
    )


# --- syntax errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("(a|b", "main.sc:7: unclosed '(' in pattern \"(a|b\": expected ')'"),
        ("[a b", "main.sc:7: unclosed '[' in pattern \"[a b\": expected ']'"),
        ("{a b", "main.sc:7: unclosed '{' in pattern \"{a b\": expected '}'"),
        ("a b)", "main.sc:7: unexpected ')' in pattern \"a b)\""),
        ("(a]", "main.sc:7: unexpected ']' in pattern \"(a]\""),
        ("$", "main.sc:7: no name after '$' in pattern \"$\": expected a pattern name"),
        ("$regexp<\\d+", "main.sc:7: unclosed '<' after $regexp in pattern"),
        ("$regexp \\d+", "main.sc:7: no '<' after $regexp in pattern"),
        ("$regexp<(>", "main.sc:7: bad regexp <(> (missing ), unterminated subpattern"),
        ("$weight<much>", 'main.sc:7: bad weight <much> in pattern "$weight<much>": expected +0.5'),
        ("a**b", "main.sc:7: bad affix 'a**b'"),
        ("a*b", "main.sc:7: bad affix 'a*b' in pattern \"a*b\": expected '*' at the start"),
        ("@", "main.sc:7: no name after '@' in pattern \"@\": expected an entity name"),
        ("$a::", "main.sc:7: no alias after '::'"),
        ("~", "main.sc:7: no word after '~'"),
        ("  ", "main.sc:7: empty pattern"),
    ],
)
def test_syntax_errors_name_file_line_and_what_was_expected(pattern: str, message: str) -> None:
    matcher = Matcher(STD)
    with pytest.raises(PatternSyntaxError) as error:
        matcher.add("k", pattern, file="main.sc", line=7)
    assert str(error.value).startswith(message)
    assert (error.value.file, error.value.line) == ("main.sc", 7)


def test_library_definitions_are_checked_when_defined() -> None:
    with pytest.raises(PatternSyntaxError, match=r"^p\.sc:3: unclosed '\('"):
        PatternLibrary().define("x", "(a|b", file="p.sc", line=3)
    with pytest.raises(PatternSyntaxError, match="bad pattern name"):
        PatternLibrary().define("$1x", "a", file="p.sc", line=3)


# --- against a reference ---------------------------------------------------------------------

_VOCAB = ["да", "нет", "билет", "купить", "a", "b"]


def _patterns(depth: int = 0) -> st.SearchStrategy[tuple[str, str]]:
    """(pattern, the same as a Python regexp over words followed by a space each)."""
    leaf = st.one_of(
        st.sampled_from([(w, re.escape(w) + " ") for w in _VOCAB]),
        st.just(("*", r"(?:\S+ )*")),
        st.sampled_from([(w[:2] + "*", re.escape(w[:2]) + r"\S* ") for w in _VOCAB]),
    )
    if depth >= 2:
        return leaf
    inner = st.lists(_patterns(depth + 1), min_size=1, max_size=3)
    return st.one_of(
        leaf,
        inner.map(
            lambda xs: (
                "(" + "|".join(p for p, _ in xs) + ")",
                "(?:" + "|".join(r for _, r in xs) + ")",
            )
        ),
        inner.map(
            lambda xs: (
                "[" + " ".join(p for p, _ in xs) + "]",
                "(?:" + "".join(r for _, r in xs) + ")?",
            )
        ),
        inner.map(lambda xs: (" ".join(p for p, _ in xs), "".join(r for _, r in xs))),
        inner.map(
            lambda xs: (
                "{" + " ".join(f"({p})" for p, _ in xs) + "}",  # each item whole
                "(?:" + "|".join("".join(r for _, r in perm) for perm in permutations(xs)) + ")",
            )
        ),
    )


@settings(max_examples=200)
@given(
    _patterns(),
    st.lists(st.sampled_from([*_VOCAB, "ещё"]), max_size=6),
)
def test_matches_exactly_what_a_regexp_translation_matches(
    pattern: tuple[str, str], words: list[str]
) -> None:
    text, regexp = pattern
    expected = re.fullmatch(regexp, "".join(w + " " for w in words)) is not None
    assert matches(text, " ".join(words), PatternLibrary()) is expected
