"""Duckling-compatible extraction of times, numbers, ordinals and durations (EN, RU).

``parse(text, locale=, ref=, tz=, dims=, latent=)`` returns Duckling's JSON entities;
``recognizers()`` gives the bot's ``@duckling.*`` recognisers; ``http.router`` serves Duckling's
HTTP API.
"""

from __future__ import annotations

from ringback.entities.extract import parse
from ringback.entities.recognizers import recognizers

__all__ = ["parse", "recognizers"]
