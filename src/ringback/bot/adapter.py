"""A JAICP project behind the engine's :class:`~ringback.engine.conversation.Bot` protocol.

One :class:`JaicpBot` is one loaded project with one script engine (V8 isolate), reused by
every call; each answered call opens a :class:`JaicpCall` with its own ``$session`` and the
number's stored ``$client``. What the scripts asked of ``$dialer`` comes back as a
:class:`~ringback.engine.conversation.ConversationOutcome` when the call ends:

- ``setCallResult*`` → ``call_result`` / ``call_result_payload``; ``reportData`` →
  ``report_data``; the first ``addCallTag`` → ``tag_name`` / ``tag_payload`` (the outcome holds
  one tag; later tags are logged);
- the first valid ``redial`` → ``redial`` (later ones are ignored and logged by
  :class:`~ringback.bot.dialer_api.DialerRequests`);
- ``$client`` → ``client`` when a script changed it, else ``None``;
- ``hangUp`` → ``bot_hung_up``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from ringback.bot.dialer_api import DEFAULT_NO_INPUT_TIMEOUT_MS, dialer_data
from ringback.bot.project import load_project
from ringback.bot.runtime import Conversation, Runtime, Turn
from ringback.engine.conversation import CallContext, ConversationOutcome, Reply
from ringback.entities.types import EntityRecognizer

log = logging.getLogger(__name__)


def default_entities() -> dict[str, EntityRecognizer]:
    """ringback's Duckling-compatible recognisers, when :mod:`ringback.entities` has them."""
    try:
        from ringback.entities.recognizers import recognizers
    except ImportError:
        return {}
    return dict(recognizers())


class JaicpBot:
    """A loaded JAICP project; :meth:`open` starts one conversation per answered call."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        for warning in runtime.warnings:
            log.warning("bot %s: %s", runtime.project.name, warning)

    @classmethod
    def load(
        cls, path: str | Path, *, entities: Mapping[str, EntityRecognizer] | None = None
    ) -> JaicpBot:
        project = load_project(path)
        return cls(Runtime(project, entities=default_entities() if entities is None else entities))

    def open(self, call: CallContext) -> JaicpCall:
        return JaicpCall(self.runtime, call)

    def not_connected(self, call: CallContext, reason: str, now: datetime) -> ConversationOutcome:
        """An attempt nobody answered (``reason``: ``BUSY`` | ``NO_ANSWER``, what
        ``$dialer.getCallNotConnectedReason()`` returns): runs the ``onCallNotConnected`` event.

        Not part of the engine's ``Bot`` protocol (yet): a bot may redial or set a call result
        from there, so the engine can apply the returned outcome like a conversation's.
        """
        unanswered = JaicpCall(self.runtime, call, not_connected_reason=reason)
        unanswered._refresh(now)
        unanswered.turns.append(
            self.runtime.handle(unanswered.conv, now, event="onCallNotConnected")
        )
        return unanswered.outcome()


class JaicpCall:
    """One phone conversation (the engine's :class:`~ringback.engine.conversation.BotCall`)."""

    def __init__(
        self, runtime: Runtime, call: CallContext, *, not_connected_reason: str | None = None
    ) -> None:
        self.runtime = runtime
        self.call = call
        self.not_connected_reason = not_connected_reason
        self.conv = Conversation(
            client=dict(call.client),
            channel="phone",
            dialer_data=dialer_data(
                call, call.started_at, call_not_connected_reason=not_connected_reason
            ),
            raw_request=raw_request(call),
            tz=call.zone,
        )
        self.turns: list[Turn] = []

    def _replies(self, turn: Turn) -> list[Reply]:
        self.turns.append(turn)
        return [Reply(text, turn.state) for text in turn.answers]

    def _refresh(self, now: datetime) -> None:
        # getAbonentTimezone() is the zone's offset at the time of the request
        self.conv.dialer_data = dialer_data(
            self.call, now, call_not_connected_reason=self.not_connected_reason
        )

    def start(self, now: datetime) -> list[Reply]:
        self._refresh(now)
        return self._replies(self.runtime.handle(self.conv, now, query="/start"))

    def hear(self, text: str, now: datetime) -> list[Reply]:
        if self.conv.ended:
            return []
        self._refresh(now)
        return self._replies(self.runtime.handle(self.conv, now, query=text))

    def hangup(self, now: datetime) -> None:
        if not self.conv.ended:
            self._refresh(now)
            self.turns.append(self.runtime.handle(self.conv, now, event="hangup"))

    @property
    def ended(self) -> bool:
        return self.conv.ended

    @property
    def no_input_timeout_ms(self) -> int:
        """How long to wait for speech before ``speechNotRecognized``: the last request's
        ``$dialer.setNoInputTimeout`` (1000–20000 ms), else JAICP's default of 5000 ms."""
        return self.conv.dialer.no_input_timeout_ms or DEFAULT_NO_INPUT_TIMEOUT_MS

    def outcome(self) -> ConversationOutcome:
        d = self.conv.dialer
        tag = d.tags[0] if d.tags else None
        if len(d.tags) > 1:
            log.info(
                "call %s: %d call tags, the outcome keeps the first", self.call.phone, len(d.tags)
            )
        return ConversationOutcome(
            call_result=d.call_result,
            call_result_payload=d.call_result_payload,
            report_data=dict(d.report_data),
            tag_name=tag["tag"] if tag else None,
            tag_payload=tag.get("payload") if tag else None,
            redial=d.redial,
            client=dict(self.conv.client) if self.conv.client_touched else None,
            bot_hung_up=d.hang_up is not False,
        )


def raw_request(call: CallContext) -> dict[str, str | int | dict[str, object] | None]:
    """``$request.rawRequest`` of the phone channel (the fields public scripts read)."""
    return {
        "caller": call.phone,
        "callee": None,
        "campaignId": call.campaign_id,
        "callJobId": call.call_job_id,
        "originateData": {"payload": call.payload},
    }
