"""The due-number order of SPEC 1.4, as one sort key."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ringback.domain.ordering import due_order_key, epoch_us

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def key(name: str, priority: int, custom: bool, closes_min: int, due_min: int, seq: int):
    return (
        due_order_key(
            dialer_priority=priority,
            custom_schedule=custom,
            closes_at=T0 + timedelta(minutes=closes_min),
            due_at=T0 + timedelta(minutes=due_min),
            seq=seq,
        ),
        name,
    )


def test_each_rule_in_turn_decides_the_order() -> None:
    due = [
        key("p3-plain", 3, False, 60, 0, 1),
        key("p1-plain-late-close", 1, False, 600, 0, 2),
        key("p1-custom", 1, True, 600, 0, 3),
        key("p1-plain-early-close", 1, False, 30, 0, 4),
        key("p1-plain-early-close-waited-longer", 1, False, 30, -10, 5),
        key("p1-plain-early-close-waited-longer-inserted-first", 1, False, 30, -10, 0),
        key("p5-custom", 5, True, 1, -100, 6),
    ]
    assert [name for _, name in sorted(due)] == [
        "p1-custom",
        "p1-plain-early-close-waited-longer-inserted-first",
        "p1-plain-early-close-waited-longer",
        "p1-plain-early-close",
        "p1-plain-late-close",
        "p3-plain",
        "p5-custom",
    ]


def test_custom_schedule_beats_an_earlier_close_at_equal_priority() -> None:
    custom = key("custom", 2, True, 500, 10, 9)
    plain = key("plain", 2, False, 5, 0, 0)
    assert sorted([plain, custom])[0][1] == "custom"


def test_key_is_a_tuple_of_ints_in_microseconds() -> None:
    k = due_order_key(
        dialer_priority=3,
        custom_schedule=False,
        closes_at=datetime(1970, 1, 1, 0, 0, 1, tzinfo=UTC),
        due_at=datetime(1970, 1, 1, 0, 0, 0, 7, tzinfo=UTC),
        seq=42,
    )
    assert k == (3, 1, 1_000_000, 7, 42)
    assert all(type(part) is int for part in k)


def test_instants_in_other_offsets_compare_as_instants() -> None:
    moscow = timezone(timedelta(hours=3))
    assert epoch_us(datetime(2026, 3, 2, 12, 0, tzinfo=moscow)) == epoch_us(T0)


def test_naive_instants_are_refused() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        epoch_us(datetime(2026, 3, 2, 9, 0))


@given(
    st.lists(
        st.tuples(
            st.integers(1, 5),
            st.booleans(),
            st.integers(-10_000, 10_000),
            st.integers(-10_000, 10_000),
        ),
        max_size=30,
    )
)
def test_key_order_equals_the_rules_applied_one_by_one(rows) -> None:
    jobs = [(p, c, cl, du, seq) for seq, (p, c, cl, du) in enumerate(rows)]
    by_key = sorted(
        jobs,
        key=lambda j: due_order_key(
            dialer_priority=j[0],
            custom_schedule=j[1],
            closes_at=T0 + timedelta(seconds=j[2]),
            due_at=T0 + timedelta(seconds=j[3]),
            seq=j[4],
        ),
    )
    # Stable sorts from the least to the most significant rule give the SPEC's order.
    by_rules = sorted(jobs, key=lambda j: j[4])
    by_rules.sort(key=lambda j: j[3])
    by_rules.sort(key=lambda j: j[2])
    by_rules.sort(key=lambda j: not j[1])
    by_rules.sort(key=lambda j: j[0])
    assert by_key == by_rules
