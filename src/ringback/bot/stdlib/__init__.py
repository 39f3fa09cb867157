"""ringback's standard library of named patterns: what ``require: sys.zb-common`` gives a bot.

Word-list patterns live in ``.sc`` files of this package (``patterns:`` blocks, loaded in file
name order); patterns a word list cannot express are Python natives (:mod:`.natives`). The names
and their meanings are the interface: ``$Number``, ``$AnyWord``, ``$Text``, ``$NonEmptyGarbage``,
``$yes``, ``$no``, ``$hello``, ``$bye``, ``$thanks``, ``$dontKnow``, ``$repeat``, ``$operator``,
``$switchToOperator``, ``$obsceneWord``, ``$mobilePhoneNumber``, ``$Email``, ``$DateTime``.
"""

from __future__ import annotations

from importlib import resources

from ringback.bot.patterns import PatternLibrary
from ringback.bot.stdlib import natives

# The names public projects require JAICP's common library by (as a file or as `module =`).
_LIBRARY_NAMES = frozenset({"sys.zb-common", "zb-common", "sys:zb-common", "zb_common"})


def is_standard_library(require_name: str, module: str | None = None) -> bool:
    """Does ``require: <require_name>`` (with its ``module = …`` option) mean this library?

    ``require: sys.zb-common`` and any file of that module (``require: common.js`` with
    ``module = sys.zb-common``, ``require: patterns.sc`` likewise) are answered by it.
    """
    names = {require_name.strip().lower()}
    if module is not None:
        names.add(module.strip().lower())
    return not names.isdisjoint(_LIBRARY_NAMES)


def install(library: PatternLibrary) -> None:
    """Define every standard pattern in ``library``."""
    natives.install(library)
    package = resources.files(__name__)
    for entry in sorted(package.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".sc"):
            _load_sc(library, entry.read_text(encoding="utf-8"), f"sys.zb-common/{entry.name}")


def _load_sc(library: PatternLibrary, text: str, file: str) -> None:
    """The ``patterns:`` blocks of one of our own .sc files (only those: they hold nothing else)."""
    lines = text.splitlines()
    for n, line in enumerate(lines, start=1):
        if line.strip() == "patterns:":
            body = []
            for following in lines[n:]:
                if following.strip() and not following.startswith((" ", "\t")):
                    break
                body.append(following)
            library.define_block("\n".join(body), file=file, line=n + 1)
