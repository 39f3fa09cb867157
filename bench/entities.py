"""Time-expression extraction: ringback against dateparser's ``search_dates``, same run.

For every case of Duckling's EN and RU corpora, both extractors run on the text with the
case's reference time; figures are median and p95 milliseconds per phrase and the pass rate.
ringback is scored with Duckling's strict rule on every case; dateparser as far as the rule
applies to it — the ``value`` cases (one match spanning the text, the same local date-time) and
the negative ones (nothing found) — and ringback is scored on that subset too. A first, untimed
pass over the same cases warms both up (rule compilation, dateparser's language data, the
holiday calendars ringback computes once per year), so the figures are a running server's.

The machine is shared, so one timing of a phrase may include another process's time slice: the
timed passes run ``REPEAT`` times, ringback's and dateparser's in turn, and each phrase's figure
is its best time (the same for both extractors).

    .venv/bin/python -m bench.entities
"""

from __future__ import annotations

import statistics
import time
import warnings
from collections.abc import Callable
from datetime import datetime
from typing import Any

from ringback.entities import parse
from ringback.entities.corpus import load, passes

REPEAT = 3


def _ringback(case: dict[str, Any]) -> bool:
    found = parse(
        case["text"],
        locale=case["lang"],
        ref=datetime.fromisoformat(case["ref"]),
        dims=["time"],
        latent=case["latent"],
    )
    return passes(case, found)


def _dateparser(case: dict[str, Any]) -> bool:
    from dateparser.search import search_dates

    ref = datetime.fromisoformat(case["ref"])
    settings = {"RELATIVE_BASE": ref.replace(tzinfo=None), "PREFER_DATES_FROM": "future"}
    found = search_dates(case["text"], languages=[case["lang"]], settings=settings)  # type: ignore[arg-type]
    expect = case["expect"]
    if expect is None:
        return not found
    if not found or len(found) != 1 or found[0][0].strip() != case["text"].strip():
        return False
    value = found[0][1].replace(tzinfo=None)
    return value.isoformat(timespec="seconds") == expect["value"]


def _applies(case: dict[str, Any]) -> bool:
    return case["expect"] is None or case["expect"]["kind"] == "value"


def _run(
    fn: Callable[[dict[str, Any]], bool], cases: list[dict[str, Any]]
) -> tuple[list[float], list[bool]]:
    times, results = [], []
    for case in cases:
        start = time.perf_counter()
        results.append(fn(case))
        times.append((time.perf_counter() - start) * 1000)
    return times, results


def _best(runs: list[tuple[list[float], list[bool]]]) -> tuple[list[float], list[bool]]:
    """Per phrase, the best time of the runs (the results are the same in every run)."""
    return [min(ts) for ts in zip(*(t for t, _ in runs), strict=True)], runs[0][1]


def _p95(xs: list[float]) -> float:
    return statistics.quantiles(xs, n=20)[-1]


def main() -> None:
    warnings.simplefilter("ignore")
    for lang in ("en", "ru"):
        cases = load(lang)
        subset = [c for c in cases if _applies(c)]
        _run(_ringback, cases)  # warm-up, untimed
        _run(_dateparser, subset)
        rb_runs, dp_runs = [], []
        for _ in range(REPEAT):
            rb_runs.append(_run(_ringback, cases))
            dp_runs.append(_run(_dateparser, subset))
        rb_t, rb_ok = _best(rb_runs)
        dp_t, dp_ok = _best(dp_runs)
        rb_sub = [ok for c, ok in zip(cases, rb_ok, strict=True) if _applies(c)]
        rb_sub_t = [t for c, t in zip(cases, rb_t, strict=True) if _applies(c)]
        print(
            f"{lang.upper()}: {len(cases)} cases, {len(subset)} value/negative cases "
            f"(best of {REPEAT} timings per phrase)"
        )
        print(
            f"  ringback   all cases:      pass {sum(rb_ok) / len(rb_ok):6.1%}  "
            f"median {statistics.median(rb_t):6.2f} ms  p95 {_p95(rb_t):6.2f} ms"
        )
        print(
            f"  ringback   value/negative: pass {sum(rb_sub) / len(rb_sub):6.1%}  "
            f"median {statistics.median(rb_sub_t):6.2f} ms  p95 {_p95(rb_sub_t):6.2f} ms"
        )
        print(
            f"  dateparser value/negative: pass {sum(dp_ok) / len(dp_ok):6.1%}  "
            f"median {statistics.median(dp_t):6.2f} ms  p95 {_p95(dp_t):6.2f} ms"
        )
        print(
            f"  speed-up (dateparser / ringback, same subset): median "
            f"{statistics.median(dp_t) / statistics.median(rb_sub_t):.1f}x, "
            f"p95 {_p95(dp_t) / _p95(rb_sub_t):.1f}x"
        )


if __name__ == "__main__":
    main()
