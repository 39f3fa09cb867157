"""The error tree of ringback.

Every rejected input raises a :class:`ValidationError` whose ``type`` is JAICP's error type
(``invalid.call.allowed.time``, ``phone.bad.format``, ``invalid.maxAttempts`` …). The API turns it
into a 400 body ``{"type": …, **details, "message": …}``; the CLI prints it on one line.
"""

from __future__ import annotations

from typing import Any


class RingbackError(Exception):
    """Base of every error ringback raises on purpose."""


class ValidationError(RingbackError):
    """Input that breaks the contract; nothing was changed.

    ``type`` is the wire error type, ``message`` says what was wrong and what was expected,
    ``details`` are the extra fields of the error body (``phone``, ``gmtZone``, ``state`` …).
    """

    def __init__(self, type: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.type = type
        self.message = message
        self.details = details

    def to_json(self) -> dict[str, Any]:
        return {"type": self.type, **self.details, "message": self.message}

    def __str__(self) -> str:
        return f"{self.type}: {self.message}"


class RedialError(RingbackError):
    """``$dialer.redial`` was given bad params; the text is exactly JAICP's.

    ``str(error)`` is ``"$dialer.redial params error. <reason>"``, the message of the JS ``Error``
    thrown into the script.
    """

    PREFIX = "$dialer.redial params error. "

    def __init__(self, reason: str) -> None:
        super().__init__(self.PREFIX + reason)
        self.reason = reason
