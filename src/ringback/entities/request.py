"""Validated parse requests, shared by the HTTP API and the ``--jsonl`` CLI."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ringback.domain.errors import ValidationError
from ringback.entities.extract import DIMS, LANGS, language, parse


def zone(name: str | None) -> tzinfo | None:
    if name is None or name == "":
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValidationError("invalid.tz", f"unknown IANA time zone {name!r}") from error


def reftime(value: Any, tz: tzinfo | None, default: datetime | None = None) -> datetime:
    """Epoch milliseconds (int or digits) or ISO-8601; a naive ISO time is read in ``tz`` (UTC
    without one)."""
    if value is None or value == "":
        if default is None:
            raise ValidationError("invalid.reftime", "reftime is required")
        return default
    if isinstance(value, bool):
        raise ValidationError("invalid.reftime", "expected epoch milliseconds or ISO-8601")
    try:
        if isinstance(value, int | float) or (
            isinstance(value, str) and value.lstrip("-").isdigit()
        ):
            return datetime.fromtimestamp(int(value) / 1000, tz=UTC)
        if isinstance(value, str):
            ref = datetime.fromisoformat(value.replace("Z", "+00:00"))
            return ref if ref.tzinfo is not None else ref.replace(tzinfo=tz or UTC)
    except (ValueError, OverflowError, OSError) as error:
        raise ValidationError("invalid.reftime", f"bad reftime {value!r}") from error
    raise ValidationError("invalid.reftime", "expected epoch milliseconds or ISO-8601")


def dims(value: Any) -> list[str]:
    """A JSON list (``'["time","number"]'``), a comma list (``time,number``) or a list."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                value = json.loads(text)
            except json.JSONDecodeError as error:
                raise ValidationError("invalid.dims", "dims is not a JSON list") from error
        else:
            value = [d.strip() for d in text.split(",") if d.strip()]
    if not isinstance(value, list) or not all(isinstance(d, str) for d in value):
        raise ValidationError("invalid.dims", "dims must be a list of dimension names")
    unknown = [d for d in value if d not in DIMS]
    if unknown:
        raise ValidationError(
            "invalid.dims", f"unsupported dims {unknown}; supported: {list(DIMS)}"
        )
    return list(value)


def flag(value: Any, field: str = "latent") -> bool:
    if value is None or value == "":
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false", "1", "0"):
        return value.lower() in ("true", "1")
    raise ValidationError(f"invalid.{field}", f"{field} must be true or false")


def locale_of(locale: Any, lang: Any = None) -> str:
    value = locale or lang or "en_US"
    if not isinstance(value, str):
        raise ValidationError("invalid.locale", "locale must be a string like en_US")
    try:
        language(value)
    except ValueError as error:
        raise ValidationError(
            "invalid.locale", f"unsupported locale {value!r}; supported: {list(LANGS)}"
        ) from error
    return value


def handle(
    *,
    text: Any,
    locale: Any = None,
    lang: Any = None,
    dims_: Any = None,
    tz: Any = None,
    ref: Any = None,
    latent: Any = None,
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """Validate one request and parse it; raises ``ValidationError("invalid.<field>")``."""
    if not isinstance(text, str) or text == "":
        raise ValidationError("invalid.text", "text is required")
    if tz is not None and not isinstance(tz, str):
        raise ValidationError("invalid.tz", "tz must be an IANA zone name")
    zone_ = zone(tz)
    loc = locale_of(locale, lang)
    wanted: Sequence[str] = dims(dims_)
    return parse(
        text,
        locale=loc,
        ref=reftime(ref, zone_, now),
        tz=zone_,
        dims=wanted,
        latent=flag(latent),
    )
