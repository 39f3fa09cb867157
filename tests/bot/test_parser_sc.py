"""The .sc parser: structure, options, script bodies with line numbers, errors with file:line."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ringback.bot.ast import Answer, Buttons, CustomTag, Go, If, Random, Script, State, Theme
from ringback.bot.parser import ScSyntaxError, parse_params, parse_sc, split_options


def _state(text: str) -> State:
    items = parse_sc(text, "main.sc").items
    assert isinstance(items[0], State)
    return items[0]


def test_state_options_triggers_and_reactions_in_order() -> None:
    state = _state(
        "state: Start || noContext = true, modal = true\n"
        "    q!: $regex</start>\n"
        "    q: * yes * || fromState = /Ask, onlyThisState = true\n"
        "    a: Hi {{ $client.name }}\n"
        "    go!:/Next\n"
    )
    assert state.name == "Start"
    assert state.params == {"noContext": True, "modal": True}
    assert [(t.kind, t.value, t.is_global) for t in state.triggers] == [
        ("q", "$regex</start>", True),
        ("q", "* yes *", False),
    ]
    assert state.triggers[1].params == {"fromState": "/Ask", "onlyThisState": True}
    answer, go = state.reactions
    assert isinstance(answer, Answer) and answer.text == "Hi {{ $client.name }}"
    assert isinstance(go, Go) and go.target == "/Next" and go.now
    assert str(go.loc) == "main.sc:5"


def test_tags_without_a_space_after_the_colon() -> None:
    state = _state("state: X\n    intent!:/Hello\n    event!:noMatch\n    go:/Y\n")
    assert [(t.kind, t.value) for t in state.triggers] == [
        ("intent", "/Hello"),
        ("event", "noMatch"),
    ]
    go = state.reactions[0]
    assert isinstance(go, Go) and not go.now and go.target == "/Y"


def test_script_body_is_verbatim_and_keeps_its_first_line() -> None:
    state = _state(
        "state: S\n"
        "    script:\n"
        "        var a = 1;\n"
        "\n"
        "        if (a) {\n"
        "            # not a comment in JS, kept verbatim\n"
        "        }\n"
        "    a: after\n"
    )
    script, answer = state.reactions
    assert isinstance(script, Script)
    assert script.loc.line == 3
    assert script.code == ("var a = 1;\n\nif (a) {\n    # not a comment in JS, kept verbatim\n}")
    assert isinstance(answer, Answer) and answer.loc.line == 8


def test_inline_script_and_es6() -> None:
    state = _state("state: S\n    script: $session.x = 1\n    scriptEs6:\n        const y = `t`;\n")
    inline, es6 = state.reactions
    assert isinstance(inline, Script) and inline.code == "$session.x = 1" and inline.loc.line == 2
    assert isinstance(es6, Script) and es6.es6 and es6.loc.line == 4


def test_if_elseif_else_random_and_buttons() -> None:
    state = _state(
        "state: S\n"
        "    if: $session.n == 1\n"
        "        a: one\n"
        "    elseif: $session.n == 2\n"
        "        a: two\n"
        "    else:\n"
        "        go!: /Other\n"
        "    random:\n"
        "        a: x\n"
        "        a: y\n"
        '    buttons:\n        "Yes" -> /Yes\n        "Later"\n'
        '    inlineButtons:\n        {text: "Site", url: "https://example.com"}\n'
    )
    cond, rnd, buttons, inline = state.reactions
    assert isinstance(cond, If)
    assert [b.condition for b in cond.branches] == ["$session.n == 1", "$session.n == 2", None]
    assert isinstance(rnd, Random) and len(rnd.choices) == 2
    assert isinstance(buttons, Buttons)
    assert [(b.text, b.target) for b in buttons.items] == [("Yes", "/Yes"), ("Later", None)]
    assert isinstance(inline, Buttons) and inline.inline
    assert inline.items[0].url == "https://example.com"


def test_nested_states_themes_requires_patterns_and_init() -> None:
    sc = parse_sc(
        "# a comment\n"
        "require: patterns.sc\n"
        "    module = sys.zb-common\n"
        "require: lib.js\n"
        "patterns:\n"
        "    $size = (small|large)\n"
        "    $long = (one|\n"
        "        two)\n"
        "init:\n"
        '    bind("preMatch", function() {});\n'
        "theme: /Shop\n"
        "    state: A\n"
        "        a: a\n"
        "        state: B\n"
        "            a: b\n",
        "main.sc",
    )
    req1, req2, patterns, init, theme = sc.items
    assert req1.path == "patterns.sc" and req1.params == {"module": "sys.zb-common"}
    assert req2.path == "lib.js" and req2.params == {}
    assert [(d.name, d.text) for d in patterns.defs] == [
        ("size", "(small|large)"),
        ("long", "(one| two)"),
    ]
    assert init.code.startswith("bind(") and init.loc.line == 10
    assert isinstance(theme, Theme) and theme.path == "/Shop"
    assert theme.states[0].children[0].name == "B"


def test_unknown_tags_are_kept_by_name_not_dropped() -> None:
    sc = parse_sc("state: S\n    a: x\n    HttpRequest: url = x\n    video: v.mp4\n", "m.sc")
    assert [(u.tag, u.loc.line) for u in sc.unsupported] == [("HttpRequest", 3), ("video", 4)]


def test_custom_tags_take_their_parameters() -> None:
    sc = parse_sc(
        "state: S\n    Greet:\n        who = Ann, loud = true\n", "m.sc", custom_tags={"Greet"}
    )
    state = sc.items[0]
    assert isinstance(state, State)
    tag = state.reactions[0]
    assert isinstance(tag, CustomTag) and tag.params == {"who": "Ann", "loud": True}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("state: S\n", "m.sc:1: expected an indented block after 'state:'"),
        ("state: S\n    if: x\n", "m.sc:2: expected an indented block after 'if:'"),
        ("state: S\n        a: x\n    a: y\n", "m.sc:3: indentation does not match"),
        ("state: S\n    a: x\n        q: y\n", None),  # deeper lines after a: are its text
        ("state: S\n    a: x\n      q: y\n    a: z\n", None),
        ("state: S\n    else:\n        a: x\n", "m.sc:2: 'else:' without 'if:'"),
        ("state: S\n    just words\n", "m.sc:2: expected 'tag: value'"),
        ("patterns:\n    size = x\n", "m.sc:2: expected '$name = pattern'"),
        ("state: S\n    go!:\n", "m.sc:2: expected a state after 'go!:'"),
        ("state: S || noContext\n    a: x\n", "m.sc:1: expected 'name = value' options after"),
        ("state: S\n    buttons:\n        Yes -> /Y\n", "m.sc:3: expected a button"),
        ("state: S\n    slot: n || required = true\n", "m.sc:2: expected 'slot: name ||"),
        ("state: S\n    slot: n || entity = $Number\n", "m.sc:2: expected a prompt for slot"),
    ],
)
def test_errors_name_file_line_and_what_was_expected(text: str, message: str | None) -> None:
    if message is None:
        parse_sc(text, "m.sc")
        return
    with pytest.raises(ScSyntaxError) as error:
        parse_sc(text, "m.sc")
    assert str(error.value).startswith(message)


def test_options_split_only_before_assignments() -> None:
    assert split_options("yes || no", "f", 1) == ("yes || no", {})
    assert split_options('a: b || tts = "x, y"', "f", 1) == ("a: b", {"tts": "x, y"})
    assert parse_params("interval = 10, ratio = 0.5, name = '/A'", "f", 1) == {
        "interval": 10,
        "ratio": 0.5,
        "name": "/A",
    }


def test_tabs_and_a_byte_order_mark() -> None:
    state = _state("\ufeffstate: S\n\ta: tabbed\n")
    assert isinstance(state.reactions[0], Answer)


_names = st.from_regex(r"[A-Z][a-z]{0,6}", fullmatch=True)
_trees = st.recursive(
    st.builds(lambda n: (n, ()), _names),
    lambda kids: st.builds(
        lambda n, cs: (n, tuple({c[0]: c for c in cs}.values())), _names, st.lists(kids, max_size=3)
    ),
    max_leaves=12,
)


def _render(tree: tuple[str, tuple[Any, ...]], depth: int, out: list[str]) -> None:
    name, children = tree
    pad = "    " * depth
    out.append(f"{pad}state: {name}")
    out.append(f"{pad}    a: in {name}")
    for child in children:
        _render(child, depth + 1, out)


def _shape(state: State) -> tuple[str, tuple[Any, ...]]:
    return state.name, tuple(_shape(c) for c in state.children)


@settings(max_examples=60)
@given(_trees)
def test_nested_states_parse_back_to_their_shape(tree: tuple[str, tuple[Any, ...]]) -> None:
    lines: list[str] = []
    _render(tree, 0, lines)
    state = _state("\n".join(lines) + "\n")
    assert _shape(state) == tree
    answer = state.reactions[0]
    assert isinstance(answer, Answer) and answer.loc.line == 2
