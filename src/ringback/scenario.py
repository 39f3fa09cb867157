"""Simulation scenarios (SPEC §7): load, validate, generate numbers, put them in a store.

A scenario error is a :class:`ScenarioError` naming the field the way the user wrote it
(``campaign.maxSimultaneousCalls``, ``phones[3].gmtZone``, ``callees.default``) and what was
expected; the CLI prints it as one line.

Decisions where SPEC is silent:

- ``clock.start`` is required (a forecast needs a start); ``clock.until`` is optional: without
  it the run goes on until every series has ended.
- ``campaign.name`` defaults to ``"simulation"``.
- ``callees`` omitted: every callee answers and talks for 30 s. ``callees.default`` keys other
  than the five outcomes, ``talkSeconds`` and ``say`` are rejected (a typo must not silently
  change a forecast). An ``attempts`` entry needs an ``outcome``; its ``say``/``talkSeconds``
  default to ``callees.default``'s.
- The seed is ``seed`` (top level), else ``generate.seed``, else 0.
- Generated numbers are valid numbers (``phonenumbers.is_valid_number``, as computed by
  ``zones.parse_phone``) of the given regions,
  made by randomising the digits of the region's example mobile and fixed-line numbers; they
  never repeat a ``phones`` row.
"""

from __future__ import annotations

import json
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import phonenumbers
import yaml

from ringback.campaign import build_numbers, parse_settings
from ringback.domain import zones
from ringback.domain.errors import ValidationError
from ringback.store.base import NewNumber, Store
from ringback.telephony.base import OUTCOMES
from ringback.telephony.simulated import CalleeMix, Callees, CalleeTurn

TOP_KEYS = ("clock", "campaign", "phones", "generate", "callees", "seed")
INT_FIELDS = {  # campaign fields checked here for the exact one-line message
    "maxSimultaneousCalls": (1, 10_000),
    "maxAttempts": (1, 50),
    "retryIntervalInMinutes": (1, 2880),
    "ringTimeoutSeconds": (1, 600),
    "dialerPriority": (1, 5),
}
MAX_GENERATED = 10_000_000


class ScenarioError(Exception):
    """A bad scenario: ``field`` as written in the file, ``problem`` says what was expected."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


@dataclass(frozen=True, slots=True)
class Scenario:
    start: datetime
    until: datetime | None
    settings: dict[str, Any]  # validated admin-API campaign settings (bot path made absolute)
    phones: list[dict[str, Any]]  # the addPhones body, generated numbers appended
    callees: Callees
    seed: int | str
    source: Path | None = None
    numbers: list[NewNumber] = field(default_factory=list)  # validated, first jobs planned


def _show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _expect(where: str, expected: str, got: Any) -> ScenarioError:
    return ScenarioError(where, f"expected {expected}, got {_show(got)}")


def _instant(value: Any, where: str) -> datetime:
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise _expect(where, "an ISO-8601 instant like 2025-03-07T12:00:00Z", value) from None
    else:
        raise _expect(where, "an ISO-8601 instant like 2025-03-07T12:00:00Z", value)
    if parsed.tzinfo is None:
        raise _expect(where, "an instant with a zone (Z or ±HH:MM)", value)
    return parsed.astimezone(UTC)


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _expect(where, "a mapping", value)
    return value


def _number(value: Any, where: str, low: float, high: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _expect(where, f"a number ≥ {low:g}", value)
    if value < low or (high is not None and value > high):
        bound = f"a number {low:g}-{high:g}" if high is not None else f"a number ≥ {low:g}"
        raise _expect(where, bound, value)
    return float(value)


def _says(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
        raise _expect(where, "a list of strings", value)
    return tuple(value)


def read(path: Path) -> Scenario:
    """Load and validate a scenario file (YAML or JSON)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ScenarioError(str(path), f"cannot read the scenario: {error.strerror}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise ScenarioError(
            where, f"not valid YAML/JSON ({getattr(error, 'problem', error)})"
        ) from None
    return parse(data, base=path.parent, source=path)


def parse(data: Any, *, base: Path | None = None, source: Path | None = None) -> Scenario:
    """Validate a scenario given as data; relative ``campaign.bot`` paths are taken from
    ``base``. Numbers are validated and their first jobs planned at ``clock.start``."""
    top = _mapping(data, "scenario")
    unknown = sorted(set(top) - set(TOP_KEYS))
    if unknown:
        raise ScenarioError(unknown[0], f"unknown section; expected one of {', '.join(TOP_KEYS)}")
    clock = _mapping(top.get("clock"), "clock")
    if "start" not in clock:
        raise ScenarioError("clock.start", "expected an ISO-8601 instant, it is missing")
    start = _instant(clock["start"], "clock.start")
    until = None if clock.get("until") is None else _instant(clock["until"], "clock.until")
    if until is not None and until <= start:
        raise ScenarioError(
            "clock.until", f"expected an instant after clock.start, got {_show(clock['until'])}"
        )
    seed = _seed(top)
    settings = _settings(top.get("campaign", {}), base)
    phones = _phones(top.get("phones", []))
    callees = _callees(top.get("callees"))
    numbers = _validate_numbers(phones, settings, start)
    if top.get("generate") is not None:
        taken = {n.phone for n in numbers}
        generated = generate(_mapping(top["generate"], "generate"), seed, taken)
        phones = phones + [{"phone": p} for p in generated]
        numbers += build_numbers([{"phone": p} for p in generated], settings, start)
    return Scenario(start, until, settings, phones, callees, seed, source, numbers)


def _seed(top: Mapping[str, Any]) -> int | str:
    gen = top.get("generate")
    seed = top.get("seed", gen.get("seed") if isinstance(gen, Mapping) else None)
    if seed is None:
        return 0
    if isinstance(seed, bool) or not isinstance(seed, int | str):
        raise _expect("seed", "an integer or a string", seed)
    return seed


def _settings(raw: Any, base: Path | None) -> dict[str, Any]:
    campaign = dict(_mapping(raw, "campaign"))
    campaign.setdefault("name", "simulation")
    for key, (low, high) in INT_FIELDS.items():
        value = campaign.get(key)
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high
        ):
            raise _expect(f"campaign.{key}", f"an integer {low}-{high}", value)
    bot = campaign.get("bot")
    if isinstance(bot, str) and base is not None and not Path(bot).is_absolute():
        campaign["bot"] = str((base / bot).resolve())
    if isinstance(bot, str) and not Path(campaign["bot"]).is_dir():
        raise ScenarioError("campaign.bot", f"expected a bot project folder, {bot!r} is none")
    try:
        return parse_settings(campaign)
    except ValidationError as error:
        raise ScenarioError(_field_of(error, "campaign"), error.message) from None


def _field_of(error: ValidationError, prefix: str) -> str:
    """``invalid.maxAttempts`` → ``campaign.maxAttempts``; ``phone.gmtZone…`` → ``….gmtZone``."""
    kind = error.type
    if kind.startswith("phone.gmtZone"):
        return f"{prefix}.gmtZone"
    if kind.startswith("phone."):
        return f"{prefix}.phone"
    if kind.startswith("invalid."):
        name = kind.removeprefix("invalid.")
        known = {"call.allowed.time": "allowedTime", "call.allowed.days": "allowedDays"}
        return f"{prefix}.{known.get(name, name)}"
    return prefix


def _phones(raw: Any) -> list[dict[str, Any]]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise _expect("phones", "a list of {phone: …} objects (the addPhones body)", raw)
    rows = []
    for index, row in enumerate(raw):
        if not isinstance(row, Mapping):
            raise _expect(f"phones[{index}]", "an object with a phone", row)
        if "phone" not in row:
            raise ScenarioError(
                f"phones[{index}].phone", "expected digits with country code, it is missing"
            )
        rows.append(dict(row))
    return rows


def _validate_numbers(
    phones: Sequence[Mapping[str, Any]], settings: Mapping[str, Any], start: datetime
) -> list[NewNumber]:
    numbers: list[NewNumber] = []
    seen: dict[str, int] = {}
    for index, row in enumerate(phones):
        try:
            (number,) = build_numbers([row], settings, start)
        except ValidationError as error:
            raise ScenarioError(_field_of(error, f"phones[{index}]"), error.message) from None
        if number.phone in seen:
            raise ScenarioError(
                f"phones[{index}].phone",
                f"expected each phone once, {number.phone} is also phones[{seen[number.phone]}]",
            )
        seen[number.phone] = index
        numbers.append(number)
    return numbers


def _callees(raw: Any) -> Callees:
    if raw is None:
        return Callees()
    callees = _mapping(raw, "callees")
    default = CalleeMix()
    if callees.get("default") is not None:
        default = _mix(_mapping(callees["default"], "callees.default"), "callees.default")
    scripted: dict[str, tuple[CalleeTurn, ...]] = {}
    for key, value in callees.items():
        if key == "default":
            continue
        where = f"callees.{key}"
        phone = "".join(ch for ch in str(key) if ch.isdigit())
        if not phone:
            raise ScenarioError(where, "expected a phone number (digits) or default as the key")
        entry = _mapping(value, where)
        if set(entry) - {"attempts"}:
            raise ScenarioError(where, "expected only attempts: [{outcome, say, talkSeconds}, …]")
        attempts = entry.get("attempts")
        if not isinstance(attempts, list) or not attempts:
            raise _expect(
                f"{where}.attempts", "a non-empty list of {outcome, say, talkSeconds}", attempts
            )
        scripted[phone] = tuple(_turn(a, f"{where}.attempts[{i}]") for i, a in enumerate(attempts))
    return Callees(default, scripted)


def _mix(spec: Mapping[str, Any], where: str) -> CalleeMix:
    allowed = (*OUTCOMES, "talkSeconds", "say")
    unknown = sorted(set(spec) - set(allowed))
    if unknown:
        raise ScenarioError(
            f"{where}.{unknown[0]}", f"unknown key; expected one of {', '.join(allowed)}"
        )
    probabilities = {o: _number(spec[o], f"{where}.{o}", 0, 1) for o in OUTCOMES if o in spec}
    total = sum(probabilities.values())
    if probabilities and abs(total - 1) > 1e-9:
        raise ScenarioError(
            where, f"expected outcome probabilities summing to 1, they sum to {total:g}"
        )
    if not probabilities:
        probabilities = {"answer": 1.0}
    return CalleeMix(
        probabilities=probabilities,  # type: ignore[arg-type]
        says=_says(spec.get("say", []), f"{where}.say"),
        talk_seconds=_number(spec.get("talkSeconds", 30), f"{where}.talkSeconds", 0),
    )


def _turn(raw: Any, where: str) -> CalleeTurn:
    spec = _mapping(raw, where)
    unknown = sorted(set(spec) - {"outcome", "say", "talkSeconds"})
    if unknown:
        raise ScenarioError(
            f"{where}.{unknown[0]}", "unknown key; expected outcome, say, talkSeconds"
        )
    outcome = spec.get("outcome")
    if outcome not in OUTCOMES:
        raise _expect(f"{where}.outcome", f"one of {', '.join(OUTCOMES)}", outcome)
    return CalleeTurn(
        outcome=outcome,
        says=None if spec.get("say") is None else _says(spec["say"], f"{where}.say"),
        talk_seconds=None
        if spec.get("talkSeconds") is None
        else _number(spec["talkSeconds"], f"{where}.talkSeconds", 0),
    )


def generate(spec: Mapping[str, Any], seed: int | str, taken: set[str] | None = None) -> list[str]:
    """``count`` distinct valid numbers (digits with country code) spread over ``countries``.

    Reproducible: the same spec and seed give the same numbers in the same order.
    """
    unknown = sorted(set(spec) - {"count", "countries", "seed"})
    if unknown:
        raise ScenarioError(
            f"generate.{unknown[0]}", "unknown key; expected count, countries, seed"
        )
    count = spec.get("count")
    if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= MAX_GENERATED:
        raise _expect("generate.count", f"an integer 0-{MAX_GENERATED}", count)
    countries = spec.get("countries", ["US"])
    supported = phonenumbers.SUPPORTED_REGIONS
    if not isinstance(countries, list) or not countries:
        raise _expect(
            "generate.countries", "a non-empty list of region codes like [RU, US]", countries
        )
    for index, region in enumerate(countries):
        if not isinstance(region, str) or region.upper() not in supported:
            raise _expect(f"generate.countries[{index}]", "a region code like RU, US, GB", region)
    templates = {r.upper(): _templates(r.upper()) for r in countries}
    rng = random.Random(f"generate:{seed}")
    taken = set(taken or ())
    out: list[str] = []
    regions = [r.upper() for r in countries]
    for index in range(count):
        region = regions[index % len(regions)]
        out.append(_random_number(rng, region, templates[region], taken))
    return out


def _templates(region: str) -> list[str]:
    kinds = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE)
    found = []
    for kind in kinds:
        example = phonenumbers.example_number_for_type(region, kind)
        if example is not None:
            found.append(
                f"{example.country_code}:{phonenumbers.national_significant_number(example)}"
            )
    if not found:
        raise ScenarioError(
            "generate.countries", f"expected a region with phone numbers, {region} has none"
        )
    return found


def _random_number(rng: random.Random, region: str, templates: list[str], taken: set[str]) -> str:
    for tries in range(1000):
        code, nsn = rng.choice(templates).split(":")
        # Keep the leading digit(s) of the example (its number type), randomise the rest; after
        # many misses keep more of the example (short national plans are dense there).
        keep = 1 if tries < 500 else 3
        digits = nsn[:keep] + "".join(rng.choice("0123456789") for _ in nsn[keep:])
        candidate = code + digits
        if candidate in taken:
            continue
        try:
            zones.parse_phone(candidate)  # phonenumbers' validity, a twentieth of the cost
        except ValidationError:
            continue
        taken.add(candidate)
        return candidate
    raise ScenarioError(
        "generate.count", f"expected a count {region} can fill with distinct numbers"
    )


def load_into(store: Store, scenario: Scenario) -> int:
    """Create the scenario's campaign and its numbers in ``store``; return the campaign id."""
    record = store.create_campaign(scenario.settings["name"], scenario.settings, scenario.start)
    chunk = 5000
    for offset in range(0, len(scenario.numbers), chunk):
        store.add_numbers(record.id, scenario.numbers[offset : offset + chunk], scenario.start)
    return record.id
