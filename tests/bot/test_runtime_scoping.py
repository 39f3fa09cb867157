"""The runtime on small real projects: trigger scoping, jumps, hooks, objects, events, errors."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ringback.bot.project import load_project
from ringback.bot.runtime import Conversation, Runtime, Turn

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


class Talk:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.conv = Conversation(dialer_data={"channel": "phone", "caller": "79990000000"})

    def say(self, text: str) -> Turn:
        return self.runtime.handle(self.conv, NOW, query=text)

    def event(self, name: str) -> Turn:
        return self.runtime.handle(self.conv, NOW, event=name)


MakeBot = Callable[..., Runtime]


@pytest.fixture
def make_bot(tmp_path: Path) -> Iterator[MakeBot]:
    made: list[Runtime] = []

    def make(main: str, *, files: dict[str, str] | None = None, config: str = "") -> Runtime:
        folder = tmp_path / f"bot{len(made)}"
        (folder / "src").mkdir(parents=True)
        (folder / "chatbot.yaml").write_text(f"name: t\nlanguage: en\n{config}")
        (folder / "src" / "main.sc").write_text(main)
        for name, text in (files or {}).items():
            path = folder / "src" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        runtime = Runtime(load_project(folder))
        made.append(runtime)
        return runtime

    yield make
    for runtime in made:
        runtime.close()


SCOPES = """
theme: /
    state: Start
        q!: $regex</start>
        a: start
        state: Ask
            q: ask
            a: asked
            state: Deep
                q: deep
                a: deep
        state: Sibling
            q: sibling
            a: sibling
    state: Top
        q: top
        a: top
    state: GlobalYes
        q!: * yes *
        a: global yes
    state: Fallback
        event!: noMatch
        a: fallback
"""


def test_local_triggers_follow_the_context(make_bot: MakeBot) -> None:
    talk = Talk(make_bot(SCOPES))
    assert talk.say("deep").state == "/Fallback"  # not reachable from the root
    assert talk.say("top").state == "/Top"  # top-level local q works from anywhere above
    talk.say("/start")
    assert talk.say("ask").answers == ("asked",)  # a child of the context
    assert talk.say("deep").state == "/Start/Ask/Deep"  # a child again
    assert talk.say("sibling").state == "/Start/Sibling"  # the parent's child (an uncle)
    assert talk.say("ask").state == "/Start/Ask"  # a sibling
    assert talk.say("top").state == "/Top"
    assert talk.say("ask").state == "/Fallback"  # /Start/Ask is out of scope from /Top


def test_the_nearest_level_beats_a_heavier_global(make_bot: MakeBot) -> None:
    talk = Talk(
        make_bot(
            "state: Confirm\n    q!: confirm\n    a: ok?\n"
            "    state: Yes\n        q: * yes *\n        a: local yes\n"
            "state: GlobalYes\n    q!: yes\n    a: global yes\n"
        )
    )
    assert talk.say("yes").answers == ("global yes",)
    talk.say("confirm")
    assert talk.say("yes").answers == ("local yes",)


def test_from_state_to_state_and_only_this_state(make_bot: MakeBot) -> None:
    talk = Talk(
        make_bot(
            "state: A\n    q!: go a\n    a: a\n    state: Inner\n        q: inner\n"
            "        a: inner\n"
            "state: B\n    q!: go b\n    a: b\n"
            "state: FromA\n    q!: hop || fromState = /A\n    a: hopped from A\n"
            "state: OnlyA\n    q!: only || fromState = /A, onlyThisState = true\n    a: only\n"
            "state: Redirect\n    q!: redirect || toState = /B\n    a: never\n"
        )
    )
    assert talk.say("hop").state == "/"  # nothing matches, no noMatch state
    talk.say("go a")
    assert talk.say("hop").answers == ("hopped from A",)
    talk.say("go a")
    talk.say("inner")
    assert talk.say("only").answers == ()  # inside /A but not /A itself
    talk.say("go a")
    assert talk.say("only").answers == ("only",)
    assert talk.say("redirect").answers == ("b",)  # toState leads to /B


def test_modal_states_shut_out_global_triggers(make_bot: MakeBot) -> None:
    talk = Talk(
        make_bot(
            "state: Form || modal = true\n    q!: form\n    a: fill the form\n"
            "    state: Done\n        q: done\n        a: thanks\n        go: /\n"
            "    state: Stuck\n        event: noMatch\n        a: finish the form first\n"
            "state: Help\n    q!: help\n    a: help\n"
        )
    )
    talk.say("form")
    assert talk.say("help").answers == ("finish the form first",)
    assert talk.say("done").answers == ("thanks",)
    assert talk.say("help").answers == ("help",)


def test_no_context_states_answer_without_moving_the_context(make_bot: MakeBot) -> None:
    talk = Talk(
        make_bot(
            "state: Ask\n    q!: ask\n    a: yes or no?\n"
            "    state: Yes\n        q: yes\n        a: good\n"
            "state: Time || noContext = true\n    q!: time\n    a: it is late\n"
        )
    )
    talk.say("ask")
    assert talk.say("time").state == "/Time"
    assert talk.conv.context == "/Ask"
    assert talk.say("yes").answers == ("good",)


def test_go_jumps_now_go_only_moves_the_context_and_paths_are_relative(
    make_bot: MakeBot,
) -> None:
    talk = Talk(
        make_bot(
            "state: A\n    q!: a\n    a: a1\n    go!: ./Child\n    a: never said\n"
            "    state: Child\n        a: child\n        go!: ../Sibling\n"
            "    state: Sibling\n        a: sibling\n"
            "state: Quiet\n    q!: quiet\n    a: moved quietly\n    go: /A/Child\n"
            "state: Loop\n    q!: loop\n    go!: /Loop\n"
        )
    )
    turn = talk.say("a")
    assert turn.answers == ("a1", "child", "sibling")
    assert turn.state == "/A/Sibling"
    turn = talk.say("quiet")
    assert turn.answers == ("moved quietly",)  # /A/Child's reactions do not run
    assert turn.state == "/A/Child" and talk.conv.context == "/A/Child"
    turn = talk.say("loop")
    assert turn.errors and "more than 100 state changes" in turn.errors[0]


def test_transition_runs_after_the_state_and_templates_render(make_bot: MakeBot) -> None:
    talk = Talk(
        make_bot(
            "state: A\n    q!: a\n    script:\n        $reactions.transition('/B');\n"
            "        $session.n = 41;\n    a: first {{ $session.n + 1 }}\n"
            "state: B\n    a: then B, {{ $session.missing }}done\n"
        )
    )
    turn = talk.say("a")
    assert turn.answers == ("first 42", "then B, done")
    assert turn.state == "/B"


def test_session_temp_global_and_client(make_bot: MakeBot) -> None:
    runtime = make_bot(
        "state: Count\n    q!: count\n    script:\n"
        "        $session.n = ($session.n || 0) + 1;\n"
        "        $temp.seen = ($temp.seen || 0) + 1;\n"
        "        $global.calls = ($global.calls || 0) + 1;\n"
        "        $client.visits = ($client.visits || 0) + 1;\n"
        "    a: {{ $session.n }} {{ $temp.seen }} {{ $global.calls }} {{ $client.visits }}\n"
    )
    first, second = Talk(runtime), Talk(runtime)
    assert first.say("count").answers == ("1 1 1 1",)
    assert first.say("count").answers == ("2 1 2 2",)  # $temp is per request
    second.conv.client = {"visits": 10}
    assert second.say("count").answers == ("1 1 3 11",)  # $global spans conversations
    assert second.conv.client_touched


def test_pre_match_can_rewrite_the_query_and_pre_post_process_run(make_bot: MakeBot) -> None:
    talk = Talk(
        make_bot(
            "init:\n"
            '    bind("preMatch", function($context) {\n'
            '        $context.request.query = $context.request.query.replace("hi", "hello");\n'
            "    });\n"
            '    bind("preProcess", function(c) { $session.pre = c.currentState; });\n'
            '    bind("postProcess", function(c) { $session.post = c.currentState; });\n'
            "state: Hello\n    q!: hello\n    a: hello to you\n"
        )
    )
    assert talk.say("hi").answers == ("hello to you",)
    assert talk.conv.session["pre"] == "/Hello" and talk.conv.session["post"] == "/Hello"


def test_a_script_error_fails_the_request_not_the_conversation(make_bot: MakeBot) -> None:
    talk = Talk(
        make_bot(
            "init:\n"
            '    bind("onScriptError", function($context) {\n'
            '        $reactions.answer("oops: " + $context.exception.message);\n'
            "    });\n"
            "state: Bad\n    q!: bad\n    a: before\n    script:\n"
            "        $session.kept = true;\n        nope();\n    a: after\n"
            "state: Good\n    q!: good\n    a: fine\n"
        )
    )
    turn = talk.say("bad")
    assert turn.errors == ("main.sc:10: ReferenceError: nope is not defined",)
    assert turn.answers == ("before", "oops: ReferenceError: nope is not defined")
    assert talk.conv.session["kept"] is True
    assert talk.say("good").answers == ("fine",)


def test_silence_is_speech_not_recognized_then_no_match(make_bot: MakeBot) -> None:
    with_handler = Talk(
        make_bot(
            "state: Silent\n    event!: speechNotRecognized\n    a: louder please\n"
            "state: Other\n    event!: noMatch\n    a: what?\n"
        )
    )
    assert with_handler.say("").answers == ("louder please",)
    assert with_handler.say("blah").answers == ("what?",)
    fallback = Talk(make_bot("state: Other\n    event!: noMatch\n    a: what?\n"))
    assert fallback.say("  ").answers == ("what?",)
    assert fallback.event("hangup").answers == ()  # unhandled events do nothing


def test_hang_up_says_its_text_ends_the_call_and_fires_bot_hangup(make_bot: MakeBot) -> None:
    talk = Talk(
        make_bot(
            "state: Bye\n    q!: bye\n    script:\n        $dialer.hangUp('Goodbye!');\n"
            "state: After\n    event!: botHangup\n    script:\n        $session.done = true;\n"
            "state: Gone\n    event!: hangup\n    script:\n"
            "        $dialer.setCallResult('callee left');\n"
        )
    )
    turn = talk.say("bye")
    assert turn.answers == ("Goodbye!",) and turn.hung_up and turn.state == "/Bye"
    assert talk.conv.ended and talk.conv.session["done"] is True
    assert talk.conv.dialer.hang_up == "Goodbye!"
    other = Talk(talk.runtime)
    other.event("hangup")
    assert other.conv.dialer.call_result == "callee left"


def test_intents_are_reported_once_and_never_match(make_bot: MakeBot) -> None:
    runtime = make_bot(
        "state: Hi\n    intent!: /Hello\n    a: hi\n"
        "state: Hi2\n    intent: /Hello\n    a: hi\n"
        "state: Other\n    event!: noMatch\n    a: no classifier\n"
    )
    assert (
        runtime.warnings.count("intent /Hello needs the CAILA NLU classifier, not available") == 1
    )
    assert Talk(runtime).say("hello").answers == ("no classifier",)


def test_buttons_with_transitions_and_examples(make_bot: MakeBot) -> None:
    talk = Talk(
        make_bot(
            'state: Menu\n    q!: menu\n    a: pick\n    buttons:\n        "Pizza" -> /Pizza\n'
            "state: Pizza\n    a: pizza!\n"
            "state: Price\n    e!: how much does delivery cost\n    a: 5 dollars\n"
        )
    )
    turn = talk.say("menu")
    assert turn.buttons == ({"text": "Pizza", "transition": "/Pizza"},)
    assert talk.say("pizza").answers == ("pizza!",)
    assert talk.say("how much does the delivery cost").answers == ("5 dollars",)


def test_required_files_and_named_patterns(make_bot: MakeBot) -> None:
    talk = Talk(
        make_bot(
            "require: more.sc\nrequire: lib/helpers.js\n"
            "patterns:\n    $fruit = (apple|pear)\n"
            "state: Buy\n    q!: * [i] want [a] $fruit *\n    a: {{ shout($parseTree._fruit) }}\n",
            files={
                "more.sc": "theme: /More\n    state: Extra\n        q!: extra\n        a: extra\n",
                "lib/helpers.js": "function shout(x) { return String(x).toUpperCase(); }\n",
            },
        )
    )
    assert talk.say("i want a pear").answers == ("PEAR",)
    assert talk.say("extra").state == "/More/Extra"


SLOTS = """
state: Order
    q!: * order *
    slot: count || entity = $Number, required = true, prompt = "How many? | Sorry, how many cups?"
    slot: size || entity = $size, required = true, prompt = "Which size?"
    slot: note || entity = $AnyWord, required = false
    a: {{ $parseTree._count }} {{ $parseTree._size }}, noted.
state: Help
    q!: help
    a: help
patterns:
    $size = (small|large)
"""


def test_slot_filling_asks_missing_required_slots_in_turn(make_bot: MakeBot) -> None:
    runtime = make_bot(SLOTS)
    talk = Talk(runtime)
    assert talk.say("i want to order").answers == ("How many?",)
    assert talk.say("hmm").answers == ("Sorry, how many cups?",)  # asked again, next prompt
    assert talk.say("3").answers == ("Which size?",)
    assert talk.say("large").answers == ("3 large, noted.",)
    quick = Talk(runtime)
    assert quick.say("order 2 small").answers == ("2 small, noted.",)
    leaving = Talk(runtime)
    leaving.say("order")
    assert leaving.say("help").answers == ("help",)  # another trigger ends the slot filling
    assert leaving.conv.slots is None


def test_a_failing_script_stops_the_reactions_after_it_even_those_run_in_python(
    make_bot: MakeBot,
) -> None:
    """Scripts wait for the next V8 call; a go, buttons or a timeout after a script that fails
    must still not happen (they run what is queued first)."""
    talk = Talk(
        make_bot(
            "state: Go\n    q!: go\n    a: one\n    script:\n        nope();\n"
            "    go!: /Other\n"
            "state: Buttons\n    q!: buttons\n    script:\n        nope();\n"
            '    buttons:\n        "Yes" -> /Other\n'
            "state: Later\n    q!: later\n    script:\n        $session.ran = 1;\n"
            "    go: /Other\n    script:\n        nope();\n    a: never\n"
            "state: Other\n    q!: other\n    a: other\n"
        )
    )
    turn = talk.say("go")
    assert turn.answers == ("one",) and turn.state == "/Go"
    assert turn.errors == ("main.sc:5: ReferenceError: nope is not defined",)
    turn = talk.say("buttons")
    assert turn.buttons == () and talk.conv.buttons == {}
    turn = talk.say("later")
    assert turn.state == "/Other" and turn.answers == () and talk.conv.session == {"ran": 1}
    assert turn.errors == ("main.sc:19: ReferenceError: nope is not defined",)
