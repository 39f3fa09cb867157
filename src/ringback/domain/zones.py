"""The callee's time zone: phone validation, candidate zones, ``gmtZone`` and the SPEC 1.3 rule.

Decisions (where SPEC is silent):

- **Phone format.** SPEC says "digits with country code, no ``+``". A leading ``+`` (E.164 as
  people paste it) and surrounding blanks are tolerated and dropped; anything else that is not a
  digit is rejected. The number must pass ``phonenumbers.is_valid_number``; SPEC's examples
  ``79161234567`` and ``12125550100`` do (phonenumbers treats 555-01xx as a valid US number), so
  no looser ``is_possible_number`` fallback is needed.
- **gmtZone.** JAICP writes offsets as ``+03:00``. Also accepted: ``+3``, ``+0300``, ``+3:00`` and
  these with a ``UTC``/``GMT`` prefix (``GMT+3``, ``UTC+03:00``), all meaning *ahead* of UTC as
  people read them. IANA names go to ``zoneinfo`` unchanged, so ``Etc/GMT+3`` keeps its POSIX
  meaning (UTC−3). Offsets must lie in −18:00..+18:00.
- **Data fixes.** phonenumbers uses ``Europe/Bucharest`` as the stand-in for UTC+2 under country
  code 7; the only Russian UTC+2 region is Kaliningrad (area codes 401xx: ``7 4012…`` is the city),
  and Russia has no DST while Bucharest does, so every ``Europe/Bucharest`` of a ``+7`` number
  becomes ``Europe/Kaliningrad`` (this fixes both ``7 4012…`` → ``("Europe/Kaliningrad",)`` and
  the UTC+2 member of the 16-zone list of Russian mobile numbers).
- **Intersection look-ahead.** "opens within the next 7 days" is counted from
  ``max(now, startDateTime)``, so a campaign that starts in two weeks does not lose the
  intersection rule only because it has not started yet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo

import phonenumbers
from phonenumbers import timezone as phone_timezones

from ringback.domain.errors import ValidationError
from ringback.domain.policy import CallingPolicy
from ringback.domain.windows import Window, next_window

_DIGITS = re.compile(r"[0-9]{1,15}")
# "+3", "+03", "+3:00", "+03:00", "+0300", optionally after "UTC"/"GMT".
_OFFSET = re.compile(
    r"(?:UTC|GMT)?\s*([+-])"
    r"(?:([0-9]{1,2}):([0-5][0-9])|([0-9]{2})([0-5][0-9])|([0-9]{1,2}))",
    re.IGNORECASE,
)
_MAX_OFFSET = timedelta(hours=18)
_INTERSECTION_LOOKAHEAD = timedelta(days=7)
_UNKNOWN_ZONE = "Etc/Unknown"
# (country calling code, zone phonenumbers gives) -> the zone that is right; see module docstring.
_ZONE_FIXES: dict[tuple[int, str], str] = {(7, "Europe/Bucharest"): "Europe/Kaliningrad"}


def normalize_phone(phone: str) -> str:
    """Return the number as digits with country code, or raise ``phone.bad.format``.

    >>> normalize_phone(" +79161234567 ")
    '79161234567'
    """
    text = phone.strip() if isinstance(phone, str) else ""
    digits = text.removeprefix("+")
    if not _DIGITS.fullmatch(digits) or _parse(digits) is None:
        raise ValidationError(
            "phone.bad.format",
            f"phone {phone!r} is not a valid phone number; expected digits with country code, "
            "e.g. 79161234567",
            phone=phone,
        )
    return digits


@lru_cache(maxsize=1 << 16)
def _parse(digits: str) -> phonenumbers.PhoneNumber | None:
    """The parsed number when it is valid, else None (cached: the engine asks again and again)."""
    try:
        number = phonenumbers.parse("+" + digits, None)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


@lru_cache(maxsize=1024)
def zone_info(name: str) -> ZoneInfo | None:
    """The ``ZoneInfo`` for an IANA name, or None when ``zoneinfo`` does not know it."""
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError, OSError):  # not found, bad key, a directory, a non-TZif file
        return None


def parse_gmt_zone(text: str, *, phone: str | None = None) -> tzinfo:
    """Turn a ``gmtZone`` into a tzinfo: ``"+05:45"`` → fixed offset, an IANA name → ZoneInfo.

    >>> parse_gmt_zone("+05:45").utcoffset(None)
    datetime.timedelta(seconds=20700)
    """
    zone = _parse_gmt_zone(text.strip()) if isinstance(text, str) else None
    if zone is None:
        raise ValidationError(
            "phone.gmtZone.bad.format",
            f"gmtZone {text!r} is not a time zone; expected an offset ±HH:MM within "
            "-18:00..+18:00 (e.g. +03:00) or an IANA zone name (e.g. Europe/Moscow)",
            phone=phone,
            gmtZone=text,
        )
    return zone


@lru_cache(maxsize=1024)
def _parse_gmt_zone(text: str) -> tzinfo | None:
    match = _OFFSET.fullmatch(text)
    if match is None:
        return zone_info(text) if text else None
    sign, hours, minutes, hours4, minutes4, hours_only = match.groups()
    offset = timedelta(
        hours=int(hours or hours4 or hours_only), minutes=int(minutes or minutes4 or 0)
    )
    if offset > _MAX_OFFSET:
        return None
    return timezone(-offset if sign == "-" else offset)


@lru_cache(maxsize=1 << 17)
def candidate_zones(phone: str) -> tuple[str, ...]:
    """IANA zones phonenumbers gives for the number, data fixes applied; () when none is known.

    >>> candidate_zones("74012123456")
    ('Europe/Kaliningrad',)
    """
    digits = phone.strip().removeprefix("+")
    number = _parse(digits) if _DIGITS.fullmatch(digits) else None
    if number is None:
        return ()
    code = number.country_code or 0
    zones: list[str] = []
    for name in phone_timezones.time_zones_for_number(number):
        fixed = _ZONE_FIXES.get((code, name), name)
        if fixed != _UNKNOWN_ZONE and fixed not in zones and zone_info(fixed) is not None:
            zones.append(fixed)
    return tuple(zones)


@dataclass(frozen=True, slots=True)
class ZoneResolution:
    """Which zone an attempt uses and why (the ``zone`` / ``zoneSource`` of attempt records)."""

    zone: str  # the gmtZone as given, or the IANA name used
    source: Literal["explicit", "number", "intersection", "campaign"]
    tz: tzinfo  # the zone local times are shown in (localStartedAt)
    check: tuple[tzinfo, ...]  # zones windows are evaluated in (several for intersection)


def resolve_zone(
    phone: str,
    gmt_zone: str | None,
    campaign_zone: str,
    policy: CallingPolicy,
    now: datetime,
) -> ZoneResolution:
    """The callee's zone by SPEC 1.3, and why.

    1. an explicit ``gmtZone`` (blank counts as none) → ``explicit``, ``zone`` as given;
    2. the number's candidates: one → ``number``; several with the campaign zone among them →
       ``number`` with the campaign zone; several others → ``intersection`` (local times shown
       in the campaign zone, windows checked in every candidate) if the intersection opens
       within 7 days of ``max(now, startDateTime)``, else ``campaign``;
    3. no candidate → ``campaign``.

    Example: ``19075550100`` (Alaska: ``America/Adak`` UTC−10, ``America/Anchorage`` UTC−9)
    in a campaign zoned ``America/New_York`` with a 09:00–18:00 window: 10:00–18:00 Anchorage
    is open in both → ``intersection``, local times shown in New York. ``18005550100``
    (toll-free: 42 zones from Guam, UTC+10, to Newfoundland, UTC−3:30) has no common hour →
    ``campaign``.
    """
    if gmt_zone is not None and gmt_zone.strip():
        tz = parse_gmt_zone(gmt_zone, phone=phone)
        return ZoneResolution(gmt_zone, "explicit", tz, (tz,))
    candidates = candidate_zones(phone)
    if len(candidates) == 1 or campaign_zone in candidates:
        name = candidates[0] if len(candidates) == 1 else campaign_zone
        tz = _known_zone(name)
        return ZoneResolution(name, "number", tz, (tz,))
    campaign_tz = parse_gmt_zone(campaign_zone)
    if candidates:
        check = _known_zones(candidates)
        if _intersection_opens(candidates, check, policy, now):
            return ZoneResolution(campaign_zone, "intersection", campaign_tz, check)
    return ZoneResolution(campaign_zone, "campaign", campaign_tz, (campaign_tz,))


# (candidates, policy key) -> (scanned from, scanned until, first common window or None).
_SCANS: dict[tuple[object, ...], tuple[datetime, datetime, Window | None]] = {}
_SCANS_MAX = 4096


def _intersection_opens(
    names: tuple[str, ...], check: tuple[ZoneInfo, ...], policy: CallingPolicy, now: datetime
) -> bool:
    """Does the intersection of ``check`` open within 7 days of ``max(now, startDateTime)``?

    Scanning 16 Russian zones costs ~0.2 ms and 42 North American ones ~1 ms, and every number
    of a prefix shares the answer, so one scan of twice the look-ahead is kept and reused
    exactly: if the first common instant at or after ``e0`` is ``o`` (window ``[o, c)``), then
    for any ``e`` in ``[e0, c)`` the first one at or after ``e`` is ``max(e, o)``; if there
    is none before ``e0 + 14 d``, there is none within 7 days of any ``e < e0 + 7 d``.
    """
    at = now if policy.start_datetime is None else max(now, policy.start_datetime)
    key = (names, *_policy_key(policy))
    scan = _SCANS.get(key)
    if scan is None or not scan[0] <= at < scan[1]:
        window = next_window(at, policy, check, horizon=2 * _INTERSECTION_LOOKAHEAD)
        until = at + _INTERSECTION_LOOKAHEAD if window is None else window.close
        if len(_SCANS) >= _SCANS_MAX:
            _SCANS.clear()
        _SCANS[key] = scan = (at, until, window)
    window = scan[2]
    return window is not None and window.open < at + _INTERSECTION_LOOKAHEAD


def _policy_key(policy: CallingPolicy) -> tuple[object, ...]:
    """The fields windows depend on, hashable (``allowed_time`` is a mapping)."""
    allowed = policy.allowed_time
    return (
        policy.start_datetime,
        policy.finish_datetime,
        policy.allowed_days,
        None if allowed is None else tuple(sorted(allowed.items())),
    )


@lru_cache(maxsize=1024)
def _known_zones(names: tuple[str, ...]) -> tuple[ZoneInfo, ...]:
    return tuple(_known_zone(name) for name in names)


def _known_zone(name: str) -> ZoneInfo:
    zone = zone_info(name)
    assert zone is not None, name  # candidate_zones keeps only names zoneinfo knows
    return zone
