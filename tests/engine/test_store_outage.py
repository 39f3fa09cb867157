"""The dialer rides out a database outage without losing a result (``ringback.engine.dialer``,
"When the database is unavailable").

Each test runs the real dialer on a VirtualClock over a real SQLite file store, seen through
:class:`FlakyStore`: it delegates every call to that store, but chosen methods raise a real
``sqlite3.OperationalError`` "database is locked" (what SQLite says after its busy timeout) for
a chosen number of calls from a chosen instant on. The simulated network draws each
attempt's outcome from (seed, phone, attempt index) only, so a run with an outage must give
every number the very attempts, outcomes and call jobs of the same run without one.
"""

from __future__ import annotations

import itertools
import logging
import sqlite3
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pytest

from ringback.engine.clock import VirtualClock
from ringback.engine.dialer import Dialer
from ringback.scenario import Scenario, load_into, parse
from ringback.store import open_store
from ringback.store.base import AttemptRecord, Store
from ringback.telephony.base import CallPlan
from ringback.telephony.simulated import SimulatedTelephony

START = datetime(2025, 3, 7, 12, 0, tzinfo=UTC)  # a Friday; the campaigns are open all day
BOTS = Path(__file__).parents[1] / "acceptance" / "redial"


def locked() -> BaseException:
    """What SQLite raises after its busy timeout, made for real (its result code, SQLITE_BUSY,
    is what tells it from a syntax error, which sqlite3 raises as OperationalError too)."""
    with tempfile.TemporaryDirectory() as folder:
        holder = sqlite3.connect(Path(folder) / "db", isolation_level=None)
        other = sqlite3.connect(Path(folder) / "db", timeout=0, isolation_level=None)
        try:
            holder.execute("BEGIN EXCLUSIVE")
            other.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            return error
        finally:
            other.close()
            holder.close()
    raise AssertionError("the database was not locked")


@dataclass
class Failure:
    left: int  # calls still to fail
    methods: frozenset[str] | None  # None: any method
    after: datetime
    error: Callable[[], BaseException]


class FlakyStore:
    """A real store whose chosen methods fail for a while (see the module's docstring)."""

    def __init__(self, store: Store, clock: VirtualClock) -> None:
        self._store = store
        self._clock = clock
        self._rules: list[Failure] = []
        self.failures: list[tuple[str, datetime]] = []  # (method, instant) of each failure

    def fail(
        self,
        times: int,
        *,
        methods: set[str] | None = None,
        after: datetime = START,
        error: Callable[[], BaseException] = locked,
    ) -> None:
        """The next ``times`` calls of ``methods`` (None: of any method) made at ``after`` or
        later raise ``error()``."""
        rule = Failure(times, None if methods is None else frozenset(methods), after, error)
        self._rules.append(rule)

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._store, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            now = self._clock.now()
            for rule in self._rules:
                chosen = rule.methods is None or name in rule.methods
                if rule.left and chosen and now >= rule.after:
                    rule.left -= 1
                    self.failures.append((name, now))
                    raise rule.error()
            return method(*args, **kwargs)

        return call


class CountingTelephony:
    """The simulated network, keeping every call the dialer placed."""

    description = SimulatedTelephony.description

    def __init__(self, network: SimulatedTelephony) -> None:
        self.network = network
        self.dialled: list[str] = []

    def dial(self, phone: str, *, ring_timeout_seconds: float, now: datetime) -> CallPlan:
        self.dialled.append(phone)
        return self.network.dial(phone, ring_timeout_seconds=ring_timeout_seconds, now=now)


@dataclass
class Run:
    store: Store  # the real one
    flaky: FlakyStore
    clock: VirtualClock
    telephony: CountingTelephony
    dialer: Dialer
    campaign_id: int

    def attempts(self) -> list[AttemptRecord]:
        return list(self.store.iter_attempts(self.campaign_id))


def scenario(
    *,
    count: int = 30,
    lines: int = 6,
    mix: dict[str, float] | None = None,
    talk: float = 20,
    bot: str | None = None,
) -> Scenario:
    """``count`` numbers on ``lines`` lines, up to 3 attempts each, callees drawn from ``mix``
    (default: 40 % answer, 30 % busy, 30 % no answer) who say "yes" and talk ``talk`` s;
    ``bot``: a JAICP project of ``tests/acceptance/redial`` (default: the built-in bot)."""
    campaign: dict[str, Any] = {
        "name": "outage",
        "timezone": "UTC",
        "maxSimultaneousCalls": lines,
        "maxAttempts": 3,
        "retryIntervalInMinutes": 1,
    }
    if bot is not None:
        campaign["bot"] = str(BOTS / bot)
    mix = mix or {"answer": 0.4, "busy": 0.3, "noAnswer": 0.3}
    return parse(
        {
            "clock": {"start": START.isoformat()},
            "campaign": campaign,
            "phones": [{"phone": f"7916{i:07d}", "gmtZone": "UTC"} for i in range(count)],
            "callees": {"default": {**mix, "talkSeconds": talk, "say": ["yes"]}},
        }
    )


@pytest.fixture
def make_run(tmp_path: Path) -> Iterator[Callable[..., Run]]:
    """``make_run(survive=True, **scenario_args)``: a :func:`scenario` loaded in a fresh
    SQLite file and a dialer over it, through a FlakyStore."""
    stores: list[Store] = []

    def make(survive: bool = True, **scenario_args: Any) -> Run:
        store = open_store(f"sqlite:///{tmp_path / f'outage-{len(stores)}.sqlite3'}")
        stores.append(store)
        store.migrate()
        loaded = scenario(**scenario_args)
        campaign_id = load_into(store, loaded)
        clock = VirtualClock(START)
        flaky = FlakyStore(store, clock)
        telephony = CountingTelephony(SimulatedTelephony(loaded.callees, seed=loaded.seed))
        dialer = Dialer(
            cast(Store, flaky),
            telephony,
            clock,
            campaign_ids=[campaign_id],
            survive_store_errors=survive,
        )
        return Run(store, flaky, clock, telephony, dialer, campaign_id)

    yield make
    for store in stores:
        store.close()


def history(run: Run) -> dict[str, list[tuple[int | None, int, str | None]]]:
    """Each number's attempts in order, as (redial number, attempt number, outcome), after
    checking that the run's record is whole: every call placed is an attempt, every attempt
    finished and recorded by the dialer (none reaped), no number in two calls at once."""
    attempts = run.attempts()
    assert len(attempts) == len(run.telephony.dialled) == run.dialer.attempts_finished
    assert sorted(a.phone for a in attempts) == sorted(run.telephony.dialled)
    assert all(a.finished_at is not None for a in attempts)
    assert all(a.outcome in ("answer", "busy", "noAnswer") for a in attempts)  # none reaped
    by_job: dict[int, list[AttemptRecord]] = defaultdict(list)
    by_phone: dict[str, list[AttemptRecord]] = defaultdict(list)
    for attempt in attempts:
        by_job[attempt.call_job_id].append(attempt)
        by_phone[attempt.phone].append(attempt)
    for series in by_job.values():
        assert [a.attempt_number for a in series] == list(range(1, len(series) + 1))
    for calls in by_phone.values():
        calls.sort(key=lambda a: a.started_at)
        for before, after in itertools.pairwise(calls):
            assert before.finished_at is not None and before.finished_at <= after.started_at
    return {
        phone: [(a.redial_number, a.attempt_number, a.outcome) for a in calls]
        for phone, calls in by_phone.items()
    }


def actions(caplog: pytest.LogCaptureFixture, action: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if getattr(r, "action", None) == action]


def test_results_of_calls_ended_in_an_outage_are_all_recorded_after_it(
    make_run: Callable[..., Run], caplog: pytest.LogCaptureFixture
) -> None:
    baseline = make_run()
    baseline.dialer.run()
    expected = history(baseline)

    run = make_run()
    outage_from = START + timedelta(minutes=2)
    # Six store calls fail from 12:02 on, whatever they are: the first, then the retries 1, 2,
    # 4, 8 and 10 s after each failure (the backoff stops at a third of the dialer's 30 s
    # lease); the retry 10 s after the sixth finds the store back.
    run.flaky.fail(6, after=outage_from)
    with caplog.at_level(logging.WARNING, logger="ringback.engine.dialer"):
        run.dialer.run()

    began = run.flaky.failures[0][1]
    # Each retry first re-reads the campaign (which also sees a pause or stop made meanwhile).
    assert [method for method, _ in run.flaky.failures[1:]] == ["get_campaign"] * 5
    back = began + timedelta(seconds=1 + 2 + 4 + 8 + 10 + 10)
    [down] = actions(caplog, "store_unavailable")
    [up] = actions(caplog, "store_recovered")
    assert "database is locked" in down.getMessage()
    assert up.failed_turns == 6
    assert up.seconds == (back - began).total_seconds() == 35
    attempts = run.attempts()
    # Calls in flight played on through the outage; their results waited in memory.
    ended_during = [
        a for a in attempts if a.finished_at is not None and began <= a.finished_at < back
    ]
    assert len(ended_during) >= 3
    # Nothing was dialled while the store was down.
    assert not [a for a in attempts if began < a.started_at < back]
    assert history(run) == expected
    campaign = run.store.get_campaign(run.campaign_id)
    assert campaign is not None and campaign.status == "finished"


def test_a_long_outage_is_logged_again_every_five_minutes(
    make_run: Callable[..., Run], caplog: pytest.LogCaptureFixture
) -> None:
    run = make_run()
    # 80 failed turns, 10 s apart after the first few: an outage of about 13 minutes.
    run.flaky.fail(80, after=START + timedelta(minutes=2))
    with caplog.at_level(logging.WARNING, logger="ringback.engine.dialer"):
        run.dialer.run()
    [up] = actions(caplog, "store_recovered")
    reminders = actions(caplog, "store_still_unavailable")
    assert 12 * 60 < up.seconds < 14 * 60
    assert [round(r.seconds / 60) for r in reminders] == [5, 10]
    history(run)  # and nothing was lost


def test_bot_steps_that_read_the_store_are_replayed_not_dropped(
    make_run: Callable[..., Run], caplog: pytest.LogCaptureFixture
) -> None:
    """A JAICP bot reads $client and the dial history when a call is answered, and the redial
    budget when the call ends with ``$dialer.redial``: both steps fail, are played again at
    their own instants when the store is back, and every call still ends once, with its
    redial."""
    setup: dict[str, Any] = {"bot": "always", "count": 3, "lines": 2, "mix": {"answer": 1.0}}
    baseline = make_run(**setup)
    baseline.dialer.run()
    expected = history(baseline)
    assert max(redial or 0 for calls in expected.values() for redial, _, _ in calls) >= 2

    run = make_run(**setup)
    # The first two calls: dialled at 12:00:00, answered at :05 (they read $client: fails
    # twice), they talk until :25 (they read the redial budget: fails twice). The second call
    # waits without trying the store while the first one's retry is due. The answers' replay
    # reads the budget too, at :08, before the second rule applies.
    run.flaky.fail(2, methods={"get_client"})
    run.flaky.fail(2, methods={"redial_attempts_used"}, after=START + timedelta(seconds=10))
    with caplog.at_level(logging.WARNING, logger="ringback.engine.dialer"):
        run.dialer.run()

    second = timedelta(seconds=1)
    answered, ended = START + 5 * second, START + 25 * second
    assert run.flaky.failures == [
        ("get_client", answered),
        ("get_client", answered + second),
        ("redial_attempts_used", ended),
        ("redial_attempts_used", ended + second),
    ]
    assert [r.failed_turns for r in actions(caplog, "store_recovered")] == [2, 2]
    assert len(actions(caplog, "store_unavailable")) == 2
    assert history(run) == expected
    first = run.attempts()[0]
    assert (first.started_at, first.finished_at) == (START, ended)  # the callee's timeline
    for attempt in run.attempts():  # one /start, one answer to the callee: no step twice
        assert [t["from"] for t in attempt.transcript] == ["bot", "client"]
    # The bot's /start, replayed at its own instant, asked for a redial ten minutes later.
    redials = [a for a in run.attempts() if a.phone == first.phone and a.redial_number == 1]
    assert redials[0].started_at == answered + timedelta(minutes=10)


@pytest.mark.parametrize("method", ["jobs_to_schedule", "next_due_at"])
def test_what_a_turn_claimed_is_dialled_when_its_next_store_call_fails(
    make_run: Callable[..., Run], method: str
) -> None:
    """A claim that leaves lines free is followed by the scheduling of the jobs that need a
    window and a read of the next due instant: when those fail, what was claimed is dialled
    all the same, and the next turn claims again."""
    baseline = make_run()
    baseline.dialer.run()
    run = make_run()
    # From 12:02:20 on, retries are due a few at a time: claims leave lines free.
    run.flaky.fail(3, methods={method}, after=START + timedelta(minutes=2, seconds=20))
    run.dialer.run()
    assert [m for m, _ in run.flaky.failures] == [method] * 3
    failed_at = {at for _, at in run.flaky.failures}
    assert any(a.started_at in failed_at for a in run.attempts())  # a turn that claimed
    assert history(run) == history(baseline)


def test_a_bug_is_not_an_outage(
    make_run: Callable[..., Run], caplog: pytest.LogCaptureFixture
) -> None:
    run = make_run()
    run.flaky.fail(1, after=START + timedelta(minutes=1), error=lambda: RuntimeError("a bug"))
    with (
        caplog.at_level(logging.WARNING, logger="ringback.engine.dialer"),
        pytest.raises(RuntimeError, match="a bug"),
    ):
        run.dialer.run()
    assert not actions(caplog, "store_unavailable")


@pytest.mark.parametrize("method", ["finish_and_claim", "finish_attempts"])
def test_without_surviving_the_error_propagates_and_the_results_stay_queued(
    make_run: Callable[..., Run], method: str
) -> None:
    """``finish_and_claim`` records the calls that ended while the dialer claims (here from
    the first busy calls' end on); ``finish_attempts`` those no claim took along (here the
    calls in flight at ``until``, which end after it)."""
    run = make_run(survive=False)
    until = START + timedelta(minutes=2)
    run.flaky.fail(1, methods={method})
    with pytest.raises(sqlite3.OperationalError, match="database is locked"):
        run.dialer.run(until=until)
    assert run.flaky.failures[0][0] == method
    queued = {result.attempt_id: result for _, result in run.dialer._ended}
    assert queued
    in_store = {a.id: a for a in run.attempts()}
    assert all(in_store[attempt_id].finished_at is None for attempt_id in queued)

    run.dialer.run(until=until)  # the store answers again: the queue is recorded
    assert not run.dialer._ended
    in_store = {a.id: a for a in run.attempts()}
    for attempt_id, result in queued.items():
        recorded = in_store[attempt_id]
        assert (recorded.outcome, recorded.finished_at) == (result.outcome, result.finished_at)
    run.dialer.run()
    history(run)


def test_a_long_call_keeps_its_lease_when_writing_it_failed(make_run: Callable[..., Run]) -> None:
    """In virtual time a claim's lease covers an hour; a longer call's lease is written right
    after the claim. When that write fails, it is written by the next turn that reaches the
    store: the reaper never takes the call, which is never dialled twice."""
    run = make_run(count=1, lines=1, mix={"answer": 1.0}, talk=2 * 3600)
    run.flaky.fail(1, methods={"extend_leases"})
    run.dialer.run()
    assert run.flaky.failures == [("extend_leases", START)]
    [attempt] = run.attempts()
    assert attempt.outcome == "answer" and attempt.finished_at is not None
    assert attempt.finished_at - attempt.started_at > timedelta(hours=2)
    assert attempt.lease_until > attempt.finished_at
    history(run)


# -- two real-time workers on one store ------------------------------------------------------


class SteppedClock:
    """A real-time clock (``virtual`` False: leases are extended, the reaper runs) that the
    test moves by hand, so that two workers can take turns at each instant."""

    virtual = False

    def __init__(self, start: datetime) -> None:
        self.t = start

    def now(self) -> datetime:
        return self.t

    def sleep_until(self, instant: datetime) -> None:
        self.t = max(self.t, instant)


@dataclass
class Pair:
    store: Store
    flaky: FlakyStore  # worker A's view of the store
    clock: SteppedClock
    a: Dialer
    b: Dialer
    campaign_id: int

    def play(self, seconds: int, *, a_stops_at: int | None = None) -> None:
        """Both workers take a turn every second (A first), checking at each instant that no
        number is in two calls at once and that the lines are not exceeded."""
        for second in range(seconds):
            self.clock.t = START + timedelta(seconds=second)
            self.a._turn(self.clock.t, a_stops_at is not None and second >= a_stops_at)
            self.b._turn(self.clock.t, False)
            on_line = [phone for dialer in (self.a, self.b) for phone in _on_line(dialer)]
            assert len(on_line) == len(set(on_line)), (second, on_line)
            assert len(on_line) <= 2, (second, on_line)


def _on_line(dialer: Dialer) -> list[str]:
    calls = [call for _, _, call in dialer._heap] + dialer._parked
    return [call.claim.job.phone for call in calls]


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[Pair]:
    """Two numbers who answer and talk 300 s, two lines, and workers A and B (30 s leases)."""
    store = open_store(f"sqlite:///{tmp_path / 'pair.sqlite3'}")
    store.migrate()
    loaded = scenario(count=2, lines=2, mix={"answer": 1.0}, talk=300)
    campaign_id = load_into(store, loaded)
    clock = SteppedClock(START)
    flaky = FlakyStore(store, cast(VirtualClock, clock))

    def worker(name: str, seen: Store) -> Dialer:
        network = SimulatedTelephony(loaded.callees, seed=loaded.seed)
        return Dialer(seen, network, clock, worker=name, campaign_ids=[campaign_id])

    yield Pair(
        store, flaky, clock, worker("A", cast(Store, flaky)), worker("B", store), campaign_id
    )
    store.close()


def test_a_worker_cut_off_from_the_store_ends_its_calls_before_their_leases_run_out(
    pair: Pair, caplog: pytest.LogCaptureFixture
) -> None:
    # A claims both numbers at 12:00:00; its store is unreachable from 12:00:20 to 12:03:20
    # while B's is fine: B's reaper takes A's attempts once their leases have run out, and B
    # dials the numbers again. A must have hung up before that (Pair.play checks it).
    pair.flaky.fail(10**6, after=START + timedelta(seconds=20))
    with caplog.at_level(logging.WARNING, logger="ringback.engine.dialer"):
        pair.play(200)
        pair.flaky._rules.clear()  # A's store is back
        pair.play(400)
    cuts = actions(caplog, "call_cut")
    assert len(cuts) == 2
    attempts = list(pair.store.iter_attempts(pair.campaign_id))
    first = [a for a in attempts if a.worker == "A"]
    assert len(first) == 2
    # The last lease A wrote ran to 12:00:40 (written at 12:00:10): cut 3 s (a tenth of a
    # lease) before, B's reaper recorded them failed at the lease's end.
    assert all(
        a.outcome == "failed" and a.finished_at == START + timedelta(seconds=40) for a in first
    )
    assert any(a.worker == "B" for a in attempts)
    assert len(actions(caplog, "attempt_lost")) == 2  # A's own results came too late


def test_a_stopping_worker_keeps_the_leases_of_its_calls_until_they_end(pair: Pair) -> None:
    # A claims both numbers, then is told to stop at 12:00:10 (SIGTERM): its 300 s calls play
    # on, their leases extended, and B, running beside it, never takes them.
    pair.play(400, a_stops_at=10)
    attempts = list(pair.store.iter_attempts(pair.campaign_id))
    assert [(a.worker, a.outcome) for a in attempts] == [("A", "answer"), ("A", "answer")]
    assert pair.a.attempts_finished == 2


class _SlowOnce:
    """The real store, whose first ``reap_expired`` from ``after`` on takes ``seconds`` (and
    then works): a store that is slow for once, not unavailable."""

    def __init__(self, store: Store, clock: SteppedClock, after: datetime, seconds: int) -> None:
        self._store, self._clock, self._after, self._seconds = store, clock, after, seconds

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._store, name)
        if name != "reap_expired":
            return method

        def slow(*args: Any) -> Any:
            if self._seconds and self._clock.t >= self._after:
                self._clock.t += timedelta(seconds=self._seconds)
                self._seconds = 0
            return method(*args)

        return slow


def test_a_store_call_that_is_slow_once_cuts_no_call(
    pair: Pair, caplog: pytest.LogCaptureFixture
) -> None:
    # A's reaper query takes 27 s at 12:00:30: its calls' leases (to 12:01:00, written at
    # 12:00:30) are then 3 s from running out. The next turn extends them; nothing is cut.
    slow = _SlowOnce(pair.store, pair.clock, START + timedelta(seconds=30), 27)
    loaded = scenario(count=2, lines=2, mix={"answer": 1.0}, talk=300)  # the pair's callees
    network = SimulatedTelephony(loaded.callees, seed=loaded.seed)
    a = Dialer(cast(Store, slow), network, pair.clock, worker="A", campaign_ids=[pair.campaign_id])
    with caplog.at_level(logging.WARNING, logger="ringback.engine.dialer"):
        for second in range(400):
            pair.clock.t = max(pair.clock.t, START + timedelta(seconds=second))
            a._turn(pair.clock.t, False)
    assert not actions(caplog, "call_cut")
    attempts = list(pair.store.iter_attempts(pair.campaign_id))
    assert [(x.outcome, x.call_duration) for x in attempts] == [("answer", 300)] * 2


def test_an_answered_call_waiting_for_its_bot_is_cut_as_answered(
    make_run: Callable[..., Run],
) -> None:
    # A JAICP bot reads $client when the call is answered (12:00:05): that read fails, then the
    # whole store for two hours. The call is cut 3 s (a tenth of the 30 s lease) before its
    # virtual-time lease (ringing + 1 h, to 13:00:30) runs out: answered, no conversation.
    run = make_run(bot="always", count=1, lines=1, mix={"answer": 1.0})
    run.flaky.fail(1, methods={"get_client"})
    run.flaky.fail(10**6, after=START + timedelta(seconds=6))

    def heal(now: datetime) -> None:
        if now >= START + timedelta(hours=2):
            run.flaky._rules.clear()

    run.dialer.run(on_tick=heal)
    first = run.attempts()[0]
    assert first.outcome == "answer" and first.transcript == []
    assert first.finished_at == START + timedelta(hours=1, seconds=27)
    assert first.call_duration == 3600 + 27 - 5
