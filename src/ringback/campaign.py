"""Campaign settings and the addPhones body: validation shared by the API and the simulator.

A campaign's settings are the admin-API fields (SPEC §4, §7). They are validated here once and
kept as JSON in the store; the calling-policy part is parsed by :mod:`ringback.domain.policy`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ringback.domain import series, zones
from ringback.domain.errors import ValidationError
from ringback.domain.policy import CallingPolicy, PolicyFields, effective_policy
from ringback.store.base import NewNumber

#: Defaults of the admin API (SPEC §4).
DEFAULTS: dict[str, Any] = {
    "timezone": "UTC",
    "maxSimultaneousCalls": 1,
    "maxAttempts": 1,
    "retryIntervalInMinutes": 1,
    "ringTimeoutSeconds": 30,
    "dialerPriority": 3,
}
POLICY_KEYS = (
    "startDateTime",
    "finishDateTime",
    "allowedDays",
    "allowedTime",
    "localTimeFrom",
    "localTimeTo",
    "retryIntervalInMinutes",
    "maxAttempts",
    "dialerPriority",
)
OTHER_KEYS = ("name", "bot", "timezone", "maxSimultaneousCalls", "ringTimeoutSeconds", "webhookUrl")
CAMPAIGN_KEYS = frozenset(POLICY_KEYS + OTHER_KEYS)

MAX_LINES = 10_000
EMPTY_FIELDS = PolicyFields()


def _int_field(data: Mapping[str, Any], key: str, low: int, high: int) -> int:
    value = data[key]
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationError(
            f"invalid.{key}", f"{key} must be an integer {low}-{high}, got {value!r}"
        )
    return value


def parse_settings(
    data: Any, *, base: Mapping[str, Any] | None = None, require_name: bool = True
) -> dict[str, Any]:
    """Validate campaign fields and return the full settings (defaults or ``base`` filled in).

    ``base`` is the current settings for a PATCH: given fields replace it field by field, except
    the window fields: ``allowedTime`` and the ``localTimeFrom/To`` shorthand replace each other.
    Unknown keys are rejected (``invalid.body``), so a typo is never silently ignored.
    """
    if not isinstance(data, Mapping):
        raise ValidationError("invalid.body", "the campaign must be a JSON object")
    unknown = sorted(set(data) - CAMPAIGN_KEYS)
    if unknown:
        raise ValidationError(
            "invalid.body",
            f"unknown campaign field {unknown[0]!r}; expected one of {sorted(CAMPAIGN_KEYS)}",
        )
    settings = dict(DEFAULTS if base is None else base)
    if base is not None and ({"allowedTime", "localTimeFrom", "localTimeTo"} & set(data)):
        for key in ("allowedTime", "localTimeFrom", "localTimeTo"):
            settings.pop(key, None)
    settings.update({k: v for k, v in data.items() if v is not None or k in ("bot", "webhookUrl")})
    if require_name or "name" in data:
        name = settings.get("name")
        if not isinstance(name, str) or not name.strip() or len(name) > 255:
            raise ValidationError("invalid.name", "name must be a non-empty string (≤ 255)")
    tz = settings.get("timezone")
    try:
        if not isinstance(tz, str):
            raise ZoneInfoNotFoundError
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            "invalid.timezone", f"timezone must be an IANA zone name, got {tz!r}"
        ) from None
    _int_field(settings, "maxSimultaneousCalls", 1, MAX_LINES)
    _int_field(settings, "ringTimeoutSeconds", 1, 600)
    for key in ("bot", "webhookUrl"):
        value = settings.get(key)
        if value is not None and not isinstance(value, str):
            raise ValidationError(f"invalid.{key}", f"{key} must be a string, got {value!r}")
    url = settings.get("webhookUrl")
    if url is not None and not url.startswith(("http://", "https://")):
        raise ValidationError("invalid.webhookUrl", f"webhookUrl must be an http(s) URL: {url!r}")
    fields = PolicyFields.from_json({k: settings[k] for k in POLICY_KEYS if k in settings})
    # Normalise the policy part through the domain, so stored settings are canonical.
    for key in POLICY_KEYS:
        settings.pop(key, None)
    settings.update(fields.to_json())
    return settings


def policy_fields(settings: Mapping[str, Any]) -> PolicyFields:
    """The campaign level of the calling policy."""
    return PolicyFields.from_json({k: settings[k] for k in POLICY_KEYS if k in settings})


def build_numbers(body: Any, settings: Mapping[str, Any], now: datetime) -> list[NewNumber]:
    """Validate an addPhones body and plan each number's first call job.

    Raises the first :class:`ValidationError` (with ``phone`` where one is known); the caller adds
    nothing in that case (all or nothing).
    """
    if not isinstance(body, Sequence) or isinstance(body, (str, bytes)):
        raise ValidationError("invalid.body", "the body must be a JSON array of number objects")
    plan = _Plan(policy_fields(settings), str(settings.get("timezone", "UTC")), now)
    return [_build_number(item, index, plan) for index, item in enumerate(body)]


class _FirstJob(NamedTuple):
    """The zone and schedule of a number's first call job, as ``NewNumber`` takes them."""

    zone: str
    zone_source: str
    status: str
    due_at: datetime | None
    closes_at: datetime | None
    finished_at: datetime | None  # set when the series can never start


class _Plan:
    """What the numbers of one request share. Most numbers bring no policy fields of their
    own: they get the campaign's policy object itself (the window code caches per policy
    object) and one zone resolution and first-attempt decision per set of candidate zones
    (or per ``gmtZone``), so a batch of 100 000 numbers does not compute the same windows
    100 000 times. Both are functions of (zones, campaign zone, policy, now) alone, and the
    last three are fixed for the request."""

    def __init__(self, campaign: PolicyFields, campaign_zone: str, now: datetime) -> None:
        self.campaign = campaign
        self.campaign_zone = campaign_zone
        self.now = now
        self.policy = effective_policy(campaign)
        self._first_jobs: dict[tuple[str, ...] | str, _FirstJob] = {}

    def first_job(
        self, phone: zones.Phone, gmt_zone: str | None, policy: CallingPolicy
    ) -> _FirstJob:
        if policy is not self.policy:
            return self._first_job(phone, gmt_zone, policy)
        key = gmt_zone if gmt_zone is not None and gmt_zone.strip() else phone.zones
        found = self._first_jobs.get(key)
        if found is None:
            found = self._first_jobs[key] = self._first_job(phone, gmt_zone, policy)
        return found

    def _first_job(
        self, phone: zones.Phone, gmt_zone: str | None, policy: CallingPolicy
    ) -> _FirstJob:
        resolution = zones.resolve_zone(phone, gmt_zone, self.campaign_zone, policy, self.now)
        decision = series.first_attempt(self.now, policy, resolution.check)
        zone, source, status = resolution.zone, resolution.source, str(decision.status)
        if isinstance(decision, series.Retry):
            return _FirstJob(
                zone, source, status, decision.window.open, decision.window.close, None
            )
        return _FirstJob(zone, source, status, None, None, self.now)


_POLICY_KEY_SET = frozenset(POLICY_KEYS)


def _build_number(item: Any, index: int, plan: _Plan) -> NewNumber:
    # type(...) is dict first: JSON bodies hold dicts, and the ABC check costs more.
    if type(item) is not dict and not isinstance(item, Mapping):
        raise ValidationError("invalid.body", f"item {index} must be an object with a 'phone'")
    raw_phone = item.get("phone")
    if not isinstance(raw_phone, (str, int)) or isinstance(raw_phone, bool):
        raise ValidationError(
            "phone.bad.format",
            f"item {index}: phone must be digits with country code",
            phone=raw_phone,
        )
    parsed = zones.parse_phone(str(raw_phone))
    phone = parsed.digits
    payload = item.get("payload", {})
    if payload is None:
        payload = {}
    if type(payload) is not dict and not isinstance(payload, Mapping):
        raise ValidationError("invalid.payload", f"payload of {phone} must be a JSON object")
    gmt_zone = item.get("gmtZone")
    if gmt_zone is not None:
        if not isinstance(gmt_zone, str):
            raise ValidationError(
                "phone.gmtZone.bad.format",
                "gmtZone must be ±HH:MM or an IANA zone name",
                phone=phone,
                gmtZone=gmt_zone,
            )
        zones.parse_gmt_zone(gmt_zone, phone=phone)
    # An item of one key holds only the phone (checked above), so no policy fields.
    given = item.keys() & _POLICY_KEY_SET if len(item) > 1 else None
    if given:
        fields = PolicyFields.from_json({k: item[k] for k in POLICY_KEYS if k in given})
        custom = fields.is_custom()
    else:
        fields, custom = EMPTY_FIELDS, False
    policy = effective_policy(plan.campaign, fields) if custom else plan.policy
    first = plan.first_job(parsed, gmt_zone, policy)
    return NewNumber(
        phone=phone,
        payload=dict(payload),
        fields=fields.to_json(),
        gmt_zone=gmt_zone,
        zone=first.zone,
        zone_source=first.zone_source,
        status=first.status,
        due_at=first.due_at,
        closes_at=first.closes_at,
        priority=policy.dialer_priority,
        custom=custom,
        external_check=item.get("externalCheck"),
        finished_at=first.finished_at,
    )
