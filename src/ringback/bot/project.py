"""A JAICP project folder → :class:`Project` (every file parsed, states flattened to paths).

Layout (JAICP's): ``chatbot.yaml`` (``name``, ``entryPoint`` default ``main.sc``, ``language``,
``injector``, ``customTags``, ``tests``), scripts under ``src/``, XML tests under ``test/`` or
``src/test/``. Loading starts at the entry point and follows ``require:`` — as in JAICP, a
``.sc`` file nobody requires is not part of the bot.

``require:`` forms:

- ``require: other.sc`` / ``require: lib/util.js`` / ``require: ../x.sc``: a local file, looked
  up next to the requiring file, then under ``src/``, then in the project root.
- ``require: patterns.sc`` + an indented ``module = sys.zb-common`` (or ``|| module = …``): a
  file of JAICP's built-in library. ringback's own library (:mod:`ringback.bot.stdlib`) answers
  to the standard pattern names; a file of that path shipped there is loaded, any other such
  require is satisfied by the standard pattern library and noted in :attr:`Project.notes`.
- ``require: data.json`` + ``var = $Name``: the JSON becomes the JS global ``$Name``.

Whatever a public project uses that ringback does not run is listed by name in
:attr:`Project.warnings` (tags, options, CAILA intents, visual-editor blocks), never dropped
silently.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ringback.bot.ast import (
    Answer,
    If,
    Init,
    Loc,
    PatternDef,
    Patterns,
    Random,
    Reaction,
    Require,
    ScFile,
    State,
    Theme,
    Trigger,
)
from ringback.bot.parser import ScSyntaxError, parse_sc

STDLIB_DIR = Path(__file__).with_name("stdlib")
BUILTIN_MODULES = ("sys.zb-common",)

# Options ringback implements, per place; anything else is reported by name.
STATE_OPTIONS = frozenset({"noContext", "modal"})
TRIGGER_OPTIONS = frozenset({"fromState", "toState", "onlyThisState"})
ANSWER_OPTIONS = frozenset({"htmlEnabled"})  # accepted: markup is plain text on the phone


class ProjectError(Exception):
    """The project cannot be loaded; ``str()`` = ``"file:line: message"`` (or the file alone)."""


@dataclass(frozen=True, slots=True)
class JsCode:
    """JavaScript run once at load, in order: ``init:`` blocks and required ``.js`` files."""

    code: str
    loc: Loc


@dataclass(frozen=True, slots=True)
class StateNode:
    path: str
    parent: str | None  # None for top-level states (their parent is the root "/")
    state: State
    children: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CustomTagDecl:
    name: str
    start_state: str
    parameters: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Project:
    root: Path
    name: str
    language: str
    config: dict[str, Any]
    files: tuple[ScFile, ...]
    states: dict[str, StateNode]  # in definition order
    patterns: tuple[PatternDef, ...]
    js: tuple[JsCode, ...]
    tests: tuple[Path, ...]
    custom_tags: dict[str, CustomTagDecl]
    warnings: tuple[str, ...] = ()  # unsupported features, by name
    notes: tuple[str, ...] = ()  # informational (built-in requires)

    @property
    def injector(self) -> dict[str, Any]:
        value = self.config.get("injector") or {}
        return dict(value) if isinstance(value, dict) else {}


def load_project(path: str | Path) -> Project:
    """Load a project folder (or a single ``.sc`` file); raises :class:`ProjectError`."""
    return _Loader(Path(path)).load()


def join_path(base: str, name: str) -> str:
    """State path arithmetic: ``join_path("/A/B", "../C") == "/A/C"``, absolute names win."""
    if name.startswith("/"):
        parts: list[str] = []
    else:
        parts = [p for p in base.split("/") if p]
    for piece in name.split("/"):
        if piece in ("", "."):
            continue
        if piece == "..":
            if parts:
                parts.pop()
        else:
            parts.append(piece)
    return "/" + "/".join(parts)


class _Loader:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.files: list[ScFile] = []
        self.seen: set[Path] = set()
        self.patterns: list[PatternDef] = []
        self.js: list[JsCode] = []
        self.states: dict[str, StateNode] = {}
        self.warnings: list[str] = []
        self.notes: list[str] = []
        self.custom_tags: dict[str, CustomTagDecl] = {}

    def load(self) -> Project:
        if self.path.is_file():
            root, config, entry = self.path.parent, {}, self.path
            self.src = root
        else:
            root = self.path
            config = self._config(root)
            self.src = root / str(config.get("scriptsRoot", "src"))
            entry = self.src / str(config.get("entryPoint", "main.sc"))
            if not entry.is_file():
                raise ProjectError(f"{entry}: entry point not found")
        self.root = root
        self._custom_tags(config)
        self._load_file(entry)
        return Project(
            root=root,
            name=str(config.get("name", root.name)),
            language=str(config.get("language", "ru")),
            config=config,
            files=tuple(self.files),
            states=self.states,
            patterns=tuple(self.patterns),
            js=tuple(self.js),
            tests=self._tests(root, config),
            custom_tags=self.custom_tags,
            warnings=tuple(dict.fromkeys(self.warnings)),
            notes=tuple(dict.fromkeys(self.notes)),
        )

    # --- configuration --------------------------------------------------------------------

    def _config(self, root: Path) -> dict[str, Any]:
        file = root / "chatbot.yaml"
        if not file.is_file():
            raise ProjectError(f"{root}: not a bot project (no chatbot.yaml)")
        try:
            data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as error:
            raise ProjectError(f"{file}: not valid YAML: {error}") from None
        if not isinstance(data, dict):
            raise ProjectError(f"{file}: expected a mapping of settings")
        return data

    def _custom_tags(self, config: dict[str, Any]) -> None:
        for item in config.get("customTags") or []:
            file = self.root / str(item)
            try:
                decl = json.loads(file.read_text(encoding="utf-8"))
                name = str(decl["tagName"])
                start = str(decl["startState"])
            except (OSError, ValueError, KeyError, TypeError) as error:
                raise ProjectError(f"{file}: bad custom tag declaration: {error}") from None
            params = tuple(str(p.get("name")) for p in decl.get("parameters") or [])
            self.custom_tags[name] = CustomTagDecl(name, start, params)
            if decl.get("scenario"):
                self._load_file(self._find(str(decl["scenario"]), file.parent, None))

    def _tests(self, root: Path, config: dict[str, Any]) -> tuple[Path, ...]:
        listed = config.get("tests")
        if isinstance(listed, list) and listed:
            files = [self._find(str(t), root, None, dirs=(root / "test", self.src)) for t in listed]
            return tuple(files)
        found: list[Path] = []
        for folder in (root / "test", self.src / "test"):
            if folder.is_dir():
                found.extend(sorted(folder.rglob("*.xml")))
        return tuple(found)

    # --- files ----------------------------------------------------------------------------

    def _find(self, name: str, here: Path, loc: Loc | None, dirs: tuple[Path, ...] = ()) -> Path:
        for base in (here, *dirs, self.src, self.root):
            candidate = (base / name).resolve()
            if candidate.is_file():
                return candidate
        where = f"{loc}: " if loc else ""
        raise ProjectError(f"{where}require: cannot find {name!r}")

    def _rel(self, file: Path) -> str:
        try:
            return str(file.relative_to(self.src.resolve()))
        except ValueError:
            try:
                return str(file.relative_to(self.root.resolve()))
            except ValueError:
                return str(file)

    def _load_file(self, file: Path, display: str | None = None) -> None:
        file = file.resolve()
        if file in self.seen:
            return
        self.seen.add(file)
        name = display or self._rel(file)
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise ProjectError(f"{name}: cannot read: {error}") from None
        if file.suffix == ".js":
            self.js.append(JsCode(text, Loc(name, 1)))
            return
        try:
            sc = parse_sc(text, name, custom_tags=self.custom_tags.keys())
        except ScSyntaxError as error:
            raise ProjectError(str(error)) from None
        self.files.append(sc)
        for bad in sc.unsupported:
            self.warnings.append(f"{bad.loc}: tag '{bad.tag}' is not supported")
        for item in sc.items:
            if isinstance(item, Require):
                self._require(item, file.parent)
            elif isinstance(item, Patterns):
                self.patterns.extend(item.defs)
            elif isinstance(item, Init):
                self.js.append(JsCode(item.code, item.loc))
            elif isinstance(item, Theme):
                base = join_path("/", item.path)
                for state in item.states:
                    self._add_state(state, base)
            elif isinstance(item, State):
                self._add_state(item, "/")

    def _require(self, req: Require, here: Path) -> None:
        module = req.params.get("module")
        if isinstance(module, str) or req.path.startswith("sys."):
            shipped = STDLIB_DIR / req.path
            if shipped.is_file():
                self._load_file(shipped, display=f"{module or 'sys'}:{req.path}")
            else:
                self.notes.append(
                    f"{req.loc}: require {req.path!r} ({module or req.path}) is served by "
                    "ringback's built-in pattern library"
                )
            return
        file = self._find(req.path, here, req.loc)
        if file.suffix in (".sc", ".js"):
            self._load_file(file)
            return
        var = req.params.get("var")
        if file.suffix == ".json" and isinstance(var, str):
            try:
                data = json.loads(file.read_text(encoding="utf-8"))
            except ValueError as error:
                raise ProjectError(f"{self._rel(file)}: not valid JSON: {error}") from None
            self.js.append(JsCode(f"var {var} = {json.dumps(data)};", req.loc))
            return
        self.warnings.append(
            f"{req.loc}: require of {file.suffix or 'this'} file {req.path!r} is not supported"
        )

    def _add_state(self, state: State, parent: str) -> None:
        path = join_path(parent, state.name)
        if path in self.states:
            first = self.states[path].state.loc
            self.warnings.append(
                f"{state.loc}: state {path} already defined at {first}; this definition is ignored"
            )
            return
        self.states[path] = StateNode(
            path,
            None if parent == "/" else parent,
            state,
            tuple(join_path(path, child.name) for child in state.children),
        )
        self._check_options(state)
        for child in state.children:
            self._add_state(child, path)

    def _check_options(self, state: State) -> None:
        for option in state.params:
            if option not in STATE_OPTIONS:
                self.warnings.append(f"{state.loc}: state option '{option}' is not supported")
        for trigger in state.triggers:
            self._check_trigger(trigger)
        self._check_reactions(state.reactions)

    def _check_trigger(self, trigger: Trigger) -> None:
        for option in trigger.params:
            if option not in TRIGGER_OPTIONS:
                self.warnings.append(f"{trigger.loc}: option '{option}' is not supported")
        if trigger.kind in ("intent", "intentGroup"):
            self.warnings.append(
                f"intent {trigger.value} needs the CAILA NLU classifier, not available"
            )
        elif trigger.kind == "eg":
            self.warnings.append(
                f"example group {trigger.value} needs the CAILA NLU classifier, not available"
            )

    def _check_reactions(self, reactions: tuple[Reaction, ...]) -> None:
        for reaction in reactions:
            if isinstance(reaction, Answer):
                for option in reaction.params:
                    if option not in ANSWER_OPTIONS:
                        self.warnings.append(f"{reaction.loc}: option '{option}' is not supported")
            elif isinstance(reaction, If):
                for branch in reaction.branches:
                    self._check_reactions(branch.reactions)
            elif isinstance(reaction, Random):
                self._check_reactions(reaction.choices)
