"""The dialer's per-campaign cache of job views (:class:`ringback.engine.scheduling.JobViews`)."""

from __future__ import annotations

import gc
from datetime import UTC, datetime, timedelta
from typing import Any

from ringback.engine.scheduling import JobViews, campaign_fields
from ringback.store.base import CallJobRecord

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def job(job_id: int, phone: str, *, policy: dict[str, Any] | None = None, redial: int | None = None,
        zone_source: str = "campaign") -> CallJobRecord:  # fmt: skip
    return CallJobRecord(
        id=job_id, campaign_id=1, number_id=job_id, phone=phone, redial_number=redial,
        policy=policy or {}, status="planned", attempts_count=0, due_at=T0, closes_at=None,
        priority=1, custom=redial is not None, created_at=T0, finished_at=None,
        last_attempt_end=None, call_duration=0, call_result=None, call_result_payload=None,
        report_data={}, tag_name=None, tag_payload=None, zone="Europe/London",
        zone_source=zone_source, gmt_zone=None, payload={},
    )  # fmt: skip


def views() -> JobViews:
    return JobViews(campaign_fields({"timezone": "Europe/London", "maxAttempts": 3}))


def test_jobs_with_the_same_fields_and_zone_share_one_policy_object() -> None:
    cache = views()
    a, b = cache.of(job(1, "447700900001")), cache.of(job(2, "447700900002"))
    assert a is b
    redial = cache.of(job(3, "447700900001", policy={"maxAttempts": 2}, redial=1))
    assert redial is not a and redial.policy.max_attempts == 2


def test_a_shared_view_goes_when_its_last_job_is_forgotten() -> None:
    # A worker runs for weeks: each redial (its own startDateTime) and each intersection-zone
    # number has a view of its own, which must not outlive its jobs.
    cache = views()
    for i in range(100):
        start = (T0 + timedelta(minutes=i)).isoformat()
        cache.of(job(i, "447700900001", policy={"startDateTime": start}, redial=1))
    cache.of(job(1000, "447700900002"))
    assert len(cache._shared) == 101
    for i in range(100):
        cache.forget(i)
    gc.collect()
    assert len(cache._shared) == 1  # the view job 1000 still uses
    assert cache.of(job(1001, "447700900003")) is cache.of(job(1000, "447700900002"))


def test_views_of_jobs_never_forgotten_are_bounded() -> None:
    # Jobs another worker claimed after this one scheduled them are never forgotten here.
    cache = JobViews(campaign_fields({"timezone": "Europe/London"}), keep=10)
    first = [cache.of(job(i, f"4477009000{i:02d}")) for i in range(25)]
    assert len(cache._views) <= 10
    assert all(view is first[0] for view in first)  # shared while a job holds it
