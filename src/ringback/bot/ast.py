"""The typed AST of JAICP ``.sc`` scripts.

The parser (:mod:`ringback.bot.parser`) turns text into these records and the runtime only ever
interprets them. Every node keeps the ``file:line`` it came from, so that a script error, an
unsupported tag or a bad pattern can be reported where the author wrote it.

A script body (``script:``, ``scriptEs6:``, ``init:``) keeps the line of its first code line in
``loc``: the JS engine adds it to the line numbers of its own errors.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeAlias

ParamValue: TypeAlias = str | bool | int | float
Params: TypeAlias = dict[str, ParamValue]


@dataclass(frozen=True, slots=True)
class Loc:
    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


# --- reactions (run in order when a state is entered) -------------------------------------


@dataclass(frozen=True, slots=True)
class Answer:
    """``a: text`` — ``{{ expr }}`` parts are JS expressions; ``params`` holds ``tts`` etc."""

    text: str
    loc: Loc
    params: Params = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Script:
    """``script:`` / ``scriptEs6:`` — JavaScript run in the bot's sandbox."""

    code: str
    loc: Loc  # line of the first code line
    es6: bool = False


@dataclass(frozen=True, slots=True)
class Go:
    """``go!: /Path`` (``now``: jump and run the target) or ``go: /Path`` (context only)."""

    target: str
    now: bool
    loc: Loc


@dataclass(frozen=True, slots=True)
class Branch:
    condition: str | None  # None for ``else:``
    reactions: tuple[Reaction, ...]
    loc: Loc


@dataclass(frozen=True, slots=True)
class If:
    """``if:`` with its ``elseif:`` / ``else:`` branches, in order."""

    branches: tuple[Branch, ...]
    loc: Loc


@dataclass(frozen=True, slots=True)
class Random:
    """``random:`` — one of the child reactions, chosen at random."""

    choices: tuple[Reaction, ...]
    loc: Loc


@dataclass(frozen=True, slots=True)
class Button:
    text: str
    target: str | None  # ``"text" -> /Path``
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Buttons:
    """``buttons:`` / ``inlineButtons:`` items."""

    items: tuple[Button, ...]
    loc: Loc
    inline: bool = False


@dataclass(frozen=True, slots=True)
class Media:
    """``image:`` / ``audio:`` — a file or URL (``audio`` is played on the phone channel)."""

    kind: str
    url: str
    loc: Loc


@dataclass(frozen=True, slots=True)
class Timeout:
    """``timeout: /Path || interval = 10`` — where to go when the user says nothing."""

    target: str
    interval_s: float | None
    loc: Loc


@dataclass(frozen=True, slots=True)
class CustomTag:
    """A block tag declared under ``customTags`` in ``chatbot.yaml``, with its parameters."""

    name: str
    value: str
    params: Params
    loc: Loc


Reaction: TypeAlias = Answer | Script | Go | If | Random | Buttons | Media | Timeout | CustomTag

# --- triggers --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Trigger:
    """A way into a state.

    ``kind`` is ``q`` (pattern), ``event``, ``intent``, ``intentGroup``, ``e`` (example phrase) or
    ``eg`` (example group); ``is_global`` is the ``!`` form. ``params`` holds ``fromState``,
    ``toState``, ``onlyThisState`` …
    """

    kind: str
    value: str
    is_global: bool
    loc: Loc
    params: Params = field(default_factory=dict)


# --- structure -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Slot:
    """``slot: name || entity = $Number, required = true, prompt = "How many? | Sorry, how many?"``

    ringback's syntax for SPEC §5 slot filling (JAICP defines slots in its cloud NLU): the
    value of ``entity`` (a named pattern or ``@entity``) found in an utterance fills the slot;
    missing required slots are asked in turn with their prompts (``|`` separates re-asks).
    """

    name: str
    entity: str
    required: bool
    prompts: tuple[str, ...]
    loc: Loc


@dataclass(frozen=True, slots=True)
class State:
    name: str
    params: Params
    triggers: tuple[Trigger, ...]
    reactions: tuple[Reaction, ...]
    children: tuple[State, ...]
    loc: Loc
    slots: tuple[Slot, ...] = ()


@dataclass(frozen=True, slots=True)
class Theme:
    path: str
    states: tuple[State, ...]
    loc: Loc


@dataclass(frozen=True, slots=True)
class Require:
    """``require: path`` with its options (``module = sys.zb-common`` …)."""

    path: str
    params: Params
    loc: Loc


@dataclass(frozen=True, slots=True)
class PatternDef:
    name: str  # without the ``$``
    text: str
    loc: Loc


@dataclass(frozen=True, slots=True)
class Patterns:
    defs: tuple[PatternDef, ...]
    loc: Loc


@dataclass(frozen=True, slots=True)
class Init:
    code: str
    loc: Loc


@dataclass(frozen=True, slots=True)
class Unsupported:
    """A tag ringback does not run; kept so the loader can report it by name."""

    tag: str
    value: str
    loc: Loc


TopLevel: TypeAlias = Require | Patterns | Init | Theme | State | Unsupported


@dataclass(frozen=True, slots=True)
class ScFile:
    path: str
    items: tuple[TopLevel, ...]
    unsupported: tuple[Unsupported, ...] = ()  # anywhere in the file, in order
