"""The Python side of ``$dialer``: what one conversation asked of the dialer.

The scripts' ``$dialer`` calls are recorded in JS (``prelude.js``) as ``[name, args]`` and come
out of :meth:`ringback.bot.js.ScriptEngine.end_request` as ``dialer_calls``; the runtime folds
every request's list into one :class:`DialerRequests` per conversation with :meth:`apply`, and
the adapter turns that into the engine's ``ConversationOutcome`` when the call ends.

Which calls are recorded: ``setCallResult``, ``setCallResultAccepted``, ``setCallResultRejected``,
``reportData``, ``addCallTag``, ``hangUp``, ``setNoInputTimeout``, ``redial``, and the
telephony-only ``bargeInResponse``, ``bargeInInterrupt``, ``setTtsConfig`` (kept, in order, in
:attr:`DialerRequests.telephony`). The getters (``getCaller``, ``getPayload``,
``getDialHistory``, ``getCampaignSchedule``, ``getDialSchedule``, ``getAbonentTimezone``,
``getCallNotConnectedReason``, ``getSipHeaders``, ``getCampaignToken``, ``isIncomingCall``,
``getTtsConfig``, ``getTransferStatus``, ``getBargeInIntentStatus``, ``isBargeInInterrupted``,
``getCallRecordingFullUrl``, ``getCallRecordingPath``) read ``RequestData.dialer``, which
:func:`dialer_data` builds from the engine's :class:`~ringback.engine.conversation.CallContext`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ringback.engine.conversation import CallContext

__all__ = [
    "CALL_RESULT_ACCEPTED",
    "CALL_RESULT_REJECTED",
    "DEFAULT_NO_INPUT_TIMEOUT_MS",
    "DialerRequests",
    "dialer_data",
]

log = logging.getLogger(__name__)

DEFAULT_NO_INPUT_TIMEOUT_MS = 5000
NO_INPUT_TIMEOUT_RANGE_MS = (1000, 20000)
# JAICP's shortcuts set these call results (ringback's decision: JAICP's docs do not name them).
CALL_RESULT_ACCEPTED = "ACCEPTED"
CALL_RESULT_REJECTED = "REJECTED"
_TELEPHONY = frozenset({"bargeInResponse", "bargeInInterrupt", "setTtsConfig"})


@dataclass
class DialerRequests:
    """What one conversation asked of the dialer, folded from its recorded ``$dialer`` calls.

    - ``call_result`` / ``call_result_payload``: the last ``setCallResult*`` wins;
    - ``report_data``: header → value (a string), ordered by the ``order`` argument, then by
      first appearance; a header reported again keeps its place unless given a new order;
    - ``tags``: every ``addCallTag`` as ``{tag, payload, color}``, in order;
    - ``redial``: the first valid ``redial`` params (JSON, dates as epoch ms); later ones are
      counted in ``ignored_redials`` and logged;
    - ``hang_up``: ``False`` (no), ``True`` (without text) or the text;
    - ``no_input_timeout_ms``: ``setNoInputTimeout`` of the latest request only (JAICP: "for the
      current state"), clamped to 1000–20000; ``None`` means the default (5000).
    """

    call_result: str | None = None
    call_result_payload: Any = None
    report_data: dict[str, Any] = field(default_factory=dict)
    tags: list[dict[str, Any]] = field(default_factory=list)
    redial: dict[str, Any] | None = None
    ignored_redials: int = 0
    hang_up: str | bool | None = False
    no_input_timeout_ms: int | None = None
    telephony: list[tuple[str, list[Any]]] = field(default_factory=list)
    _report_order: dict[str, tuple[float, int]] = field(default_factory=dict, repr=False)

    def apply(self, calls: list[tuple[str, list[Any]]]) -> None:
        """Fold one request's recorded calls in (call it once per request, in order)."""
        self.no_input_timeout_ms = None
        for name, args in calls:
            handler = _HANDLERS.get(name)
            if handler is not None:
                handler(self, list(args))
            elif name in _TELEPHONY:
                self.telephony.append((name, list(args)))
            else:
                log.warning("unknown $dialer call %s ignored", name, extra={"action": name})

    # -- one method per recorded call ---------------------------------------------------------

    def _set_call_result(self, args: list[Any]) -> None:
        self.call_result = str(args[0])
        self.call_result_payload = args[1] if len(args) > 1 else None

    def _set_accepted(self, args: list[Any]) -> None:
        self._set_call_result([CALL_RESULT_ACCEPTED, *args[:1]])

    def _set_rejected(self, args: list[Any]) -> None:
        self._set_call_result([CALL_RESULT_REJECTED, *args[:1]])

    def _report(self, args: list[Any]) -> None:
        header, value = str(args[0]), args[1]
        order = args[2] if len(args) > 2 and isinstance(args[2], int | float) else None
        seen = self._report_order.get(header)
        if seen is None:
            rank = (float("inf") if order is None else float(order), len(self._report_order))
        else:
            rank = (seen[0] if order is None else float(order), seen[1])
        self._report_order[header] = rank
        values = {**self.report_data, header: value}
        self.report_data = {
            h: values[h] for h in sorted(values, key=lambda h: self._report_order[h])
        }

    def _tag(self, args: list[Any]) -> None:
        self.tags.append(
            {
                "tag": str(args[0]),
                "payload": args[1] if len(args) > 1 else None,
                "color": args[2] if len(args) > 2 else None,
            }
        )

    def _hang_up(self, args: list[Any]) -> None:
        text = args[0] if args else None
        self.hang_up = str(text) if text not in (None, "") else True

    def _no_input(self, args: list[Any]) -> None:
        low, high = NO_INPUT_TIMEOUT_RANGE_MS
        self.no_input_timeout_ms = min(high, max(low, int(args[0])))

    def _redial(self, args: list[Any]) -> None:
        # The JS side validated the params already (an invalid redial throws and is not
        # recorded), so the first recorded one is the first valid one.
        if self.redial is None:
            self.redial = dict(args[0])
            return
        self.ignored_redials += 1
        log.info(
            "$dialer.redial ignored: only the first redial of a conversation counts",
            extra={"action": "redial_ignored", "params": args[0]},
        )


_HANDLERS = {
    "setCallResult": DialerRequests._set_call_result,
    "setCallResultAccepted": DialerRequests._set_accepted,
    "setCallResultRejected": DialerRequests._set_rejected,
    "reportData": DialerRequests._report,
    "addCallTag": DialerRequests._tag,
    "hangUp": DialerRequests._hang_up,
    "setNoInputTimeout": DialerRequests._no_input,
    "redial": DialerRequests._redial,
}


def _offset_text(call: CallContext, now: datetime) -> str:
    offset = now.astimezone(call.zone).utcoffset()
    minutes = round(offset.total_seconds() / 60) if offset is not None else 0
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def dialer_data(
    call: CallContext,
    now: datetime,
    *,
    channel: str = "phone",
    call_not_connected_reason: str | None = None,
    dial_schedule: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """``RequestData.dialer`` for a call: what the ``$dialer`` getters return.

    ``getAbonentTimezone()`` is the callee zone's offset at ``now`` (``"+03:00"``);
    ``getCampaignSchedule()`` the campaign's ``allowedDays``/``allowedTime``;
    ``getDialSchedule()`` the number's own schedule when given, else the campaign's.
    """
    settings = call.campaign_settings
    campaign_schedule = {
        "allowedDays": settings.get("allowedDays"),
        "allowedTime": settings.get("allowedTime"),
    }
    history = call.history
    return {
        "channel": channel,
        "caller": call.phone,
        "payload": call.payload,
        "history": {
            "completedAttempts": history.completed_attempts,
            "availableAttempts": history.available_attempts,
            "completedAttemptsToPhone": history.completed_attempts_to_phone,
            "availableAttemptsToPhone": history.available_attempts_to_phone,
        },
        "campaignSchedule": campaign_schedule,
        "dialSchedule": dial_schedule if dial_schedule is not None else campaign_schedule,
        "timezone": _offset_text(call, now),
        "token": call.campaign_token,
        "sipHeaders": dict(call.sip_headers),
        "incoming": False,
        "callNotConnectedReason": call_not_connected_reason,
    }
