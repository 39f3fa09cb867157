"""Phone validation, gmtZone parsing, candidate zones and the SPEC 1.3 resolution rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ringback.domain.errors import ValidationError
from ringback.domain.policy import CallingPolicy, PolicyFields, effective_policy
from ringback.domain.windows import next_open
from ringback.domain.zones import (
    ZoneResolution,
    candidate_zones,
    normalize_phone,
    parse_gmt_zone,
    resolve_zone,
)

RU_MOBILE = "79161234567"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("79161234567", "79161234567"),  # SPEC example, Russian mobile
        ("12125550100", "12125550100"),  # SPEC example, New York 555-01xx
        (" 12125550100\t", "12125550100"),  # surrounding blanks tolerated
        ("+441234567890", "441234567890"),  # a pasted E.164 '+' is dropped
        ("4915112345678", "4915112345678"),
    ],
)
def test_valid_phones_normalize_to_digits(given: str, expected: str) -> None:
    assert normalize_phone(given) == expected


@pytest.mark.parametrize(
    "given",
    [
        "",
        "   ",
        "7916123456x",
        "+",
        "++79161234567",
        "7 916 123 45 67",  # inner spaces: not digits with country code
        "7-916-123-45-67",
        "71234567890",  # possible but not valid in +7
        "89161234567",  # Russian trunk prefix 8 is not a country code
        "1234",
        "7916123456789012345",  # longer than E.164 allows
        "٧٩١٦١٢٣٤٥٦٧",  # Arabic-Indic digits are not ASCII digits
    ],
)
def test_bad_phones_are_rejected_with_the_phone(given: str) -> None:
    with pytest.raises(ValidationError) as caught:
        normalize_phone(given)
    assert caught.value.type == "phone.bad.format"
    assert caught.value.details == {"phone": given}


@pytest.mark.parametrize(
    ("text", "offset"),
    [
        ("+03:00", timedelta(hours=3)),
        ("+05:45", timedelta(hours=5, minutes=45)),
        ("-03:30", -timedelta(hours=3, minutes=30)),
        ("+18:00", timedelta(hours=18)),
        ("-18:00", -timedelta(hours=18)),
        ("+00:00", timedelta(0)),
        ("+3", timedelta(hours=3)),
        ("+0530", timedelta(hours=5, minutes=30)),
        ("GMT+3", timedelta(hours=3)),  # as people read it: ahead of UTC
        ("UTC+03:00", timedelta(hours=3)),
        ("utc-4", -timedelta(hours=4)),
        (" +03:00 ", timedelta(hours=3)),
    ],
)
def test_offsets_become_fixed_zones(text: str, offset: timedelta) -> None:
    assert parse_gmt_zone(text) == timezone(offset)


@pytest.mark.parametrize("name", ["Europe/Moscow", "America/St_Johns", "UTC", "Asia/Kathmandu"])
def test_iana_names_become_zoneinfo(name: str) -> None:
    assert parse_gmt_zone(name) == ZoneInfo(name)


def test_etc_gmt_names_keep_their_posix_sign() -> None:
    zone = parse_gmt_zone("Etc/GMT+3")
    assert zone == ZoneInfo("Etc/GMT+3")
    assert zone.utcoffset(datetime(2026, 1, 1)) == -timedelta(hours=3)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "+18:01",
        "-19:00",
        "+03:60",
        "+035",
        "03:00",
        "+",
        "GMT 3",
        "Europe/Nowhere",
        "europe/moscow",
        "America",  # a directory of the database, not a zone
        "../etc/passwd",
        "Mars/Olympus_Mons",
    ],
)
def test_bad_gmt_zones_are_rejected_with_phone_and_zone(text: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_gmt_zone(text, phone=RU_MOBILE)
    assert caught.value.type == "phone.gmtZone.bad.format"
    assert caught.value.details == {"phone": RU_MOBILE, "gmtZone": text}


@pytest.mark.parametrize(
    ("phone", "zones"),
    [
        ("12125550100", ("America/New_York",)),
        ("12135550100", ("America/Los_Angeles",)),
        ("441234567890", ("Europe/London",)),
        ("4915112345678", ("Europe/Berlin",)),
        ("33612345678", ("Europe/Paris",)),
        ("61212345678", ("Australia/Sydney",)),
        ("78432123456", ("Europe/Moscow",)),  # Kazan landline
        ("74232123456", ("Asia/Vladivostok",)),
        # The data fix: phonenumbers says Europe/Bucharest for the Kaliningrad codes 401xx.
        ("74012123456", ("Europe/Kaliningrad",)),
        ("74016123456", ("Europe/Kaliningrad",)),
    ],
)
def test_single_candidate_zones(phone: str, zones: tuple[str, ...]) -> None:
    assert candidate_zones(phone) == zones


def test_russian_mobile_has_every_russian_zone_and_kaliningrad_not_bucharest() -> None:
    zones = candidate_zones(RU_MOBILE)
    assert len(zones) > 10
    assert {"Europe/Moscow", "Europe/Kaliningrad", "Asia/Vladivostok"} <= set(zones)
    assert "Europe/Bucharest" not in zones


def test_australian_mobile_has_several_zones() -> None:
    assert {"Australia/Sydney", "Australia/Perth"} <= set(candidate_zones("61412345678"))


def test_romania_keeps_bucharest() -> None:
    assert candidate_zones("40212345678") == ("Europe/Bucharest",)


@pytest.mark.parametrize("phone", ["71234567890", "not a phone", "", "+"])
def test_no_candidates_for_unusable_numbers(phone: str) -> None:
    assert candidate_zones(phone) == ()


# --- resolve_zone (SPEC 1.3) ----------------------------------------------------------------

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # a Monday
ALASKA = "19075550100"  # America/Adak (UTC-10) and America/Anchorage (UTC-9)
US_TOLL_FREE = "18005550100"  # 42 zones from Guam (UTC+10) to St John's (UTC-3:30)
AU_MOBILE = "61412345678"


def policy(start: str = "09:00", end: str = "18:00", **extra: object) -> CallingPolicy:
    window = {"default": [{"localTimeFrom": start, "localTimeTo": end}]}
    return effective_policy(PolicyFields.from_json({"allowedTime": window, **extra}))


def zones(names: tuple[str, ...]) -> tuple[ZoneInfo, ...]:
    return tuple(ZoneInfo(name) for name in names)


@pytest.mark.parametrize(
    ("gmt_zone", "tz"),
    [
        ("+05:45", timezone(timedelta(hours=5, minutes=45))),
        ("-03:30", timezone(-timedelta(hours=3, minutes=30))),
        ("America/St_Johns", ZoneInfo("America/St_Johns")),
        ("GMT+3", timezone(timedelta(hours=3))),
    ],
)
def test_explicit_gmt_zone_wins_and_is_kept_as_given(gmt_zone: str, tz: object) -> None:
    got = resolve_zone("12125550100", gmt_zone, "Europe/Moscow", policy(), NOW)
    assert got == ZoneResolution(gmt_zone, "explicit", tz, (tz,))  # type: ignore[arg-type]


def test_bad_explicit_gmt_zone_names_phone_and_zone() -> None:
    with pytest.raises(ValidationError) as caught:
        resolve_zone("12125550100", "+25:00", "UTC", policy(), NOW)
    assert caught.value.type == "phone.gmtZone.bad.format"
    assert caught.value.details == {"phone": "12125550100", "gmtZone": "+25:00"}


@pytest.mark.parametrize("blank", ["", "  "])
def test_blank_gmt_zone_counts_as_none(blank: str) -> None:
    got = resolve_zone("12125550100", blank, "UTC", policy(), NOW)
    assert got.source == "number"


@pytest.mark.parametrize(
    ("phone", "zone"),
    [
        ("12125550100", "America/New_York"),
        ("441234567890", "Europe/London"),
        ("4915112345678", "Europe/Berlin"),
        ("61212345678", "Australia/Sydney"),
        ("74012123456", "Europe/Kaliningrad"),
        ("74232123456", "Asia/Vladivostok"),
    ],
)
def test_a_single_candidate_is_the_number_zone(phone: str, zone: str) -> None:
    tz = ZoneInfo(zone)
    assert resolve_zone(phone, None, "UTC", policy(), NOW) == ZoneResolution(
        zone, "number", tz, (tz,)
    )


@pytest.mark.parametrize(
    ("phone", "campaign_zone"),
    [
        (RU_MOBILE, "Europe/Moscow"),
        (RU_MOBILE, "Europe/Kaliningrad"),
        (AU_MOBILE, "Australia/Perth"),
        (ALASKA, "America/Anchorage"),
        (US_TOLL_FREE, "America/Chicago"),
    ],
)
def test_campaign_zone_among_several_candidates_is_the_number_zone(
    phone: str, campaign_zone: str
) -> None:
    tz = ZoneInfo(campaign_zone)
    got = resolve_zone(phone, None, campaign_zone, policy("10:00", "11:00"), NOW)
    assert got == ZoneResolution(campaign_zone, "number", tz, (tz,))


@pytest.mark.parametrize(
    ("phone", "campaign_zone", "window"),
    [
        # 09:00-21:00 from UTC+2 to UTC+12: 07:00-09:00 UTC is open in every Russian zone
        (RU_MOBILE, "UTC", ("09:00", "21:00")),
        # Adak and Anchorage are an hour apart: 10:00-18:00 Anchorage is open in both
        (ALASKA, "America/New_York", ("09:00", "18:00")),
        # Cocos (UTC+6:30) to Lord Howe (UTC+11 in March): 02:30-09:00 UTC
        (AU_MOBILE, "Europe/Moscow", ("09:00", "20:00")),
    ],
)
def test_several_candidates_with_a_common_window_use_the_intersection(
    phone: str, campaign_zone: str, window: tuple[str, str]
) -> None:
    got = resolve_zone(phone, None, campaign_zone, policy(*window), NOW)
    campaign_tz = parse_gmt_zone(campaign_zone)
    assert got == ZoneResolution(
        campaign_zone, "intersection", campaign_tz, zones(candidate_zones(phone))
    )


@pytest.mark.parametrize(
    ("phone", "window", "extra"),
    [
        (RU_MOBILE, ("09:00", "12:00"), {}),  # 10 hours of offsets, 3-hour window
        (US_TOLL_FREE, ("09:00", "18:00"), {}),  # Guam and Newfoundland never overlap
        (AU_MOBILE, ("09:00", "10:00"), {}),
        # the common time (07:00-09:00 UTC) exists, but not before finishDateTime
        (RU_MOBILE, ("09:00", "21:00"), {"finishDateTime": "2026-03-01T00:00:00Z"}),
        (RU_MOBILE, ("09:00", "21:00"), {"finishDateTime": "2026-03-03T07:00:00Z"}),
    ],
)
def test_several_candidates_without_common_time_in_7_days_fall_back_to_campaign(
    phone: str, window: tuple[str, str], extra: dict[str, object]
) -> None:
    got = resolve_zone(phone, None, "Europe/London", policy(*window, **extra), NOW)
    london = ZoneInfo("Europe/London")
    assert got == ZoneResolution("Europe/London", "campaign", london, (london,))


def test_intersection_look_ahead_counts_from_the_campaign_start() -> None:
    later = policy("09:00", "21:00", startDateTime="2026-04-01T00:00:00Z")
    got = resolve_zone(RU_MOBILE, None, "UTC", later, NOW)
    assert got.source == "intersection"


def test_intersection_opening_a_week_later_still_counts() -> None:
    # Mondays only: from Monday 12:00 UTC, after today's 07:00-09:00 UTC common time, the next
    # one is next Monday 07:00 UTC, 6 days 19 hours ahead: within the 7 days.
    mondays = policy("09:00", "21:00", allowedDays=["mon"])
    assert resolve_zone(RU_MOBILE, None, "UTC", mondays, NOW).source == "intersection"
    finish_before = policy(
        "09:00", "21:00", allowedDays=["mon"], finishDateTime="2026-03-03T07:00:00Z"
    )
    assert resolve_zone(RU_MOBILE, None, "UTC", finish_before, NOW).source == "campaign"


def test_no_usable_zone_falls_back_to_campaign() -> None:
    got = resolve_zone("71234567890", None, "+03:00", policy(), NOW)
    tz = timezone(timedelta(hours=3))
    assert got == ZoneResolution("+03:00", "campaign", tz, (tz,))


@settings(max_examples=60)
@given(
    st.lists(st.integers(0, 20 * 24 * 60), min_size=1, max_size=8),
    st.sampled_from([RU_MOBILE, ALASKA, US_TOLL_FREE, AU_MOBILE]),
    st.sampled_from([("09:00", "21:00"), ("09:00", "12:00"), ("20:00", "08:00")]),
    st.sampled_from([None, "2026-03-05T08:00:00Z", "2026-03-12T07:30:00Z"]),
)
def test_remembered_intersection_scans_give_the_direct_answer(
    minutes: list[int], phone: str, window: tuple[str, str], finish: str | None
) -> None:
    extra = {} if finish is None else {"finishDateTime": finish}
    p = policy(*window, allowedDays=["mon", "wed"], **extra)
    check = zones(candidate_zones(phone))
    for minute in minutes:  # in any order: the memo must not depend on it
        now = NOW + timedelta(minutes=minute)
        direct = next_open(now, p, check, horizon=timedelta(days=7)) is not None
        got = resolve_zone(phone, None, "Europe/London", p, now).source
        assert got == ("intersection" if direct else "campaign")
