"""Bot runtime speed: a generated bot of 200 states and 500 patterns.

    .venv/bin/python -m bench.bot [--turns 2000]

Prints the median and p99 milliseconds of one turn (pattern match over 500 patterns + one
``script:`` block + an ``a:`` template, the way JAICP bots spend a turn), conversations per
second on one core (``/start`` + 5 utterances), and, measured in the same run as baselines,
the two parts alone: the matcher over the same utterances, and one bare JS request the way
the runtime makes one (begin, one queued script block and the read-back: one V8 call).
Goal: median turn <= 2 ms.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from ringback.bot.js import RequestData
from ringback.bot.project import load_project
from ringback.bot.runtime import Conversation, Runtime

STATES = 200
PATTERNS = 500
WORDS = [f"w{i}" for i in range(400)]
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def generate(folder: Path, rng: random.Random) -> list[str]:
    """Write the bot; return utterances that hit its patterns (and some that miss)."""
    (folder / "src").mkdir(parents=True)
    (folder / "chatbot.yaml").write_text("name: bench\nlanguage: en\n")
    lines = ["state: Start", "    q!: $regex</start>", "    a: hello"]
    utterances = []
    per_state = [PATTERNS // STATES + (1 if i < PATTERNS % STATES else 0) for i in range(STATES)]
    for i, count in enumerate(per_state):
        lines.append(f"state: S{i}")
        for _ in range(count):
            a, b, c = rng.sample(WORDS, 3)
            lines.append(f"    q!: * {a} [{b}] (x{i}|{c}) *")
            utterances.append(f"please {a} {b} {c} now")
        lines += [
            "    script:",
            "        $session.turns = ($session.turns || 0) + 1;",
            f"        $temp.state = 'S{i}';",
            "    a: turn {{ $session.turns }} in {{ $temp.state }}",
        ]
    lines += ["state: NoMatch", "    event!: noMatch", "    a: sorry"]
    (folder / "src" / "main.sc").write_text("\n".join(lines) + "\n")
    utterances += [" ".join(rng.sample(WORDS, 4)) for _ in range(len(utterances) // 10)]
    rng.shuffle(utterances)
    return utterances


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=2000)
    args = parser.parse_args()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        utterances = generate(Path(tmp) / "bot", rng)
        started = time.perf_counter()
        runtime = Runtime(load_project(Path(tmp) / "bot"), entities={})
        load_s = time.perf_counter() - started
    try:
        sample = [utterances[i % len(utterances)] for i in range(args.turns)]
        conv = Conversation()
        runtime.handle(conv, NOW, query="/start")
        turns = []
        for text in sample:
            t0 = time.perf_counter()
            runtime.handle(conv, NOW, query=text)
            turns.append((time.perf_counter() - t0) * 1000)

        match_ms = []
        for text in sample:
            t0 = time.perf_counter()
            runtime.matcher.match(text)
            match_ms.append((time.perf_counter() - t0) * 1000)

        js_ms = []
        engine = runtime.engine
        for _ in range(args.turns):
            t0 = time.perf_counter()
            engine.begin_request(RequestData(now=NOW, session={"turns": 1}))
            engine.queue("$session.turns += 1;", file="bench", line=1)
            engine.end_request()
            js_ms.append((time.perf_counter() - t0) * 1000)

        conversations = max(1, args.turns // 20)
        t0 = time.perf_counter()
        for i in range(conversations):
            conv = Conversation()
            runtime.handle(conv, NOW, query="/start")
            for j in range(5):
                runtime.handle(conv, NOW, query=utterances[(i * 5 + j) % len(utterances)])
        per_s = conversations / (time.perf_counter() - t0)
    finally:
        runtime.close()

    median = statistics.median(turns)
    match_median = statistics.median(match_ms)
    js_median = statistics.median(js_ms)
    print(f"bot: {STATES} states, {PATTERNS} patterns, loaded in {load_s:.2f} s")
    print(
        f"turn          median {median:.3f} ms   p99 {percentile(turns, 0.99):.3f} ms "
        f"(goal <= 2 ms median: {'met' if median <= 2 else 'NOT met'})"
    )
    print(f"matcher only  median {match_median:.3f} ms   p99 {percentile(match_ms, 0.99):.3f} ms")
    print(f"bare JS req   median {js_median:.3f} ms   p99 {percentile(js_ms, 0.99):.3f} ms")
    print(f"ratio turn / (matcher + bare JS request): {median / (match_median + js_median):.2f}")
    print(f"conversations/s on one core (/start + 5 turns): {per_s:.0f}")


if __name__ == "__main__":
    main()
