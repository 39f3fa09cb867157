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

from ringback.scenario import Scenario, parse

CALLBACK_TURNS: list[dict[str, Any]] = [
    {"outcome": "answer", "say": ["hello", "can you call me back in an hour"], "talkSeconds": 20},
    {"outcome": "noAnswer"},
    {"outcome": "answer", "say": ["yes"], "talkSeconds": 25},
]


def demo_scenario(numbers: int = 3000) -> tuple[Scenario, str | None]:
    """The demo scenario with ``numbers`` generated callees, and a note for the user (or None).

    Until the bot runtime (``ringback.bot.load_bot``) is installed the demo runs the built-in
    bot and says so.
    """
    from ringback.scenario import generate

    folder = Path(str(resources.files(__package__)))
    data = yaml.safe_load((folder / "scenario.yaml").read_text(encoding="utf-8"))
    note = None
    try:
        from ringback.bot import load_bot  # type: ignore[attr-defined]  # noqa: F401
    except ImportError:
        data["campaign"].pop("bot")
        note = "note: the bot runtime is not installed; the demo uses the built-in bot"
    spec = dict(data.pop("generate"), count=numbers)
    phones = generate(spec, spec["seed"])
    data["seed"] = spec["seed"]
    data["phones"] = [{"phone": p} for p in phones]
    data["callees"].update({p: {"attempts": CALLBACK_TURNS} for p in phones[::4]})
    return parse(data, base=folder, source=folder / "scenario.yaml"), note
