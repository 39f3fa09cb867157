"""``ringback simulate`` end to end (a subprocess); an independent oracle checks every attempt."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from tests.acceptance import oracle
from tests.acceptance.oracle import Windows, parse_utc

RINGBACK = [sys.executable, "-m", "ringback"]


def simulate(
    tmp_path: Path, scenario: dict[str, Any]
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
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
    return attempts, json.loads(report.read_text())


def phone(i: int) -> str:
    return f"7916{i:07d}"


def check_run(
    scenario: dict[str, Any],
    attempts: list[dict[str, Any]],
    report: dict[str, Any],
    zone_of: dict[str, ZoneInfo | Any],
    windows_of: dict[str, Windows],
) -> None:
    """The SPEC 1-2 invariants every run must keep, from the --out lines alone."""
    campaign = scenario["campaign"]
    lines = campaign["maxSimultaneousCalls"]
    retry = {
        p["phone"]: p.get("retryIntervalInMinutes", campaign["retryIntervalInMinutes"])
        for p in scenario["phones"]
    }
    limit = {p["phone"]: p.get("maxAttempts", campaign["maxAttempts"]) for p in scenario["phones"]}
    clock_start = parse_utc(scenario["clock"]["start"])
    until = parse_utc(scenario["clock"]["until"])
    assert report["attempts"]["total"] == len(attempts)
    assert attempts, "the scenario made no attempt"
    starts = [parse_utc(a["startedAt"]) for a in attempts]
    assert starts == sorted(starts), "--out is in start order"
    # every attempt starts inside its number's windows, as written, in its zone
    for a, start in zip(attempts, starts, strict=True):
        assert windows_of[a["phone"]].allowed(start, zone_of[a["phone"]]), a
        assert start < until
        assert a["outcome"] in ("answer", "busy", "noAnswer", "failed", "nonexistent")
        assert 1 <= a["line"] <= lines
    # never more calls than lines at any instant (sweep), and never two on one line
    intervals = [(parse_utc(a["startedAt"]), parse_utc(a["finishedAt"])) for a in attempts]
    assert oracle.max_concurrency(intervals) <= lines
    by_line: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    for a, iv in zip(attempts, intervals, strict=True):
        by_line[a["line"]].append(iv)
    for ivs in by_line.values():
        assert oracle.max_concurrency(ivs) <= 1
    # series: attempt numbers 1..n, ≤ maxAttempts, retry pause ≥ retryInterval from end to start
    series: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for a in attempts:
        series[a["callJobId"]].append(a)
    for job in series.values():
        assert [a["attemptNumber"] for a in job] == list(range(1, len(job) + 1))
        assert len(job) <= limit[job[0]["phone"]]
        for prev, nxt in itertools.pairwise(job):
            pause = parse_utc(nxt["startedAt"]) - parse_utc(prev["finishedAt"])
            assert pause >= timedelta(minutes=retry[prev["phone"]])
            assert prev["outcome"] != "answer"
    # lines never idle while a due number waits: occupancy over the time some number waited
    waiting: list[tuple[datetime, datetime]] = []
    attempted = {job[0]["phone"]: job for job in series.values()}
    for row in scenario["phones"]:
        p = row["phone"]
        periods = windows_of[p].open_periods(zone_of[p], clock_start, until)
        job = attempted.get(p, [])
        bound = clock_start
        for a in [*job, None]:
            due = oracle.next_allowed(bound, periods) if bound is not None else None
            if a is None:
                final = job[-1]["jobStatus"] if job else "planned"
                if final in ("planned", "onRetry") and due is not None:
                    waiting += oracle.intersect([(due, until)], periods)
                break
            start = parse_utc(a["startedAt"])
            assert due is not None and start >= due
            waiting += oracle.intersect([(due, start)], periods)
            bound = parse_utc(a["finishedAt"]) + timedelta(minutes=retry[p])
    waited = oracle.union(waiting)
    if oracle.seconds(waited) > 0:
        busy = sum(oracle.seconds(oracle.intersect([iv], waited)) for iv in intervals)
        assert busy / (lines * oracle.seconds(waited)) >= 0.97


def test_new_york_spring_forward_night(tmp_path: Path) -> None:
    # Sat 8 Mar 2025 23:00 EST → Sun 00:30 EST, then Sun 02:30 (inside the skipped hour: opens at
    # the transition, 03:00 EDT) → 04:00 EDT.
    ny = ZoneInfo("America/New_York")
    allowed_time = {
        "sat": [{"localTimeFrom": "23:00", "localTimeTo": "00:30"}],
        "sun": [{"localTimeFrom": "02:30", "localTimeTo": "04:00"}],
    }
    scenario = {
        "clock": {"start": "2025-03-08T12:00:00Z", "until": "2025-03-10T12:00:00Z"},
        "campaign": {
            "name": "DST night",
            "timezone": "America/New_York",
            "maxSimultaneousCalls": 3,
            "maxAttempts": 6,
            "retryIntervalInMinutes": 15,
            "ringTimeoutSeconds": 60,
            "allowedDays": ["sat", "sun"],
            "allowedTime": allowed_time,
        },
        "phones": [{"phone": phone(i), "gmtZone": "America/New_York"} for i in range(70)],
        "callees": {"default": {"busy": 0.2, "noAnswer": 0.8}},
        "seed": 1,
    }
    attempts, report = simulate(tmp_path, scenario)
    windows = Windows(("sat", "sun"), allowed_time)
    phones = [p["phone"] for p in scenario["phones"]]
    check_run(scenario, attempts, report, dict.fromkeys(phones, ny), dict.fromkeys(phones, windows))
    periods = windows.open_periods(
        ny, parse_utc("2025-03-08T12:00:00Z"), parse_utc("2025-03-10T12:00:00Z")
    )
    assert periods == [
        (parse_utc("2025-03-09T04:00:00Z"), parse_utc("2025-03-09T05:30:00Z")),
        (parse_utc("2025-03-09T07:00:00Z"), parse_utc("2025-03-09T08:00:00Z")),
    ]
    starts = [parse_utc(a["startedAt"]) for a in attempts]
    assert min(starts) == periods[0][0]
    after_gap = [s for s in starts if s >= periods[0][1]]
    assert min(after_gap) == periods[1][0]  # retries waited through the gap, then went at once
    by_start = {a["startedAt"]: a["localStartedAt"] for a in attempts}
    assert by_start["2025-03-09T04:00:00.000Z"] == "2025-03-08T23:00:00.000-05:00"
    assert by_start["2025-03-09T07:00:00.000Z"] == "2025-03-09T03:00:00.000-04:00"
    assert all(a["zone"] == "America/New_York" and a["zoneSource"] == "explicit" for a in attempts)
    assert sum(report["numbers"]["byJobStatus"].values()) == 70
    assert report["violations"] == 0  # the engine's own re-check agrees with the oracle


def test_zones_per_day_windows_priorities_limits_and_dates(tmp_path: Path) -> None:
    allowed_time = {
        "default": [{"localTimeFrom": "09:00", "localTimeTo": "18:00"}],
        "wed": [{"localTimeFrom": "20:00", "localTimeTo": "02:00"}],
        "fri": [
            {"localTimeFrom": "09:00", "localTimeTo": "11:00"},
            {"localTimeFrom": "14:00", "localTimeTo": "16:00"},
        ],
    }
    days = ("mon", "tue", "wed", "thu", "fri")
    start, finish = "2025-03-10T06:00:00Z", "2025-03-14T10:00:00Z"
    zones = {
        "+05:45": ZoneInfo("Asia/Kathmandu"),
        "Europe/Moscow": ZoneInfo("Europe/Moscow"),
        "America/Los_Angeles": ZoneInfo("America/Los_Angeles"),
    }
    phones: list[dict[str, Any]] = []
    for i in range(90):
        row: dict[str, Any] = {"phone": phone(i), "gmtZone": list(zones)[i % 3]}
        if i % 10 == 0:
            row["dialerPriority"] = 1
        elif i % 10 == 1:
            row["dialerPriority"] = 5
        if i % 7 == 0:
            row["maxAttempts"] = 5
        phones.append(row)
    scenario = {
        "clock": {"start": "2025-03-09T20:00:00Z", "until": "2025-03-15T00:00:00Z"},
        "campaign": {
            "name": "zones",
            "timezone": "Europe/Moscow",
            "maxSimultaneousCalls": 4,
            "maxAttempts": 3,
            "retryIntervalInMinutes": 60,
            "ringTimeoutSeconds": 40,
            "allowedDays": list(days),
            "allowedTime": allowed_time,
            "startDateTime": start,
            "finishDateTime": finish,
        },
        "phones": phones,
        "callees": {
            "default": {
                "answer": 0.25,
                "busy": 0.35,
                "noAnswer": 0.3,
                "failed": 0.1,
                "talkSeconds": 240,
            },
        },
        "seed": 5,
    }
    attempts, report = simulate(tmp_path, scenario)
    windows = Windows(days, allowed_time, parse_utc(start), parse_utc(finish))
    zone_of = {p["phone"]: zones[p["gmtZone"]] for p in phones}
    check_run(scenario, attempts, report, zone_of, dict.fromkeys(zone_of, windows))
    assert report["violations"] == 0
    starts = [parse_utc(a["startedAt"]) for a in attempts]
    assert min(starts) >= parse_utc(start) and max(starts) < parse_utc(finish)
    # priorities: within a zone (all due together), priority-1 first attempts precede priority-5
    priority = {p["phone"]: p.get("dialerPriority", 3) for p in phones}
    for gmt in zones:
        first = {
            a["phone"]: parse_utc(a["startedAt"])
            for a in reversed(attempts)
            if a["attemptNumber"] == 1 and zone_of[a["phone"]] is zones[gmt]
        }
        p1 = [t for p, t in first.items() if priority[p] == 1]
        p5 = [t for p, t in first.items() if priority[p] == 5]
        assert p1 and p5 and max(p1) <= min(p5)
    # a number-level maxAttempts beats the campaign's; the series ran out (or answered)
    counts: dict[str, int] = defaultdict(int)
    for a in attempts:
        counts[a["phone"]] += 1
    assert max(counts[p["phone"]] for p in phones if "maxAttempts" in p) > 3
    assert {a["zone"] for a in attempts} == set(zones)
    kathmandu = next(a for a in attempts if a["zone"] == "+05:45")
    assert kathmandu["localStartedAt"].endswith("+05:45")
    assert report["lines"] == 4 and 0 < report["lineOccupancy"] <= 1


def test_scenario_errors_are_one_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    start = 'clock: {start: "2025-03-07T12:00:00Z"}\n'
    cases = [
        (
            start + 'campaign: {maxSimultaneousCalls: "x"}\n',
            'error: campaign.maxSimultaneousCalls: expected an integer 1-10000, got "x"',
        ),
        (start + 'phones: [{phone: "79161234567"}, {phone: "12"}]\n', "error: phones[1].phone:"),
        (
            start + 'phones: [{phone: "79161234567", gmtZone: "+25:00"}]\n',
            "error: phones[0].gmtZone:",
        ),
        (
            start + "callees: {default: {answer: 0.5, busy: 0.2}}\n",
            "error: callees.default: expected outcome probabilities summing to 1",
        ),
        ('clock: {start: "yesterday"}\n', "error: clock.start: expected an ISO-8601 instant"),
    ]
    for text, expected in cases:
        path.write_text(text)
        done = subprocess.run(
            [*RINGBACK, "simulate", str(path)], capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 2
        assert done.stderr.startswith(expected), done.stderr
        assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
