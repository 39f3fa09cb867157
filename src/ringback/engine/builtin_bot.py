"""The built-in bot of a campaign without ``bot``: it greets and lets the call run out.

It never hangs up itself: the call lasts ``talkSeconds`` (SPEC §7), then the callee hangs up.
It sets no call result, so answered numbers end ``longCallWithNoResult``.
"""

from __future__ import annotations

from datetime import datetime

from ringback.engine.conversation import BotCall, CallContext, ConversationOutcome, Reply

GREETING = "Hello! This is an automated call from ringback. Have a nice day."


class BuiltinCall:
    def __init__(self) -> None:
        self._outcome = ConversationOutcome()

    def start(self, now: datetime) -> list[Reply]:
        return [Reply(GREETING, state="/Start")]

    def hear(self, text: str, now: datetime) -> list[Reply]:
        return []

    def hangup(self, now: datetime) -> None:
        return None

    @property
    def ended(self) -> bool:
        return False

    def outcome(self) -> ConversationOutcome:
        return self._outcome


class BuiltinBot:
    def open(self, call: CallContext) -> BotCall:
        return BuiltinCall()
