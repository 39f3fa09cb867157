"""The compiled phonenumbers path of ``zones`` gives what the plain phonenumbers calls give.

``zones._phone`` re-implements ``parse("+" + digits)`` + ``is_valid_number`` +
``region_code_for_number`` + ``time_zones_for_number`` of the pinned phonenumbers with the
patterns compiled once. Here it is compared with those calls on numbers of every country code:
the example number of every region and type with random tails, every time-zone prefix padded to
random lengths (all NANPA area codes, +7 Russia and Kazakhstan), numbers that start with their
national prefix, and random digit strings (mostly invalid, many too short).
"""

from __future__ import annotations

import random

import phonenumbers
import pytest
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, PhoneNumberType
from phonenumbers import timezone as phone_timezones
from phonenumbers.tzdata import TIMEZONE_DATA

from ringback.domain import zones
from ringback.domain.errors import ValidationError

_TYPES = [v for k, v in vars(PhoneNumberType).items() if k.isupper() and k != "UNKNOWN"]


def reference(digits: str) -> tuple[int, str, tuple[str, ...]] | None:
    """(country code, region, candidate zones) by the plain calls the module used to make."""
    try:
        number = phonenumbers.parse("+" + digits, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    code = number.country_code or 0
    found: list[str] = []
    for name in phone_timezones.time_zones_for_number(number):
        fixed = "Europe/Kaliningrad" if (code, name) == (7, "Europe/Bucharest") else name
        if fixed != "Etc/Unknown" and fixed not in found and zones.zone_info(fixed) is not None:
            found.append(fixed)
    return code, phonenumbers.region_code_for_number(number) or "", tuple(found)


def fast(digits: str) -> tuple[int, str, tuple[str, ...]] | None:
    phone = zones._phone(digits)
    return None if phone is None else (phone.country_code, phone.region, phone.zones)


def _tail(rng: random.Random, digits: str, keep: int, length: int) -> str:
    return digits[:keep] + "".join(rng.choice("0123456789") for _ in range(length - keep))


def varied_numbers(seed: int = 6) -> list[str]:
    rng = random.Random(seed)
    out: set[str] = set()
    for code, regions in COUNTRY_CODE_TO_REGION_CODE.items():
        for region in regions:
            for kind in _TYPES:
                if region == "001":
                    example = phonenumbers.example_number_for_non_geo_entity(code)
                    kind_example = example if kind == _TYPES[0] else None
                else:
                    kind_example = phonenumbers.example_number_for_type(region, kind)
                if kind_example is None:
                    continue
                digits = phonenumbers.format_number(
                    kind_example, phonenumbers.PhoneNumberFormat.E164
                )[1:]
                out.add(digits)
                for _ in range(3):  # random tails of the same length, one shorter, one longer
                    keep = rng.randint(len(str(code)), len(digits))
                    out.add(_tail(rng, digits, keep, len(digits)))
                out.add(digits[:-1])
                out.add(digits + rng.choice("0123456789"))
        # the national prefix after the country code (+7 8…, +1 1…, +44 0…)
        for prefix in ("0", "1", "8", "00", "01", "80"):
            for length in (8, 10, 11, 12):
                out.add(_tail(rng, f"{code}{prefix}", len(f"{code}{prefix}"), length))
    for prefix in TIMEZONE_DATA:
        for _ in range(2):
            length = rng.randint(max(len(prefix), 3), 15)
            out.add(_tail(rng, prefix, len(prefix), length))
    for _ in range(3000):  # anything: mostly invalid, short, or no country code
        out.add(_tail(rng, "", 0, rng.randint(1, 15)))
    for _ in range(2000):  # +7 and +1: many regions share the code
        code = rng.choice(("7", "1"))
        out.add(_tail(rng, code, 1, rng.randint(9, 12)))
    return sorted(n for n in out if 1 <= len(n) <= 15)


NUMBERS = varied_numbers()


def test_the_sample_is_varied() -> None:
    answers = [reference(n) for n in NUMBERS]
    valid = [a for a in answers if a is not None]
    assert len(NUMBERS) > 10_000
    assert len(valid) > 1_000 and len(valid) < len(answers)
    assert len({a[0] for a in valid}) > 150  # country codes
    assert len({a[1] for a in valid}) > 200  # regions
    assert {"RU", "KZ", "US", "CA", "JM"} <= {a[1] for a in valid}


@pytest.mark.parametrize("part", range(4))
def test_fast_path_equals_phonenumbers(part: int) -> None:
    chunk = NUMBERS[part::4]
    mismatches = [(n, fast(n), reference(n)) for n in chunk if fast(n) != reference(n)]
    assert mismatches[:5] == []


@pytest.mark.parametrize(
    ("digits", "region", "expected"),
    [
        ("79161234567", "RU", 16),  # mobile: the whole country
        ("74012123456", "RU", ("Europe/Kaliningrad",)),  # the data fix
        ("77012345678", "KZ", 16),  # Kazakh mobile: +7 mobiles are not geographic
        ("78001234567", "RU", 16),  # toll-free starts with the trunk prefix 8: phonenumbers' path
        ("12125550100", "US", ("America/New_York",)),
        ("14165550100", "CA", ("America/Toronto",)),
        ("18765230123", "JM", ("America/Jamaica",)),  # fixed line
        ("18765550100", "JM", 42),  # mobile: not geographic, every zone of +1
        ("77123456789", "KZ", ("Asia/Aqtobe",)),
        ("19075550100", "US", ("America/Adak", "America/Anchorage")),
    ],
)
def test_known_numbers(digits: str, region: str, expected: tuple[str, ...] | int) -> None:
    phone = zones.parse_phone(digits)
    assert (phone.digits, phone.region) == (digits, region)
    if isinstance(expected, int):
        assert len(phone.zones) == expected
    else:
        assert phone.zones == expected
    assert zones.candidate_zones(digits) == phone.zones
    assert fast(digits) == reference(digits)


@pytest.mark.parametrize("digits", ["", "7", "79", "0791612345", "999123456", "71234567890"])
def test_invalid_numbers(digits: str) -> None:
    with pytest.raises(ValidationError):
        zones.parse_phone(digits)
    assert zones.candidate_zones(digits) == ()
