"""The Store contract (``ringback.store.base``), one suite over SQLite and PostgreSQL."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from ringback.domain.errors import ValidationError
from ringback.domain.ordering import due_order_key
from ringback.store import sqlstore
from ringback.store.base import (
    AttemptResult,
    Claim,
    NewRedialJob,
    Page,
    Schedule,
    Store,
    TimeFilter,
)
from ringback.store.schema import redial_requests
from tests.store.conftest import LEASE, T0, number, phones

HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)


def campaign(store: Store, lines: int = 1, **settings: object) -> int:
    return store.create_campaign("c", {"maxSimultaneousCalls": lines, **settings}, T0).id


def claim(store: Store, cid: int, *, at: object = None, limit: int = 100, worker: str = "w1"):
    return store.claim_due(cid, worker, at or T0 + timedelta(minutes=1), limit, LEASE)  # type: ignore[arg-type]


def finish(
    store: Store,
    c: Claim,
    *,
    status: str = "noAnswer",
    offset: timedelta = timedelta(minutes=2),
    outcome: str = "noAnswer",
    worker: str | None = None,
    **extra: object,
) -> bool:
    ended = c.attempt.started_at + offset
    final = status not in ("planned", "onRetry")
    nxt = Schedule(
        job_id=c.job.id,
        status=status,
        due_at=None if final else ended + HOUR,
        closes_at=None if final else ended + 3 * HOUR,
        finished_at=ended if final else None,
    )
    result = AttemptResult(
        attempt_id=c.attempt.id,
        worker=worker or c.attempt.worker,
        finished_at=ended,
        outcome=outcome,
        next=nxt,
        **extra,  # type: ignore[arg-type]
    )
    return store.finish_attempt(result)


# -- campaigns -----------------------------------------------------------------------------


def test_campaigns_are_created_read_listed_and_changed(store: Store) -> None:
    first = store.create_campaign("Reminders", {"timezone": "Europe/Moscow"}, T0)
    second = store.create_campaign("Other", {}, T0)
    assert first.status == "new" and first.created_at == T0 and first.lines == 1
    assert first.token != second.token and len(first.token) >= 20
    assert store.get_campaign(first.id) == first
    assert store.get_campaign_by_token(first.token) == first
    assert store.get_campaign(10_000) is None and store.get_campaign_by_token("nope") is None

    changed = store.update_campaign(first.id, T0 + HOUR, settings={"maxSimultaneousCalls": 4})
    assert changed.lines == 4 and changed.name == "Reminders" and changed.updated_at == T0 + HOUR
    assert store.update_campaign(first.id, T0, name="New").settings == {"maxSimultaneousCalls": 4}
    with pytest.raises(KeyError):
        store.update_campaign(10_000, T0, name="x")
    with pytest.raises(KeyError):
        store.set_campaign_status(10_000, "paused", T0)

    started = store.set_campaign_status(first.id, "inProgress", T0 + HOUR)
    assert started.started_at == T0 + HOUR
    assert store.set_campaign_status(first.id, "paused", T0 + 2 * HOUR).started_at == T0 + HOUR
    assert [c.id for c in store.active_campaigns()] == [first.id, second.id]
    deleted = store.set_campaign_status(second.id, "deleted", T0 + 3 * HOUR)
    assert deleted.finished_at == T0 + 3 * HOUR
    assert [c.id for c in store.list_campaigns()] == [first.id]
    store.set_campaign_status(first.id, "finished", T0 + 4 * HOUR)
    assert store.active_campaigns() == []


# -- numbers -------------------------------------------------------------------------------


def test_add_numbers_returns_job_ids_in_input_order_and_keeps_every_field(store: Store) -> None:
    cid = campaign(store)
    given = [
        number(
            "79160000002",
            payload={"name": "Ann"},
            fields={"maxAttempts": 3},
            custom=True,
            gmt_zone="+05:45",
            zone="+05:45",
            zone_source="explicit",
            external_check={"a": 1},
        ),
        number("79160000001", priority=1),
        number("79160000003", status="notDone", due=None, closes=None, finished_at=T0),
    ]
    ids = store.add_numbers(cid, given, T0)
    assert len(set(ids)) == 3
    jobs = {j.phone: j for j in store.get_jobs(cid, ids=ids)}
    assert [jobs[n.phone].id for n in given] == ids
    ann = jobs["79160000002"]
    assert (ann.payload, ann.policy, ann.custom, ann.gmt_zone, ann.zone, ann.zone_source) == (
        {"name": "Ann"},
        {"maxAttempts": 3},
        True,
        "+05:45",
        "+05:45",
        "explicit",
    )
    assert (ann.status, ann.due_at, ann.closes_at, ann.priority) == (
        "planned",
        T0,
        T0 + 8 * HOUR,
        3,
    )
    assert ann.redial_number is None and ann.attempts_count == 0 and ann.created_at == T0
    assert ann.report_data == {} and ann.call_duration == 0 and not ann.cancel_requested
    assert jobs["79160000003"].finished_at == T0
    assert store.counts(cid).total_numbers == 3


def test_add_numbers_is_all_or_nothing_on_duplicates(store: Store) -> None:
    cid = campaign(store)
    store.add_numbers(cid, [number("79160000001")], T0)
    with pytest.raises(ValidationError) as twice:
        store.add_numbers(
            cid, [number(p) for p in ("79160000005", "79160000006", "79160000005")], T0
        )
    assert twice.value.type == "phone.duplicated"
    assert twice.value.details == {"phone": "79160000005", "phonesDuplicates": ["79160000005"]}
    with pytest.raises(ValidationError) as present:
        store.add_numbers(
            cid,
            [number(p) for p in ("79160000007", "79160000001", "79160000008", "79160000008")],
            T0,
        )
    assert present.value.details["phonesDuplicates"] == ["79160000001", "79160000008"]
    assert store.counts(cid).total_numbers == 1
    # The same phone in another campaign is another number.
    assert len(store.add_numbers(campaign(store), [number("79160000001")], T0)) == 1


def test_add_numbers_takes_tens_of_thousands_at_once(store: Store) -> None:
    cid = campaign(store)
    ids = store.add_numbers(cid, [number(p) for p in phones(30_000)], T0)
    assert len(ids) == len(set(ids)) == 30_000 and ids == sorted(ids)
    assert store.counts(cid).total_numbers == 30_000
    with pytest.raises(ValidationError):
        store.add_numbers(cid, [number(p) for p in phones(10, start=29_995)], T0)
    assert store.counts(cid).total_numbers == 30_000


# -- scheduling ----------------------------------------------------------------------------


def test_jobs_to_schedule_apply_schedules_and_next_due_at(store: Store) -> None:
    cid = campaign(store, lines=5)
    unscheduled, closed, future, final, calling = store.add_numbers(
        cid,
        [
            number("79160000001", due=None, closes=None),
            number("79160000002", due=T0 - 3 * HOUR, closes=T0 - HOUR),
            number("79160000003", due=T0 + HOUR, closes=T0 + 2 * HOUR),
            number("79160000004", status="noAnswer", due=None, closes=None, finished_at=T0),
            number("79160000005", due=T0, closes=T0 + HOUR),
        ],
        T0,
    )
    [call] = claim(store, cid, at=T0)
    assert call.job.id == calling
    assert [j.id for j in store.jobs_to_schedule(cid, T0, 10)] == [unscheduled, closed]
    assert [j.id for j in store.jobs_to_schedule(cid, T0, 1)] == [unscheduled]
    assert store.next_due_at(cid) == T0 - 3 * HOUR

    store.apply_schedules(
        [
            Schedule(unscheduled, "planned", T0 + 2 * HOUR, T0 + 4 * HOUR),
            Schedule(closed, "noAnswer", finished_at=T0),
            Schedule(final, "planned", T0, T0 + HOUR),  # stale: the job is final
            Schedule(calling, "planned", T0, T0 + HOUR),  # stale: the job is in a call
        ]
    )
    jobs = {j.id: j for j in store.get_jobs(cid, ids=[unscheduled, closed, final, calling])}
    assert (jobs[unscheduled].status, jobs[unscheduled].due_at) == ("planned", T0 + 2 * HOUR)
    assert (jobs[closed].status, jobs[closed].finished_at) == ("noAnswer", T0)
    assert jobs[final].status == "noAnswer" and jobs[calling].status == "inProcess"
    assert store.jobs_to_schedule(cid, T0, 10) == []
    assert store.next_due_at(cid) == T0 + HOUR
    assert [j.id for j in store.jobs_to_schedule(cid, T0 + 2 * HOUR, 10)] == [future]


# -- claims --------------------------------------------------------------------------------


def test_claims_follow_the_spec_order(store: Store) -> None:
    """SPEC 1.4: priority, custom first, closing first, waited longest, insertion order."""
    rng = random.Random(14)
    cid = campaign(store, lines=1000)
    given = [
        number(
            p,
            priority=rng.randint(1, 3),
            custom=rng.random() < 0.5,
            due=T0 - timedelta(minutes=rng.choice([0, 5, 10])),
            closes=T0 + timedelta(minutes=rng.choice([30, 60])),
        )
        for p in phones(60)
    ]
    ids = store.add_numbers(cid, given, T0)
    expected = sorted(
        ids,
        key=lambda i: due_order_key(
            dialer_priority=given[ids.index(i)].priority,
            custom_schedule=given[ids.index(i)].custom,
            closes_at=given[ids.index(i)].closes_at,  # type: ignore[arg-type]
            due_at=given[ids.index(i)].due_at,  # type: ignore[arg-type]
            seq=i,
        ),
    )
    got = [c.job.id for c in claim(store, cid, at=T0, limit=7)]
    got += [c.job.id for c in claim(store, cid, at=T0, limit=1000)]
    assert got == expected


def test_a_claim_takes_only_due_jobs_and_starts_attempts(store: Store) -> None:
    cid = campaign(store, lines=10)
    early, due, closing = store.add_numbers(
        cid,
        [
            number("79160000001", due=T0 + HOUR, closes=T0 + 2 * HOUR),
            number("79160000002", due=T0, closes=T0 + HOUR, payload={"name": "Bo"}),
            number("79160000003", due=T0 - HOUR, closes=T0),
        ],
        T0,
    )
    [c] = claim(store, cid, at=T0)
    assert c.job.id == due and c.job.status == "inProcess" and c.job.payload == {"name": "Bo"}
    assert c.job.attempts_count == 1 and c.job.zone == "UTC"
    a = c.attempt
    assert (a.call_job_id, a.campaign_id, a.phone, a.attempt_number, a.worker, a.line) == (
        due,
        cid,
        "79160000002",
        1,
        "w1",
        1,
    )
    assert (a.started_at, a.lease_until, a.finished_at, a.outcome) == (T0, T0 + LEASE, None, None)
    assert claim(store, cid, at=T0) == []  # in a call: not due twice
    record = store.get_campaign(cid)
    assert record is not None and record.status == "inProgress" and record.started_at == T0
    [late] = claim(store, cid, at=T0 + HOUR)
    assert late.job.id == early
    assert store.get_attempts(cid, ids=[closing]) == []


def test_claims_never_exceed_the_lines_and_take_the_lowest_free_line(store: Store) -> None:
    cid = campaign(store, lines=3)
    store.add_numbers(cid, [number(p) for p in phones(10)], T0)
    first = claim(store, cid, limit=2, worker="a")
    second = claim(store, cid, limit=5, worker="b")
    assert [c.attempt.line for c in first + second] == [1, 2, 3]
    assert claim(store, cid, worker="c") == []
    assert store.counts(cid).in_process == 3
    assert finish(store, first[1])
    [again] = claim(store, cid, worker="c")
    assert again.attempt.line == 2
    # Fewer lines while calls are in flight: no claim until enough have ended.
    store.update_campaign(cid, T0, settings={"maxSimultaneousCalls": 1})
    assert finish(store, first[0]) and claim(store, cid) == []
    assert finish(store, second[0]) and finish(store, again)
    [alone] = claim(store, cid)
    assert alone.attempt.line == 1


def test_one_claim_takes_more_jobs_than_one_statement_holds(store: Store) -> None:
    count = sqlstore.CHUNK + 300
    cid = campaign(store, lines=count + 10)
    job_ids = store.add_numbers(
        cid, [number(p, priority=1 + i % 3) for i, p in enumerate(phones(count))], T0
    )
    claims = claim(store, cid, limit=count + 10)
    assert sorted(c.job.id for c in claims) == job_ids
    assert [c.attempt.line for c in claims] == list(range(1, count + 1))
    assert [c.job.priority for c in claims] == sorted(c.job.priority for c in claims)
    assert store.counts(cid).in_process == count


@pytest.mark.parametrize("status", ["paused", "finished", "deleted"])
def test_no_claims_unless_the_campaign_is_dialling(store: Store, status: str) -> None:
    cid = campaign(store, lines=2)
    store.add_numbers(cid, [number(p) for p in phones(3)], T0)
    store.set_campaign_status(cid, status, T0)
    assert claim(store, cid) == []
    if status == "paused":
        store.set_campaign_status(cid, "inProgress", T0)
        assert len(claim(store, cid)) == 2


# -- the end of an attempt -----------------------------------------------------------------


def test_finish_attempt_records_the_attempt_and_the_jobs_next_state(store: Store) -> None:
    cid = campaign(store, lines=2)
    [job_id] = store.add_numbers(cid, [number("79160000001")], T0)
    [c] = claim(store, cid)
    assert finish(
        store,
        c,
        status="onRetry",
        outcome="busy",
        report_data={"a": "1"},
        transcript=[{"from": "bot", "text": "hi"}],
        call_duration=0,
    )
    [job] = store.get_jobs(cid, ids=[job_id])
    ended = c.attempt.started_at + timedelta(minutes=2)
    assert (job.status, job.due_at, job.closes_at) == ("onRetry", ended + HOUR, ended + 3 * HOUR)
    assert job.last_attempt_end == ended and job.finished_at is None
    [attempt] = store.get_attempts(cid, ids=[job_id])
    assert (attempt.outcome, attempt.finished_at, attempt.job_status) == ("busy", ended, "onRetry")
    assert attempt.transcript == [{"from": "bot", "text": "hi"}]
    assert store.counts(cid).on_retry == 1

    [c2] = claim(store, cid, at=ended + HOUR)
    assert c2.attempt.attempt_number == 2 and c2.attempt.line == 1
    assert finish(
        store,
        c2,
        status="longCallWithResult",
        outcome="answer",
        call_duration=40,
        call_result="accepted",
        call_result_payload={"x": 1},
        report_data={"b": "2"},
        tag_name="hot",
        tag_payload=[1],
        client_data={"score": 7},
    )
    [job] = store.get_jobs(cid, phones=["79160000001"])
    assert (job.status, job.attempts_count, job.call_duration) == ("longCallWithResult", 2, 40)
    assert (job.call_result, job.call_result_payload, job.tag_name, job.tag_payload) == (
        "accepted",
        {"x": 1},
        "hot",
        [1],
    )
    assert job.report_data == {"a": "1", "b": "2"} and job.finished_at is not None
    assert store.get_client(cid, "79160000001") == {"score": 7}
    assert store.get_client(cid, "79160000002") == {}
    counts = store.counts(cid)
    assert (counts.processed_numbers, counts.in_process, counts.talk_seconds) == (1, 0, 40)
    assert not finish(store, c2)  # already finished


def test_finish_attempts_records_several_in_one_call_each_as_finish_attempt_would(
    store: Store,
) -> None:
    cid = campaign(store, lines=3)
    store.add_numbers(cid, [number(p) for p in phones(3)], T0)
    first, second, third = claim(store, cid)
    ended = T0 + 5 * MINUTE

    def result(c: Claim, status: str, **extra: object) -> AttemptResult:
        final = status not in ("planned", "onRetry")
        nxt = Schedule(
            job_id=c.job.id,
            status=status,
            due_at=None if final else ended + HOUR,
            closes_at=None if final else ended + 3 * HOUR,
            finished_at=ended if final else None,
        )
        return AttemptResult(c.attempt.id, "w1", ended, "busy", nxt, **extra)  # type: ignore[arg-type]

    assert store.finish_attempts([]) == []
    done = store.finish_attempts(
        [
            result(first, "onRetry", report_data={"a": "1"}),
            replace(result(second, "onRetry"), worker="w2"),  # not w2's attempt
            result(third, "noAnswer", client_data={"n": 3}, call_result="no"),
            result(first, "noAnswer"),  # named twice: finished once, by the first
        ]
    )
    assert done == [True, False, True, False]
    jobs = {j.id: j for j in store.get_jobs(cid, ids=[c.job.id for c in (first, second, third)])}
    assert (jobs[first.job.id].status, jobs[first.job.id].due_at) == ("onRetry", ended + HOUR)
    assert jobs[first.job.id].report_data == {"a": "1"}
    assert jobs[second.job.id].status == "inProcess"
    assert (jobs[third.job.id].status, jobs[third.job.id].call_result) == ("noAnswer", "no")
    assert store.get_client(cid, third.job.phone) == {"n": 3}
    assert store.counts(cid).in_process == 1
    assert store.finish_attempts([result(second, "noAnswer")]) == [True]
    [again] = claim(store, cid, at=ended + HOUR)
    assert finish(store, again)  # no report data given: the job keeps its own
    assert store.get_jobs(cid, ids=[first.job.id])[0].report_data == {"a": "1"}


def test_finish_and_claim_frees_the_lines_it_then_claims(store: Store) -> None:
    cid = campaign(store, lines=1)
    first_id, second_id = store.add_numbers(cid, [number(p) for p in phones(2)], T0)
    [c] = claim(store, cid)
    at = T0 + 2 * MINUTE
    done = AttemptResult(c.attempt.id, "w1", at, "busy", Schedule(first_id, "busy", finished_at=at))
    assert store.finish_and_claim([done], cid, "w1", at, 5, LEASE)[0] == [True]
    assert store.get_jobs(cid, ids=[first_id])[0].status == "busy"
    [running] = store.get_attempts(cid, ids=[second_id])
    assert (running.line, running.started_at, running.finished_at) == (1, at, None)
    assert store.finish_and_claim([done], cid, "w1", at, 5, LEASE) == ([False], [])


def test_a_redial_adds_a_job_and_both_kinds_are_audited(store: Store) -> None:
    cid = campaign(store, lines=1)
    [job_id] = store.add_numbers(cid, [number("79160000001", payload={"k": "v"})], T0)
    [c] = claim(store, cid)
    redial = NewRedialJob(
        policy={"maxAttempts": 2},
        status="planned",
        due_at=T0 + HOUR,
        closes_at=T0 + 2 * HOUR,
        priority=3,
        zone="UTC",
        zone_source="campaign",
    )
    assert finish(
        store,
        c,
        status="longCallWithNoResult",
        outcome="answer",
        redial=redial,
        client_data={"n": 1},
    )
    jobs = store.get_jobs(cid, phones=["79160000001"])
    assert [j.redial_number for j in jobs] == [None, 1]
    new = jobs[1]
    assert (new.policy, new.custom, new.payload, new.status, new.due_at) == (
        {"maxAttempts": 2},
        True,
        {"k": "v"},
        "planned",
        T0 + HOUR,
    )
    [r1] = claim(store, cid, at=T0 + HOUR)
    assert r1.job.id == new.id and r1.attempt.redial_number == 1 and r1.attempt.attempt_number == 1
    assert finish(store, r1, status="longCallWithNoResult", outcome="answer", redial=redial)
    assert finish(
        store,
        claim(store, cid, at=T0 + 90 * MINUTE)[0],
        status="noAnswer",
        redial_ignored="only one redial per conversation",
    )
    assert [j.redial_number for j in store.get_jobs(cid, phones=["79160000001"])] == [None, 1, 2]
    assert store.redial_attempts_used(cid, "79160000001") == 2
    assert store.redial_attempts_used(cid, "79160000009") == 0
    with store.engine.connect() as conn:  # type: ignore[attr-defined]
        audit = conn.execute(select(redial_requests).order_by(redial_requests.c.id)).all()
    assert [(a.accepted, a.reason) for a in audit] == [
        (True, None),
        (True, None),
        (False, "only one redial per conversation"),
    ]
    assert audit[0].created_job_id == new.id and audit[0].attempt_id == c.attempt.id
    assert store.get_jobs(cid, ids=[job_id])[0].status == "longCallWithNoResult"


# -- leases and the reaper -----------------------------------------------------------------


def test_the_reaper_fails_expired_attempts_and_a_stale_finish_changes_nothing(store: Store) -> None:
    cid = campaign(store, lines=2)
    lost_job, kept_job = store.add_numbers(cid, [number(p) for p in phones(2)], T0)
    lost, kept = claim(store, cid, at=T0)
    assert store.extend_leases("w1", [kept.attempt.id], T0 + 2 * LEASE) == {kept.attempt.id}
    # Not its attempt: nothing extended.
    assert store.extend_leases("intruder", [lost.attempt.id], T0 + 9 * LEASE) == set()
    assert store.reap_expired(T0 + LEASE) == []  # the lease ends at, not before, now
    [reaped] = store.reap_expired(T0 + LEASE + timedelta(milliseconds=1))
    assert (reaped.id, reaped.outcome, reaped.finished_at, reaped.job_status) == (
        lost.attempt.id,
        "failed",
        T0 + LEASE,
        "onRetry",
    )
    # The reaped attempt is no longer the worker's: its lease is not extended.
    both = [lost.attempt.id, kept.attempt.id]
    assert store.extend_leases("w1", both, T0 + 2 * LEASE) == {kept.attempt.id}
    [job] = store.get_jobs(cid, ids=[lost_job])
    assert (job.status, job.due_at, job.last_attempt_end) == ("onRetry", None, T0 + LEASE)
    assert [j.id for j in store.jobs_to_schedule(cid, T0 + LEASE, 10)] == [lost_job]

    before = (
        store.get_jobs(cid, ids=[lost_job, kept_job]),
        store.get_attempts(cid, ids=[lost_job]),
    )
    assert not finish(
        store,
        lost,
        status="longCallWithResult",
        outcome="answer",
        client_data={"x": 1},
        call_duration=30,
    )
    assert not finish(store, kept, worker="intruder")
    assert (
        store.get_jobs(cid, ids=[lost_job, kept_job]),
        store.get_attempts(cid, ids=[lost_job]),
    ) == before
    assert store.get_client(cid, lost.job.phone) == {}
    assert store.counts(cid).in_process == 1
    assert claim(store, cid, at=T0 + LEASE) == []  # unscheduled until apply_schedules
    assert finish(store, kept)


def test_a_call_cancelled_or_stopped_meanwhile_ends_with_it(store: Store) -> None:
    cid = campaign(store, lines=4)
    ids = store.add_numbers(cid, [number(p) for p in phones(4)], T0)
    calls = claim(store, cid)
    assert store.cancel_jobs(cid, [], ids[:2], T0) == ids[:2]
    assert store.get_jobs(cid, ids=[ids[0]])[0].status == "inProcess"
    assert finish(store, calls[0], status="onRetry")  # the series would go on: cancelled
    assert finish(store, calls[1], status="longCallWithResult", outcome="answer")  # it ended
    store.set_campaign_status(cid, "finished", T0 + HOUR)
    assert finish(store, calls[2], status="onRetry")
    [reaped] = store.reap_expired(T0 + HOUR)
    assert reaped.job_status == "notDone"
    statuses = [j.status for j in store.get_jobs(cid, ids=ids)]
    assert statuses == ["cancelledByUser", "longCallWithResult", "notDone", "notDone"]
    assert all(j.finished_at is not None for j in store.get_jobs(cid, ids=ids))


# -- cancel and reports --------------------------------------------------------------------


def test_cancel_jobs_names_by_phone_and_id_and_rejects_unknown_ones(store: Store) -> None:
    cid = campaign(store, lines=1)
    a, b, c, d = store.add_numbers(cid, [number(p) for p in phones(4)], T0)
    [call] = claim(store, cid)
    assert finish(store, call, status="longCallWithResult", outcome="answer")  # a is final
    with pytest.raises(ValidationError) as unknown_id:
        store.cancel_jobs(cid, [], [b, 10_000], T0)
    assert unknown_id.value.type == "id.not.found"
    with pytest.raises(ValidationError) as unknown_phone:
        store.cancel_jobs(cid, ["79160000002", "70000000000"], [], T0)
    assert unknown_phone.value.type == "phone.not.found"
    other = campaign(store)
    with pytest.raises(ValidationError):
        store.cancel_jobs(other, [], [b], T0)
    assert {j.status for j in store.get_jobs(cid, ids=[b, c, d])} == {"planned"}

    assert store.cancel_jobs(cid, ["79160000000", "79160000002"], [b, c], T0 + HOUR) == [b, c]
    jobs = store.get_jobs(cid, ids=[a, b, c, d])
    assert [j.status for j in jobs] == [
        "longCallWithResult",
        "cancelledByUser",
        "cancelledByUser",
        "planned",
    ]
    assert jobs[1].finished_at == T0 + HOUR
    assert [x.job.id for x in claim(store, cid)] == [d]


def test_reports_by_id_phone_date_and_page(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    cid = campaign(store, lines=10)
    first = store.add_numbers(cid, [number(p) for p in phones(3)], T0)
    later = store.add_numbers(cid, [number(p) for p in phones(3, start=3)], T0 + HOUR)
    calls = claim(store, cid, at=T0 + HOUR, limit=4)
    for c in calls[:3]:
        assert finish(store, c, status="noAnswer")
    ended = T0 + HOUR + timedelta(minutes=2)

    with pytest.raises(ValidationError) as missing:
        store.get_jobs(cid, ids=[10_000])
    assert missing.value.type == "id.not.found"
    with pytest.raises(ValidationError):
        store.get_attempts(cid, phones=["70000000000"])
    assert [j.id for j in store.get_jobs(cid, phones=[phones(1)[0]], ids=first)] == first
    assert [a.call_job_id for a in store.get_attempts(cid, ids=first + later)] == [
        c.job.id for c in calls
    ]

    def ids(records: list) -> list[int]:  # type: ignore[type-arg]
        return [r.id for r in records]

    assert ids(store.jobs_by_date(cid, TimeFilter(first_from=T0 + HOUR), Page())) == later
    assert ids(store.jobs_by_date(cid, TimeFilter(first_to=T0), Page(0, 2))) == first[:2]
    assert ids(store.jobs_by_date(cid, TimeFilter(first_to=T0), Page(1, 2))) == first[2:]
    assert (
        ids(store.jobs_by_date(cid, TimeFilter(finished_from=ended, finished_to=ended), Page()))
        == first
    )
    assert ids(store.unfinished_jobs(cid, Page())) == later
    assert ids(store.unfinished_jobs(cid, Page(1, 2))) == later[2:]
    started = store.attempts_by_date(
        cid, TimeFilter(first_from=T0 + HOUR, first_to=T0 + HOUR), Page()
    )
    assert [a.call_job_id for a in started] == [c.job.id for c in calls]
    assert len(store.attempts_by_date(cid, TimeFilter(finished_to=ended), Page())) == 3
    assert store.attempts_by_date(cid, TimeFilter(first_to=T0), Page()) == []

    monkeypatch.setattr(sqlstore, "CHUNK", 3)  # iterate over several chunks
    assert [a.id for a in store.iter_attempts(cid)] == [c.attempt.id for c in calls]
    assert list(store.iter_attempts(campaign(store))) == []
    counts = store.counts(cid)
    assert (counts.total_numbers, counts.processed_numbers, counts.in_process) == (6, 3, 1)


# -- API keys ------------------------------------------------------------------------------


def test_api_keys_are_kept_by_hash(store: Store) -> None:
    assert not store.any_api_key() and not store.has_api_key("h1")
    store.add_api_key("h1", T0)
    store.add_api_key("h1", T0)  # twice is fine
    assert store.any_api_key() and store.has_api_key("h1") and not store.has_api_key("h2")


def test_finish_attempts_a_result_refused_leaves_the_attempt_to_the_next(store: Store) -> None:
    # "finish_attempt for each result, in order": a result of another worker changes nothing,
    # so the attempt's own worker, named after it, still finishes it.
    cid = campaign(store, lines=1)
    [job_id] = store.add_numbers(cid, [number("79160000001")], T0)
    [c] = claim(store, cid)
    ended = T0 + MINUTE
    mine = AttemptResult(
        c.attempt.id, "w1", ended, "busy", Schedule(job_id, "busy", finished_at=ended)
    )
    assert store.finish_attempts([replace(mine, worker="w2"), mine]) == [False, True]
    assert store.get_jobs(cid, ids=[job_id])[0].status == "busy"
