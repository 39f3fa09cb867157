"""JAICP bot projects: load a folder, run it as a :class:`ringback.engine.conversation.Bot`.

``load_project(path)`` parses a project (:mod:`ringback.bot.project`); ``load_bot(path)``
compiles it into a runtime behind the engine's ``Bot`` protocol (:mod:`ringback.bot.adapter`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from ringback.bot.project import Project, ProjectError, load_project

if TYPE_CHECKING:
    from ringback.bot.adapter import JaicpBot
    from ringback.entities.types import EntityRecognizer

__all__ = ["Project", "ProjectError", "load_bot", "load_project"]


def load_bot(
    path: str | Path, *, entities: Mapping[str, EntityRecognizer] | None = None
) -> JaicpBot:
    """Load the project at ``path`` as a bot (one script engine, reused across calls).

    ``entities`` are the ``@name`` recognisers; by default ringback's Duckling-compatible
    ones (``ringback.entities.recognizers()``) when that package provides them.
    """
    from ringback.bot.adapter import JaicpBot

    return JaicpBot.load(path, entities=entities)
