"""``.sc`` text → :mod:`ringback.bot.ast`.

The format is line based: ``tag: value`` (``go!:/Path`` without the space works too), options
after ``||`` (``state: X || noContext = true``), children indented deeper than their parent.
``script:``, ``scriptEs6:`` and ``init:`` take every deeper line verbatim as JavaScript (blank
lines and ``//`` comments included) and keep the first line's number for error messages.
Lines starting with ``#`` outside such bodies are comments.

Errors are :class:`ScSyntaxError` with ``str()`` = ``"file.sc:12: expected …"``. A tag the
runtime does not know is not an error: it becomes :class:`~ringback.bot.ast.Unsupported` so the
loader can say which tags of a public project are not run.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field

from ringback.bot.ast import (
    Answer,
    Branch,
    Button,
    Buttons,
    CustomTag,
    Go,
    If,
    Init,
    Loc,
    Media,
    Params,
    ParamValue,
    PatternDef,
    Patterns,
    Random,
    Reaction,
    Require,
    ScFile,
    Script,
    Slot,
    State,
    Theme,
    Timeout,
    TopLevel,
    Trigger,
    Unsupported,
)


class ScSyntaxError(Exception):
    def __init__(self, file: str, line: int, message: str) -> None:
        super().__init__(f"{file}:{line}: {message}")
        self.file = file
        self.line = line
        self.message = message


_TAG = re.compile(r"^([A-Za-z_][\w-]*!?)\s*:(?!:)\s?(.*)$")
# "|| name = value": options follow only when the text after || looks like an assignment
_OPTIONS = re.compile(r"\s*\|\|\s*(?=[A-Za-z_]\w*\s*=)")
_PATTERN_DEF = re.compile(r"^\$([\w.-]+)\s*=\s*(.*)$")
_BUTTON = re.compile(r'^\s*(?:"((?:[^"\\]|\\.)*)"|\'((?:[^\'\\]|\\.)*)\')\s*(?:->\s*(\S.*?))?\s*$')

RAW_TAGS = frozenset({"script", "scriptEs6", "init"})
# tags whose deeper lines are text, not child tags
_BODY_TAGS = RAW_TAGS | {"a", "patterns", "buttons", "inlineButtons", "require"}
TRIGGER_KINDS = frozenset({"q", "event", "intent", "intentGroup", "e", "eg"})
# tags whose deeper lines are child tags; the deeper lines of any other tag (custom tags,
# unknown tags) are its parameters or text
_TREE_TAGS = frozenset(
    {"state", "theme", "if", "elseif", "else", "random"}
    | TRIGGER_KINDS
    | {kind + "!" for kind in TRIGGER_KINDS}
    | {"go", "go!", "image", "audio", "timeout", "slot"}
)


@dataclass(slots=True)
class _Line:
    no: int
    indent: int
    text: str


@dataclass(slots=True)
class _Node:
    tag: str
    value: str
    line: _Line
    children: list[_Node] = field(default_factory=list)
    body: list[_Line] = field(default_factory=list)  # raw lines (scripts, a:, patterns, buttons)


def parse_sc(text: str, file: str, *, custom_tags: Collection[str] = ()) -> ScFile:
    """Parse one ``.sc`` file; ``custom_tags`` are the ``customTags`` names of the project."""
    parser = _Parser(file, frozenset(custom_tags))
    return parser.parse(text)


def parse_params(text: str, file: str, line: int) -> Params:
    """``a = 1, b = "x, y", c = true`` → dict (strings unquoted, booleans and numbers typed)."""
    params: Params = {}
    for part in _split_top(text, ","):
        part = part.strip()
        if not part:
            continue
        name, eq, value = part.partition("=")
        if not eq or not name.strip().isidentifier():
            raise ScSyntaxError(file, line, f"expected 'name = value' options, got {part!r}")
        params[name.strip()] = _param_value(value.strip())
    return params


def _param_value(text: str) -> ParamValue:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    if text in ("true", "false"):
        return text == "true"
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def _split_top(text: str, sep: str) -> list[str]:
    """Split on ``sep`` outside quotes and brackets."""
    parts, depth, quote, start = [], 0, "", 0
    for i, ch in enumerate(text):
        if quote:
            if ch == quote and text[i - 1] != "\\":
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch in "([{<":
            depth += 1
        elif ch in ")]}>":
            depth = max(0, depth - 1)
        elif ch == sep and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def split_options(value: str, file: str, line: int) -> tuple[str, Params]:
    """``"X || noContext = true"`` → ``("X", {"noContext": True})``."""
    match = _OPTIONS.search(value)
    if match is None:
        return value.strip(), {}
    return value[: match.start()].strip(), parse_params(value[match.end() :], file, line)


class _Parser:
    def __init__(self, file: str, custom_tags: frozenset[str]) -> None:
        self.file = file
        self.custom_tags = custom_tags
        self.unsupported: list[Unsupported] = []

    # --- lines → generic tree ----------------------------------------------------------

    def parse(self, text: str) -> ScFile:
        lines = []
        for no, raw in enumerate(text.splitlines(), start=1):
            expanded = raw.expandtabs(4).rstrip()
            stripped = expanded.lstrip()
            if no == 1:
                stripped = stripped.lstrip("\ufeff")
            lines.append(_Line(no, len(expanded) - len(stripped), stripped))
        nodes, _ = self._block(lines, 0, -1)
        items = [self._top(node) for node in nodes]
        return ScFile(
            self.file, tuple(item for item in items if item is not None), tuple(self.unsupported)
        )

    def _block(self, lines: list[_Line], i: int, parent_indent: int) -> tuple[list[_Node], int]:
        """Read sibling nodes indented deeper than ``parent_indent``, starting at ``lines[i]``."""
        nodes: list[_Node] = []
        level: int | None = None
        while i < len(lines):
            line = lines[i]
            if not line.text or line.text.startswith("#"):
                i += 1
                continue
            if line.indent <= parent_indent:
                break
            if level is None:
                level = line.indent
            elif line.indent != level:
                if line.indent < level:
                    raise ScSyntaxError(
                        self.file, line.no, "indentation does not match any outer block"
                    )
                raise ScSyntaxError(self.file, line.no, "unexpected indentation")
            match = _TAG.match(line.text)
            if match is None:
                raise ScSyntaxError(
                    self.file, line.no, f"expected 'tag: value', got {line.text[:40]!r}"
                )
            node = _Node(match.group(1), match.group(2).strip(), line)
            i += 1
            if node.tag in _BODY_TAGS or node.tag not in _TREE_TAGS:
                while i < len(lines) and (not lines[i].text or lines[i].indent > line.indent):
                    node.body.append(lines[i])
                    i += 1
                while node.body and not node.body[-1].text:
                    node.body.pop()
            else:
                node.children, i = self._block(lines, i, line.indent)
            nodes.append(node)
        return nodes, i

    def _loc(self, node: _Node) -> Loc:
        return Loc(self.file, node.line.no)

    def _expect_children(self, node: _Node) -> None:
        if not node.children:
            raise ScSyntaxError(
                self.file, node.line.no, f"expected an indented block after '{node.tag}:'"
            )

    def _unsupported(self, node: _Node) -> None:
        self.unsupported.append(Unsupported(node.tag, node.value, self._loc(node)))

    # --- generic tree → AST ---------------------------------------------------------------

    def _top(self, node: _Node) -> TopLevel | None:
        tag = node.tag
        if tag == "require":
            path, params = split_options(node.value, self.file, node.line.no)
            for line in node.body:
                if line.text and not line.text.startswith("#"):
                    params.update(parse_params(line.text, self.file, line.no))
            if not path:
                raise ScSyntaxError(self.file, node.line.no, "expected a file after 'require:'")
            return Require(path, params, self._loc(node))
        if tag == "patterns":
            return self._patterns(node)
        if tag == "init":
            code, first = self._raw(node)
            return Init(code, Loc(self.file, first))
        if tag == "theme":
            path, _ = split_options(node.value, self.file, node.line.no)
            self._expect_children(node)
            states = tuple(self._state(child) for child in node.children if self._is_state(child))
            return Theme(path or "/", states, self._loc(node))
        if tag == "state":
            return self._state(node)
        self._unsupported(node)
        return None

    def _is_state(self, node: _Node) -> bool:
        if node.tag == "state":
            return True
        self._unsupported(node)
        return False

    def _patterns(self, node: _Node) -> Patterns:
        defs: list[PatternDef] = []
        for line in node.body:
            if not line.text or line.text.startswith("#"):
                continue
            match = _PATTERN_DEF.match(line.text)
            if match is None:
                if defs and line.indent > node.body[0].indent:  # a definition continued
                    last = defs[-1]
                    defs[-1] = PatternDef(last.name, f"{last.text} {line.text}", last.loc)
                    continue
                raise ScSyntaxError(
                    self.file, line.no, f"expected '$name = pattern', got {line.text[:40]!r}"
                )
            defs.append(PatternDef(match.group(1), match.group(2).strip(), Loc(self.file, line.no)))
        return Patterns(tuple(defs), self._loc(node))

    def _raw(self, node: _Node) -> tuple[str, int]:
        """A script body: the inline value and/or the deeper lines, dedented."""
        body = list(node.body)
        code_lines: list[str] = []
        first = node.line.no
        if node.value:
            code_lines.append(node.value)
        elif body:
            first = next((line.no for line in body if line.text), node.line.no)
            body = [line for line in body if line.no >= first]
        if body:
            indent = min(line.indent for line in body if line.text)
            code_lines.extend(" " * max(0, line.indent - indent) + line.text for line in body)
        return "\n".join(code_lines), first

    def _state(self, node: _Node) -> State:
        name, params = split_options(node.value, self.file, node.line.no)
        if not name:
            raise ScSyntaxError(self.file, node.line.no, "expected a state name after 'state:'")
        if "||" in name:  # a state name cannot hold "||": the options after it are malformed
            raise ScSyntaxError(
                self.file, node.line.no, "expected 'name = value' options after '||'"
            )
        self._expect_children(node)
        triggers: list[Trigger] = []
        reaction_nodes: list[_Node] = []
        children: list[State] = []
        slots: list[Slot] = []
        for child in node.children:
            base = child.tag.rstrip("!")
            if child.tag == "state":
                children.append(self._state(child))
            elif child.tag == "slot":
                slots.append(self._slot(child))
            elif base in TRIGGER_KINDS:
                value, opts = split_options(child.value, self.file, child.line.no)
                if not value:
                    raise ScSyntaxError(
                        self.file, child.line.no, f"expected a value after '{child.tag}:'"
                    )
                triggers.append(
                    Trigger(base, value, child.tag.endswith("!"), self._loc(child), opts)
                )
            else:
                reaction_nodes.append(child)
        return State(
            name,
            params,
            tuple(triggers),
            self._reactions(reaction_nodes),
            tuple(children),
            self._loc(node),
            tuple(slots),
        )

    def _slot(self, node: _Node) -> Slot:
        name, opts = split_options(node.value, self.file, node.line.no)
        entity = opts.get("entity")
        if not name or not isinstance(entity, str) or not entity.startswith(("$", "@")):
            raise ScSyntaxError(
                self.file,
                node.line.no,
                "expected 'slot: name || entity = $Pattern or @entity, required = true, "
                'prompt = "…"\'',
            )
        prompts = tuple(p.strip() for p in str(opts.get("prompt", "")).split("|") if p.strip())
        required = opts.get("required", True) is True
        if required and not prompts:
            raise ScSyntaxError(self.file, node.line.no, f"expected a prompt for slot {name!r}")
        return Slot(name, entity, required, prompts, self._loc(node))

    def _reactions(self, nodes: list[_Node]) -> tuple[Reaction, ...]:
        out: list[Reaction] = []
        i = 0
        while i < len(nodes):
            node = nodes[i]
            if node.tag == "if":
                branches = [self._branch(node, node.value)]
                while i + 1 < len(nodes) and nodes[i + 1].tag in ("elseif", "else"):
                    i += 1
                    nxt = nodes[i]
                    branches.append(self._branch(nxt, nxt.value if nxt.tag == "elseif" else None))
                    if nxt.tag == "else":
                        break
                out.append(If(tuple(branches), self._loc(node)))
            elif node.tag in ("elseif", "else"):
                raise ScSyntaxError(self.file, node.line.no, f"'{node.tag}:' without 'if:'")
            else:
                reaction = self._reaction(node)
                if reaction is not None:
                    out.append(reaction)
            i += 1
        return tuple(out)

    def _branch(self, node: _Node, condition: str | None) -> Branch:
        if condition is not None and not condition:
            raise ScSyntaxError(
                self.file, node.line.no, f"expected a condition after '{node.tag}:'"
            )
        self._expect_children(node)
        return Branch(condition, self._reactions(node.children), self._loc(node))

    def _reaction(self, node: _Node) -> Reaction | None:
        tag, loc = node.tag, self._loc(node)
        if tag == "a":
            text, params = split_options(node.value, self.file, node.line.no)
            more = [line.text for line in node.body if line.text]
            return Answer("\n".join([text, *more]).strip(), loc, params)
        if tag in ("script", "scriptEs6"):
            code, line = self._raw(node)
            return Script(code, Loc(self.file, line), es6=tag == "scriptEs6")
        if tag in ("go", "go!"):
            if not node.value:
                raise ScSyntaxError(self.file, node.line.no, f"expected a state after '{tag}:'")
            return Go(node.value, tag == "go!", loc)
        if tag == "random":
            self._expect_children(node)
            return Random(self._reactions(node.children), loc)
        if tag in ("buttons", "inlineButtons"):
            return Buttons(self._buttons(node), loc, inline=tag == "inlineButtons")
        if tag in ("image", "audio"):
            return Media(tag, node.value, loc)
        if tag == "timeout":
            target, opts = split_options(node.value, self.file, node.line.no)
            interval = opts.get("interval")
            return Timeout(
                target, float(interval) if isinstance(interval, int | float) else None, loc
            )
        if tag in self.custom_tags:
            value, params = split_options(node.value, self.file, node.line.no)
            for row in node.body:
                if row.text and not row.text.startswith("#"):
                    params.update(parse_params(row.text, self.file, row.no))
            return CustomTag(tag, value, params, loc)
        self._unsupported(node)
        return None

    def _buttons(self, node: _Node) -> tuple[Button, ...]:
        items: list[Button] = []
        sources = [(node.value, node.line.no)] if node.value else []
        sources += [(line.text, line.no) for line in node.body if line.text]
        for text, no in sources:
            for part in _split_top(text, ","):
                part = part.strip()
                if not part:
                    continue
                match = _BUTTON.match(part)
                if match is not None:
                    label = match.group(1) if match.group(1) is not None else match.group(2)
                    items.append(Button(label, match.group(3)))
                elif part.startswith("{"):
                    items.append(_object_button(part))
                else:
                    raise ScSyntaxError(
                        self.file, no, f"expected a button '\"text\" -> /State', got {part!r}"
                    )
        return tuple(items)


def _object_button(text: str) -> Button:
    """``{text: "Site", url: "https://…"}`` (inlineButtons) or ``{text: "x", transition: "/Y"}``."""
    fields = {}
    for part in _split_top(text.strip()[1:-1], ","):
        key, _, value = part.partition(":")
        fields[key.strip().strip("\"'")] = str(_param_value(value.strip()))
    return Button(fields.get("text", ""), fields.get("transition"), fields.get("url"))
