"""SPEC §3 ``$dialer.redial`` through the engine: ``ringback simulate`` runs as a subprocess
with real bot projects (``tests/acceptance/redial/``) and every check reads ``--out`` and
``--report`` only.

Timing, as SPEC §7 has it: ``/start`` arrives when the call is answered and each ``say`` line
1 s after the bot's previous reply, so a callee whose only line is the callback request says it
at answer + 1 s. That instant is the script's ``new Date()``. The answer itself comes
``min(ANSWER_AFTER_SECONDS, ringTimeout / 2)`` after dialling (the simulated network's
constant), so the tests compute the utterance from the attempt's ``startedAt``; they also check
the looser bound SPEC alone gives (the utterance lies between the call's start and its end).
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from ringback.telephony.base import ANSWER_AFTER_SECONDS
from tests.acceptance.oracle import parse_utc

RINGBACK = [sys.executable, "-m", "ringback"]
BOTS = Path(__file__).parent / "redial"
RING = 30
START = "2025-03-07T12:00:00Z"  # a Friday; the campaigns below are open all day, every day
MINUTE = timedelta(minutes=1)
SECOND = timedelta(seconds=1)

Attempt = dict[str, Any]


def simulate(
    tmp_path: Path, bot: str, campaign: dict[str, Any], callees: dict[str, list[dict[str, Any]]]
) -> tuple[list[Attempt], dict[str, Any]]:
    """Run one campaign of ``bot`` over the scripted ``callees`` (phone → attempts)."""
    scenario = {
        "clock": {"start": START, "until": "2025-03-09T12:00:00Z"},
        "campaign": {
            "name": bot,
            "bot": str(BOTS / bot),
            "timezone": "UTC",
            "maxSimultaneousCalls": 2,
            "retryIntervalInMinutes": 1,
            "ringTimeoutSeconds": RING,
            **campaign,
        },
        "phones": [{"phone": phone, "gmtZone": "UTC"} for phone in callees],
        "callees": {phone: {"attempts": turns} for phone, turns in callees.items()},
    }
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(scenario))
    out, report = tmp_path / "attempts.jsonl", tmp_path / "summary.json"
    done = subprocess.run(
        [*RINGBACK, "simulate", str(path), "--out", str(out), "--report", str(report)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    attempts = [json.loads(line) for line in out.read_text().splitlines()]
    summary = json.loads(report.read_text())
    assert summary["attempts"]["total"] == len(attempts)
    assert summary["violations"] == 0
    return attempts, summary


def by_job(attempts: list[Attempt], phone: str) -> dict[int | None, list[Attempt]]:
    """``redialNumber`` → that call job's attempts of ``phone``, checking each job's numbering."""
    jobs: dict[int | None, list[Attempt]] = defaultdict(list)
    for a in attempts:
        if a["phone"] == phone:
            jobs[a["redialNumber"]].append(a)
    for job in jobs.values():
        assert [a["attemptNumber"] for a in job] == list(range(1, len(job) + 1))
        assert len({a["callJobId"] for a in job}) == 1
    assert len({job[0]["callJobId"] for job in jobs.values()}) == len(jobs)
    return dict(jobs)


def said_at(call: Attempt, line: int = 0) -> datetime:
    """When the callee said its ``line``-th ``say`` line (0-based) in this answered call."""
    answered = parse_utc(call["startedAt"]) + timedelta(seconds=min(ANSWER_AFTER_SECONDS, RING / 2))
    instant = answered + (line + 1) * SECOND
    assert parse_utc(call["startedAt"]) <= instant <= parse_utc(call["finishedAt"])
    return instant


def starts(job: list[Attempt]) -> list[datetime]:
    return [parse_utc(a["startedAt"]) for a in job]


def pauses(job: list[Attempt]) -> list[timedelta]:
    """End of each attempt → start of the next."""
    return [
        parse_utc(b["startedAt"]) - parse_utc(a["finishedAt"]) for a, b in itertools.pairwise(job)
    ]


def texts(call: Attempt, side: str) -> list[str]:
    return [t["text"] for t in call["transcript"] if t["from"] == side]


def test_seed_script_calls_back_twice_five_minutes_apart_within_60_to_75_minutes(
    tmp_path: Path,
) -> None:
    phone = "79161234567"
    attempts, summary = simulate(
        tmp_path,
        "seed",
        # maxAttempts 10 so the campaign-wide limit does not shorten the seed's 2 attempts
        {"maxAttempts": 10},
        {
            phone: [
                {"outcome": "answer", "say": ["can you call me back in an hour"], "talkSeconds": 0},
                {"outcome": "busy"},
                {"outcome": "noAnswer"},  # repeats: a third attempt would be a noAnswer too
            ]
        },
    )
    jobs = by_job(attempts, phone)
    assert sorted(jobs, key=str) == [1, None]
    (call,) = jobs[None]
    assert call["outcome"] == "answer"
    assert call["jobStatus"] == "longCallWithNoResult"
    assert texts(call, "client") == ["can you call me back in an hour"]
    assert texts(call, "bot")[-1] == "Okay! I'll call you back in an hour."
    now = said_at(call)  # the script's new Date()
    first, second = redial = jobs[1]
    assert [a["outcome"] for a in redial] == ["busy", "noAnswer"]
    assert redial[-1]["jobStatus"] == "noAnswer"
    # The window is [now + 60 min, now + 75 min); the line is free, so the series starts at
    # its startDateTime exactly, and the retry 5 min after the busy attempt ended.
    assert starts(redial)[0] == now + 60 * MINUTE
    assert 5 * MINUTE <= pauses(redial)[0] < 6 * MINUTE
    assert all(now + 60 * MINUTE <= s < now + 75 * MINUTE for s in starts(redial))
    # Bounds from SPEC alone: the utterance lies within the answered call.
    call_start, call_end = parse_utc(call["startedAt"]), parse_utc(call["finishedAt"])
    assert call_start + 60 * MINUTE <= parse_utc(first["startedAt"]) <= call_end + 60 * MINUTE
    assert parse_utc(second["startedAt"]) < call_start + 75 * MINUTE
    # maxAttempts 2 stops the series, not the finish: a third try would still have fit.
    assert parse_utc(second["finishedAt"]) + 5 * MINUTE < now + 75 * MINUTE
    assert len(attempts) == 3
    assert summary["redials"] == 1
    assert summary["numbers"]["byJobStatus"] == {"noAnswer": 1}


def test_only_the_first_valid_redial_of_a_conversation_counts(tmp_path: Path) -> None:
    phone = "79161234568"
    attempts, summary = simulate(
        tmp_path,
        "twice",
        {"maxAttempts": 10},
        {
            phone: [
                {"outcome": "answer", "say": ["in an hour", "in three hours"], "talkSeconds": 0},
                {"outcome": "noAnswer"},
            ]
        },
    )
    jobs = by_job(attempts, phone)
    assert sorted(jobs, key=str) == [1, None]
    (call,) = jobs[None]
    bot = texts(call, "bot")
    # all three redials ran: the invalid one threw, both valid ones were asked for
    assert bot[0] == "Hello!"
    assert bot[1].startswith("refused: $dialer.redial params error.")
    assert bot[2:] == ["I'll call you back in an hour.", "Three hours then."]
    # the series is the first valid redial's: +60 min, 2 attempts 5 min apart (not +180 min,
    # 4 attempts 20 min apart)
    redial = jobs[1]
    assert len(redial) == 2
    assert starts(redial)[0] == said_at(call, 0) + 60 * MINUTE
    assert 5 * MINUTE <= pauses(redial)[0] < 6 * MINUTE
    assert all(s < said_at(call, 1) + 180 * MINUTE for s in starts(redial))
    assert summary["redials"] == 1


def test_redial_asking_for_10_attempts_makes_5(tmp_path: Path) -> None:
    phone = "79161234569"
    attempts, summary = simulate(
        tmp_path,
        "capped",
        {"maxAttempts": 10},  # the campaign limit leaves 10: only the cap of 5 applies
        {phone: [{"outcome": "answer", "talkSeconds": 0}, {"outcome": "noAnswer"}]},
    )
    jobs = by_job(attempts, phone)
    assert sorted(jobs, key=str) == [1, None]
    (call,) = jobs[None]
    redial = jobs[1]
    assert len(redial) == 5
    assert [a["outcome"] for a in redial] == ["noAnswer"] * 5
    assert redial[-1]["jobStatus"] == "noAnswer"
    assert starts(redial)[0] == parse_utc(call["startedAt"]) + (
        ANSWER_AFTER_SECONDS * SECOND + 30 * MINUTE
    )
    assert all(10 * MINUTE <= p < 11 * MINUTE for p in pauses(redial))
    assert len(attempts) == 6
    assert summary["redials"] == 1


def test_campaign_limit_bounds_the_redial_attempts_of_a_number(tmp_path: Path) -> None:
    """Campaign ``maxAttempts`` 3; the bot asks for 2 more attempts in every answered call.

    ``shortened`` misses the first redial call and answers the second (2 attempts used, 1 left):
    its next series is cut to 1 attempt, missed, so it ends. ``answers`` answers every call:
    each series ends after 1 attempt, so it gets 3 series of 1 and the redial asked for in the
    third is ignored (nothing left): no fourth job.
    """
    shortened, answers = "79161234570", "79161234571"
    attempts, summary = simulate(
        tmp_path,
        "always",
        {"maxAttempts": 3},
        {
            shortened: [
                {"outcome": "answer", "talkSeconds": 0},
                {"outcome": "noAnswer"},
                {"outcome": "answer", "talkSeconds": 0},
                {"outcome": "noAnswer"},
            ],
            answers: [{"outcome": "answer", "talkSeconds": 0}],
        },
    )
    jobs = by_job(attempts, shortened)
    assert {n: [a["outcome"] for a in job] for n, job in jobs.items()} == {
        None: ["answer"],
        1: ["noAnswer", "answer"],
        2: ["noAnswer"],
    }
    assert jobs[2][-1]["jobStatus"] == "noAnswer"
    jobs = by_job(attempts, answers)
    assert {n: [a["outcome"] for a in job] for n, job in jobs.items()} == {
        None: ["answer"],
        1: ["answer"],
        2: ["answer"],
        3: ["answer"],
    }
    for phone in (shortened, answers):
        redials = [a for a in attempts if a["phone"] == phone and a["redialNumber"] is not None]
        assert len(redials) == 3
    assert summary["redials"] == 2 + 3
    assert summary["campaign"]["status"] == "finished"


def test_demo_makes_redials(tmp_path: Path) -> None:
    done = subprocess.run(
        [*RINGBACK, "demo", "--numbers", "24", "--out-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["redials"] > 0
    assert summary["violations"] == 0
    attempts = [json.loads(line) for line in (tmp_path / "attempts.jsonl").read_text().splitlines()]
    # every redial attempt follows a call in which the callee asked for it, inside the seed's
    # window: [utterance + 60 min, utterance + 75 min), the utterance being within that call
    asked: dict[str, Attempt] = {}
    redialled = 0
    for a in attempts:
        if "can you call me back in an hour" in texts(a, "client"):
            asked[a["phone"]] = a
        if a["redialNumber"] is not None:
            redialled += 1
            call = asked[a["phone"]]
            start = parse_utc(a["startedAt"])
            assert parse_utc(call["startedAt"]) + 60 * MINUTE <= start
            assert start < parse_utc(call["finishedAt"]) + 75 * MINUTE
    assert redialled > 0
