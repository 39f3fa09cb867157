"""``campaign.build_numbers`` shares work between numbers; each number must come out as if it
had been planned alone (zone by SPEC 1.3, first attempt by the number's own policy)."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

import pytest

from ringback import campaign
from ringback.domain import series, zones
from ringback.domain.policy import PolicyFields, effective_policy
from ringback.store.base import NewNumber

NOW = datetime(2025, 3, 7, 9, 0, tzinfo=UTC)


def planned_alone(item: dict[str, Any], settings: dict[str, Any]) -> NewNumber:
    """The plain path: phone as digits, zones looked up again, the policy merged per number."""
    phone = zones.normalize_phone(str(item["phone"]))
    fields = PolicyFields.from_json({k: item[k] for k in campaign.POLICY_KEYS if k in item})
    policy = effective_policy(campaign.policy_fields(settings), fields)
    resolution = zones.resolve_zone(phone, item.get("gmtZone"), settings["timezone"], policy, NOW)
    decision = series.first_attempt(NOW, policy, resolution.check)
    window = decision.window if isinstance(decision, series.Retry) else None
    return NewNumber(
        phone=phone,
        payload=dict(item.get("payload") or {}),
        fields=fields.to_json(),
        gmt_zone=item.get("gmtZone"),
        zone=resolution.zone,
        zone_source=resolution.source,
        status=str(decision.status),
        due_at=None if window is None else window.open,
        closes_at=None if window is None else window.close,
        priority=policy.dialer_priority,
        custom=fields.is_custom(),
        external_check=item.get("externalCheck"),
        finished_at=None if window is not None else NOW,
    )


PHONES = [
    "79161234567",  # 16 zones: intersection or campaign
    "74012123456",  # Kaliningrad
    "77123456789",  # Kazakhstan fixed line
    "78001234567",  # toll-free behind the trunk prefix
    "12125550100",  # New York
    "19075550100",  # Alaska: two zones
    "18005550100",  # toll-free: 42 zones
    "442071234567",  # London
    "4915112345678",  # German mobile
]
EXTRAS: list[dict[str, Any]] = [
    {},
    {"gmtZone": "+05:45"},
    {"gmtZone": "Europe/Moscow"},
    {"payload": {"name": "Ann"}, "externalCheck": {"id": 7}},
    {"dialerPriority": 1},
    {"localTimeFrom": "20:00", "localTimeTo": "21:00"},
    {"allowedDays": ["sat", "sun"], "maxAttempts": 2},
    {"finishDateTime": "2025-03-01T00:00:00Z"},  # already over: notDone
]
SETTINGS = [
    {"name": "UTC all day"},
    {
        "name": "Moscow office hours",
        "timezone": "Europe/Moscow",
        "localTimeFrom": "09:00",
        "localTimeTo": "18:00",
    },
    {
        "name": "New York evenings",
        "timezone": "America/New_York",
        "localTimeFrom": "19:00",
        "localTimeTo": "21:00",
        "allowedDays": ["mon", "tue"],
    },
    {"name": "over", "finishDateTime": "2025-03-05T00:00:00Z"},
]


@pytest.mark.parametrize("raw", SETTINGS, ids=[s["name"] for s in SETTINGS])
def test_each_number_is_planned_as_if_alone(raw: dict[str, Any]) -> None:
    settings = campaign.parse_settings(raw)
    rng = random.Random(raw["name"])
    body = []
    for index, phone in enumerate(PHONES * 12):
        item = {"phone": phone if index % 5 else f"+{phone}", **rng.choice(EXTRAS)}
        body.append(item)
    assert campaign.build_numbers(body, settings, NOW) == [
        planned_alone(item, settings) for item in body
    ]
