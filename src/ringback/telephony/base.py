"""The telephony interface: what the dialer asks of a network.

A dial goes ``dialling → ringing → answered | busy | noAnswer | failed | nonexistent``; an
answered call carries a media session (the callee's utterances, fed to the bot) until someone
hangs up. The dialer only needs to know, when it dials, how the network will report the call:
:meth:`Telephony.dial` returns a :class:`CallPlan`, and the dialer plays it out on its clock
(virtual or real), running the bot conversation at the instants the plan gives.

Durations of a call that is not answered (chosen so that lines behave like real trunks, and
capped by the campaign's ``ringTimeoutSeconds``):

- ``noAnswer``: the ring timeout (``ringTimeoutSeconds``, default 30 s);
- ``busy``: 5 s (the busy tone comes quickly);
- ``nonexistent``: 2 s (the network rejects the number);
- ``failed``: 1 s (a technical error);
- ``answer``: the callee picks up after 5 s of ringing (or half the ring timeout if that is
  shorter), then talks for max(``talkSeconds``, the conversation's own length).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

Outcome = Literal["answer", "busy", "noAnswer", "failed", "nonexistent"]
OUTCOMES: tuple[Outcome, ...] = ("answer", "busy", "noAnswer", "failed", "nonexistent")

DEFAULT_RING_TIMEOUT_SECONDS = 30
BUSY_SECONDS = 5.0
NONEXISTENT_SECONDS = 2.0
FAILED_SECONDS = 1.0
ANSWER_AFTER_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class CallPlan:
    """How the network will report one dial, and what the callee will do if they answer."""

    outcome: Outcome
    setup_seconds: float  # dialling → answered (answer), or dialling → the end (other outcomes)
    says: tuple[str, ...] = ()  # the callee's utterances in turn; "" is silence
    talk_seconds: float = 0.0  # answered calls last at least this long after the answer


def setup_seconds(outcome: Outcome, ring_timeout_seconds: float) -> float:
    """Seconds from dialling to the answer (or to the end of an unanswered call)."""
    ring = float(ring_timeout_seconds)
    if outcome == "noAnswer":
        return ring
    if outcome == "answer":
        return min(ANSWER_AFTER_SECONDS, ring / 2)
    fixed = {"busy": BUSY_SECONDS, "nonexistent": NONEXISTENT_SECONDS, "failed": FAILED_SECONDS}
    return min(fixed[outcome], ring)


class Telephony(Protocol):
    """A network the dialer places calls on."""

    #: one line for people, printed when a worker starts ("simulated — no real calls …")
    description: str

    def dial(self, phone: str, *, ring_timeout_seconds: float, now: datetime) -> CallPlan:
        """Place a call to ``phone`` (digits with country code) at ``now``."""
