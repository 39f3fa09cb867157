"""Phone validation, gmtZone parsing, candidate zones and the SPEC 1.3 resolution rule."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from ringback.domain.errors import ValidationError
from ringback.domain.zones import candidate_zones, normalize_phone, parse_gmt_zone

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
