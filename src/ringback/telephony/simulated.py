"""Simulated telephony: scripted callees (SPEC §7 ``callees``), reproducible with a seed.

Each number answers according to the ``default`` probabilities, unless it has its own
``attempts`` list: one entry per attempt to this number over all its call jobs, in order, the
last one repeating. The random draw for an attempt depends only on (seed, phone, attempt index),
not on the order in which the dialer happens to place calls, so two runs of one scenario (or
several workers sharing one) give every number the same fate.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from ringback.telephony.base import OUTCOMES, CallPlan, Outcome, setup_seconds


@dataclass(frozen=True, slots=True)
class CalleeMix:
    """The ``default`` callee: outcome probabilities (summing to 1) and what answerers do."""

    probabilities: Mapping[Outcome, float] = field(default_factory=lambda: {"answer": 1.0})
    says: tuple[str, ...] = ()
    talk_seconds: float = 30.0

    def draw(self, rng: random.Random) -> Outcome:
        x = rng.random()
        acc = 0.0
        last: Outcome = "answer"
        for outcome in OUTCOMES:
            p = self.probabilities.get(outcome, 0.0)
            if p <= 0:
                continue
            acc += p
            last = outcome
            if x < acc:
                return outcome
        return last  # rounding: x beyond the accumulated sum


@dataclass(frozen=True, slots=True)
class CalleeTurn:
    """One scripted attempt; ``says``/``talk_seconds`` None fall back to the default callee."""

    outcome: Outcome
    says: tuple[str, ...] | None = None
    talk_seconds: float | None = None


@dataclass(frozen=True, slots=True)
class Callees:
    default: CalleeMix = field(default_factory=CalleeMix)
    scripted: Mapping[str, tuple[CalleeTurn, ...]] = field(default_factory=dict)


class SimulatedTelephony:
    """A network of scripted callees; places no real call."""

    description = "simulated — no real calls are placed"

    def __init__(self, callees: Callees, seed: int | str = 0) -> None:
        self.callees = callees
        self.seed = seed
        self._dials: defaultdict[str, int] = defaultdict(int)

    def dial(self, phone: str, *, ring_timeout_seconds: float, now: datetime) -> CallPlan:
        index = self._dials[phone]
        self._dials[phone] = index + 1
        default = self.callees.default
        turns = self.callees.scripted.get(phone)
        if turns:
            turn = turns[min(index, len(turns) - 1)]
            outcome = turn.outcome
            says = default.says if turn.says is None else turn.says
            talk = default.talk_seconds if turn.talk_seconds is None else turn.talk_seconds
        else:
            outcome = default.draw(random.Random(f"{self.seed}:{phone}:{index}"))
            says, talk = default.says, default.talk_seconds
        if outcome != "answer":
            says, talk = (), 0.0
        return CallPlan(
            outcome=outcome,
            setup_seconds=setup_seconds(outcome, ring_timeout_seconds),
            says=tuple(says),
            talk_seconds=float(talk),
        )
