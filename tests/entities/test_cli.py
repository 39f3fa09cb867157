"""``ringback entities`` through the real command (a subprocess)."""

from __future__ import annotations

import json
import subprocess
import sys

REF = "2013-02-12T04:30:00-02:00"


def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ringback", "entities", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_text_prints_the_json_list() -> None:
    out = run("tomorrow at 3 pm", "--reftime", REF, "--dims", "time")
    assert out.returncode == 0, out.stderr
    (entity,) = json.loads(out.stdout)
    assert entity["value"]["value"] == "2013-02-13T15:00:00.000-02:00"


def test_jsonl_writes_one_list_per_line_and_nothing_else() -> None:
    lines = [
        json.dumps({"text": "завтра после обеда", "locale": "ru_RU", "reftime": REF}),
        "this is not json",
        json.dumps(
            {"text": "7", "locale": "en_US", "reftime": 1360650600000, "tz": "Europe/Berlin"}
        ),
        json.dumps({"text": "in 20 minutes", "locale": "xx_XX", "reftime": REF}),
        json.dumps({"text": "in 20 minutes", "reftime": REF, "tz": "Mars/Olympus"}),
        json.dumps(["not", "an", "object"]),
        json.dumps({"text": "hello", "reftime": REF}),
    ]
    out = run("--jsonl", stdin="\n".join(lines) + "\n")
    assert out.returncode == 0, out.stderr
    results = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(results) == len(lines)
    assert results[0][0]["value"]["from"]["value"] == "2013-02-13T13:00:00.000-02:00"
    assert results[1] == [] and results[3] == [] and results[4] == [] and results[5] == []
    # latent entities are always returned in batch mode, flagged
    latent = [e for e in results[2] if e["dim"] == "time"]
    assert latent and latent[0]["latent"] is True
    assert latent[0]["value"]["value"].endswith("+01:00")
    assert results[6] == []
    assert "line 2" in out.stderr and "invalid.locale" in out.stderr and "invalid.tz" in out.stderr


def test_bad_input_is_one_line_on_stderr() -> None:
    out = run("tomorrow", "--tz", "Nowhere/Land")
    assert out.returncode != 0
    assert out.stderr.strip().count("\n") == 0 and "invalid.tz" in out.stderr
    assert "Traceback" not in out.stderr
    out = run("tomorrow", "--reftime", "yesterday-ish")
    assert out.returncode != 0 and "invalid.reftime" in out.stderr
