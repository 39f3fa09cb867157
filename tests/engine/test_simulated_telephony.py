from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from ringback.telephony.base import setup_seconds
from ringback.telephony.simulated import CalleeMix, Callees, CalleeTurn, SimulatedTelephony

NOW = datetime(2025, 3, 7, 12, 0, tzinfo=UTC)


def _dial(net: SimulatedTelephony, phone: str, ring: float = 30) -> tuple[str, float]:
    plan = net.dial(phone, ring_timeout_seconds=ring, now=NOW)
    return plan.outcome, plan.setup_seconds


def test_probabilities_are_followed() -> None:
    mix = CalleeMix({"answer": 0.6, "busy": 0.15, "noAnswer": 0.25})
    net = SimulatedTelephony(Callees(mix), seed=7)
    counts = Counter(_dial(net, f"7916{i:07d}")[0] for i in range(20_000))
    assert set(counts) == {"answer", "busy", "noAnswer"}  # omitted outcomes count as 0
    assert abs(counts["answer"] / 20_000 - 0.6) < 0.02
    assert abs(counts["busy"] / 20_000 - 0.15) < 0.015
    assert abs(counts["noAnswer"] / 20_000 - 0.25) < 0.015


def test_seeded_draws_do_not_depend_on_dialling_order() -> None:
    mix = CalleeMix({"answer": 0.5, "busy": 0.5})
    phones = [f"1212555{i:04d}" for i in range(200)]
    a = SimulatedTelephony(Callees(mix), seed=3)
    b = SimulatedTelephony(Callees(mix), seed=3)
    first = {p: _dial(a, p)[0] for p in phones}
    second = {p: _dial(b, p)[0] for p in reversed(phones)}
    assert first == second
    other = SimulatedTelephony(Callees(mix), seed=4)
    assert {p: _dial(other, p)[0] for p in phones} != first


def test_scripted_attempts_in_order_and_the_last_repeats() -> None:
    turns = (
        CalleeTurn("noAnswer"),
        CalleeTurn("busy"),
        CalleeTurn("answer", says=("hello", "call me back in an hour"), talk_seconds=12),
    )
    default = CalleeMix({"busy": 1.0}, says=("yes",), talk_seconds=45)
    net = SimulatedTelephony(Callees(default, {"79161234567": turns}))
    outcomes = [_dial(net, "79161234567")[0] for _ in range(5)]
    assert outcomes == ["noAnswer", "busy", "answer", "answer", "answer"]
    plan = net.dial("79161234567", ring_timeout_seconds=30, now=NOW)
    assert plan.says == ("hello", "call me back in an hour") and plan.talk_seconds == 12
    assert _dial(net, "12125550100")[0] == "busy"  # an unscripted number: the default mix


def test_scripted_turn_falls_back_to_default_say_and_talk() -> None:
    default = CalleeMix({"answer": 1.0}, says=("yes",), talk_seconds=45)
    net = SimulatedTelephony(Callees(default, {"1": (CalleeTurn("answer"),)}))
    plan = net.dial("1", ring_timeout_seconds=30, now=NOW)
    assert plan.says == ("yes",) and plan.talk_seconds == 45


def test_durations_of_each_outcome() -> None:
    assert setup_seconds("noAnswer", 30) == 30
    assert setup_seconds("busy", 30) == 5
    assert setup_seconds("nonexistent", 30) == 2
    assert setup_seconds("failed", 30) == 1
    assert setup_seconds("answer", 30) == 5
    # a short ring timeout caps everything
    assert setup_seconds("answer", 2) == 1
    assert setup_seconds("busy", 2) == 2
    net = SimulatedTelephony(Callees(CalleeMix({"busy": 1.0}, says=("x",), talk_seconds=9)))
    plan = net.dial("1", ring_timeout_seconds=30, now=NOW)
    assert plan.says == () and plan.talk_seconds == 0  # nobody talks on a busy line
