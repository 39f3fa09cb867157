"""``ringback policy explain`` run as a user runs it: a subprocess, fixed ``--from``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

WEEKDAYS_POLICY = {
    "allowedDays": ["mon", "tue", "wed", "thu", "fri"],
    "allowedTime": {
        "default": [{"localTimeFrom": "09:00", "localTimeTo": "18:00"}],
        "fri": [{"localTimeFrom": "22:00", "localTimeTo": "02:00"}],
    },
    "maxAttempts": 3,
    "retryIntervalInMinutes": 60,
    "finishDateTime": "2026-03-13T00:00:00Z",
}


def explain(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    return subprocess.run(
        [sys.executable, "-m", "ringback", "policy", "explain", *args],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )


def lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    assert result.returncode == 0, result.stderr
    return [line.rstrip() for line in result.stdout.splitlines()]


def test_single_zone_number_over_a_dst_change_until_the_finish() -> None:
    result = explain(
        "--phone",
        "12125550100",
        "--policy",
        json.dumps(WEEKDAYS_POLICY),
        "--campaign-zone",
        "Europe/Moscow",
        "--from",
        "2026-03-06T12:00:00Z",
        "--count",
        "7",
    )
    assert lines(result) == [
        "phone       12125550100",
        "zone        America/New_York",
        "zoneSource  number: number 12125550100 has one zone: America/New_York",
        "policy      mon-thu 09:00-18:00; fri 22:00-02:00 (ends next day) (callee's local time)",
        "            from any time until Fri 2026-03-13 00:00 UTC (exclusive)",
        "            at most 3 attempts per series, the next one 60 min or more after one ends;"
        " dialerPriority 3",
        "from        Fri 2026-03-06 12:00 UTC",
        "next 5 window(s)",
        "┏━━━━┳━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳"
        "━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┓",
        "┃  # ┃ opens UTC            ┃ closes UTC           ┃ opens local                 ┃"
        " closes local                ┃",
        "┡━━━━╇━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇"
        "━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┩",
        # Friday's night window, still EST (-05:00) ...
        "│  1 │ Sat 2026-03-07 03:00 │ Sat 2026-03-07 07:00 │ Fri 2026-03-06 22:00 -05:00 │"
        " Sat 2026-03-07 02:00 -05:00 │",
        # ... and after the US change to EDT on Sunday 8 March the UTC times move an hour.
        "│  2 │ Mon 2026-03-09 13:00 │ Mon 2026-03-09 22:00 │ Mon 2026-03-09 09:00 -04:00 │"
        " Mon 2026-03-09 18:00 -04:00 │",
        "│  3 │ Tue 2026-03-10 13:00 │ Tue 2026-03-10 22:00 │ Tue 2026-03-10 09:00 -04:00 │"
        " Tue 2026-03-10 18:00 -04:00 │",
        "│  4 │ Wed 2026-03-11 13:00 │ Wed 2026-03-11 22:00 │ Wed 2026-03-11 09:00 -04:00 │"
        " Wed 2026-03-11 18:00 -04:00 │",
        "│  5 │ Thu 2026-03-12 13:00 │ Thu 2026-03-12 22:00 │ Thu 2026-03-12 09:00 -04:00 │"
        " Thu 2026-03-12 18:00 -04:00 │",
        "└────┴──────────────────────┴──────────────────────┴─────────────────────────────┴"
        "─────────────────────────────┘",
        "no further window opens",
    ]
    assert result.stderr == ""


def test_multi_zone_number_uses_the_intersection_shown_in_the_campaign_zone(
    tmp_path: Path,
) -> None:
    policy_file = tmp_path / "policy.json"
    policy_file.write_text(
        json.dumps(
            {
                "timezone": "Asia/Kathmandu",
                "localTimeFrom": "09:00",
                "localTimeTo": "21:00",
                "startDateTime": "2026-03-02T07:30:00Z",
            }
        )
    )
    result = explain(
        "--phone",
        "79161234567",
        "--policy",
        f"@{policy_file}",
        "--from",
        "2026-03-02T00:00:00+03:00",
        "--count",
        "2",
    )
    out = lines(result)
    assert out[:3] == [
        "phone       79161234567",
        "zone        Asia/Kathmandu",
        "zoneSource  intersection: none of the number's 16 zones is Asia/Kathmandu; calls start"
        " only when the window is open in all 16 (times shown in Asia/Kathmandu)",
    ]
    assert out[4] == "            from Mon 2026-03-02 07:30 UTC with no finish"
    assert out[6] == "from        Sun 2026-03-01 21:00 UTC"
    # 09:00 at UTC+12 (Kamchatka) is 21:00 UTC the day before; 21:00 at UTC+2 (Kaliningrad) is
    # 19:00 UTC: the common hours are 07:00-09:00 UTC, clipped by the start on the first day.
    assert out[11] == (
        "│  1 │ Mon 2026-03-02 07:30 │ Mon 2026-03-02 09:00 │ Mon 2026-03-02 13:15 +05:45 │"
        " Mon 2026-03-02 14:45 +05:45 │"
    )
    assert out[12] == (
        "│  2 │ Tue 2026-03-03 07:00 │ Tue 2026-03-03 09:00 │ Tue 2026-03-03 12:45 +05:45 │"
        " Tue 2026-03-03 14:45 +05:45 │"
    )


@pytest.mark.parametrize(
    ("args", "zone_lines"),
    [
        (
            ["--phone", "12125550100", "--gmt-zone", "+05:45"],
            ["zone        +05:45", "zoneSource  explicit: the number's gmtZone '+05:45'"],
        ),
        (
            ["--phone", "79161234567", "--campaign-zone", "Europe/Moscow"],
            [
                "zone        Europe/Moscow",
                "zoneSource  number: campaign zone Europe/Moscow is one of the number's 16 zones",
            ],
        ),
        (
            [
                "--phone",
                "18005550100",
                "--campaign-zone",
                "Europe/Moscow",
                "--policy",
                '{"localTimeFrom": "09:00", "localTimeTo": "18:00"}',
            ],
            [
                "zone        Europe/Moscow",
                "zoneSource  campaign: the number's 42 zones have no common open time within 7"
                " days; campaign zone Europe/Moscow used",
            ],
        ),
    ],
)
def test_zone_sources_are_explained(args: list[str], zone_lines: list[str]) -> None:
    out = lines(explain(*args, "--from", "2026-03-02T00:00:00Z", "--count", "1"))
    assert out[1:3] == zone_lines


def test_a_window_open_all_day_is_listed_in_pieces_that_continue() -> None:
    out = lines(explain("--phone", "441234567890", "--from", "2026-03-02T00:00:00Z"))
    assert out[3] == "policy      every day 00:00-24:00 (callee's local time)"
    assert out[-1] == "a row opening when the one before closes continues it without a break"


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (
            ["--phone", "12125550100", "--policy", "{bad"],
            "error: --policy: expected a JSON object (line 1 column 2: Expecting property name"
            " enclosed in double quotes)",
        ),
        (
            ["--phone", "12125550100", "--policy", "[1]"],
            "error: --policy: expected a JSON object of campaign policy fields",
        ),
        (
            ["--phone", "12125550100", "--policy", '{"maxAttempts": 99}'],
            "error: invalid.maxAttempts: maxAttempts must be an integer 1-50, got 99",
        ),
        (
            ["--phone", "1212555"],
            "error: phone.bad.format: phone '1212555' is not a valid phone number; expected"
            " digits with country code, e.g. 79161234567",
        ),
        (
            ["--phone", "12125550100", "--gmt-zone", "+25:00"],
            "error: phone.gmtZone.bad.format: gmtZone '+25:00' is not a time zone; expected an"
            " offset ±HH:MM within -18:00..+18:00 (e.g. +03:00) or an IANA zone name"
            " (e.g. Europe/Moscow)",
        ),
        (
            ["--phone", "12125550100", "--campaign-zone", "Mars/Olympus"],
            "error: --campaign-zone: expected an IANA zone name (e.g. Europe/Moscow) or a"
            " ±HH:MM offset",
        ),
        (
            ["--phone", "12125550100", "--from", "yesterday"],
            "error: --from: expected an ISO-8601 instant such as 2026-03-02T09:00:00Z",
        ),
        (
            ["--phone", "12125550100", "--from", "2026-03-02T09:00"],
            "error: --from: expected an instant with an offset, such as 2026-03-02T09:00:00Z",
        ),
        (
            ["--phone", "12125550100", "--count", "0"],
            "error: --count: expected a positive number of windows",
        ),
        (
            ["--phone", "12125550100", "--policy", "@/nonexistent/policy.json"],
            "error: --policy: expected a readable JSON file (No such file or directory:"
            " /nonexistent/policy.json)",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: list[str], error: str) -> None:
    result = explain(*args)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == error + "\n"
