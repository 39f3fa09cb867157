"""``ringback demo``: the embedded sample campaign (SPEC §8).

``scenario.yaml`` holds the campaign (several zones, the callback bot in ``callback-bot/``, whose
``src/main.sc`` contains SPEC §3's seed state verbatim); :func:`demo_scenario` adds the
generated numbers and scripts every fourth callee to ask for a callback in an hour, miss the
first call back and answer the second (``$dialer.redial``: two attempts 5 minutes apart).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from ringback.scenario import Scenario, generate, parse

CALLBACK_TURNS: list[dict[str, Any]] = [
    {"outcome": "answer", "say": ["hello", "can you call me back in an hour"], "talkSeconds": 20},
    {"outcome": "noAnswer"},
    {"outcome": "answer", "say": ["yes"], "talkSeconds": 25},
]


def demo_scenario(numbers: int = 3000) -> Scenario:
    """The demo scenario with ``numbers`` generated callees."""
    folder = Path(str(resources.files(__package__)))
    data = yaml.safe_load((folder / "scenario.yaml").read_text(encoding="utf-8"))
    spec = dict(data.pop("generate"), count=numbers)
    phones = generate(spec, spec["seed"])
    data["seed"] = spec["seed"]
    data["phones"] = [{"phone": p} for p in phones]
    data["callees"].update({p: {"attempts": CALLBACK_TURNS} for p in phones[::4]})
    return parse(data, base=folder, source=folder / "scenario.yaml")
