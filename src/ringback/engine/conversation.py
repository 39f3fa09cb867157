"""The conversation hook: what the engine asks of a bot on an answered call.

The engine opens a :class:`BotCall` when a callee answers, feeds it ``/start`` and the callee's
utterances (an empty string is silence, ``speechNotRecognized``), tells it when the callee hangs
up, and applies :meth:`BotCall.outcome` (call result, report data, tags, redial, ``$client``)
when the call ends. The built-in bot (:mod:`ringback.engine.builtin_bot`) greets and hangs up;
:mod:`ringback.bot` runs JAICP projects behind the same protocol.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class DialHistory:
    """``$dialer.getDialHistory()`` of the current series (JAICP's four counts)."""

    completed_attempts: int  # attempts made in this call job, the current one included
    available_attempts: int  # attempts left in this call job
    completed_attempts_to_phone: int  # attempts to this number in the campaign, all jobs
    available_attempts_to_phone: int


@dataclass(frozen=True, slots=True)
class CallContext:
    """What the bot may know about the call (the ``$dialer`` getters read from it)."""

    phone: str
    payload: dict[str, Any]
    campaign_id: int
    campaign_token: str
    campaign_settings: dict[str, Any]  # admin-API fields: timezone, allowedDays, allowedTime …
    call_job_id: int
    redial_number: int | None
    attempt_number: int
    zone: tzinfo  # the callee's zone (getAbonentTimezone, entity reference time)
    started_at: datetime  # UTC, when the call was answered
    client: dict[str, Any]  # $client as stored for this number
    history: DialHistory
    sip_headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Reply:
    text: str
    state: str | None = None  # the bot's state path after the reply (for transcripts)


@dataclass(slots=True)
class ConversationOutcome:
    """What the bot asked of the dialer; applied by the engine when the call ends."""

    call_result: str | None = None
    call_result_payload: Any = None
    report_data: dict[str, Any] = field(default_factory=dict)
    tag_name: str | None = None
    tag_payload: Any = None
    redial: dict[str, Any] | None = None  # the first valid $dialer.redial params (raw JSON)
    client: dict[str, Any] | None = None  # $client to persist, None if untouched
    bot_hung_up: bool = False


class BotCall(Protocol):
    """One conversation. Every method takes the engine's current (virtual or real) time."""

    def start(self, now: datetime) -> list[Reply]:
        """The call was answered: run ``/start``."""

    def hear(self, text: str, now: datetime) -> list[Reply]:
        """The callee said ``text`` (``""``: silence, the ``speechNotRecognized`` event)."""

    def hangup(self, now: datetime) -> None:
        """The callee hung up (the ``hangup`` event)."""

    @property
    def ended(self) -> bool:
        """True once the bot hung up (``$dialer.hangUp``)."""

    def outcome(self) -> ConversationOutcome: ...


class Bot(Protocol):
    """A loaded bot; opens one :class:`BotCall` per answered call."""

    def open(self, call: CallContext) -> BotCall: ...
