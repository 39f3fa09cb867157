"""From a stored call job to the domain's view of it: its effective policy and its zones.

The store keeps, per job, the series' own policy fields and the zone resolution made when the job
was created (``zone``, ``zone_source``, ``gmt_zone``). The dialer turns them back into a
:class:`~ringback.domain.policy.CallingPolicy` and the zones windows are checked in, once per job
(cached: a job is scheduled again after every attempt), and turns the domain's decisions
(:class:`~ringback.domain.series.Retry` / ``SeriesEnd``) into store :class:`Schedule` rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from ringback.campaign import policy_fields
from ringback.domain import series, zones
from ringback.domain.policy import CallingPolicy, PolicyFields, effective_policy, redial_policy
from ringback.store.base import CallJobRecord, Schedule

# The campaign level of the policy, from the stored admin-API settings (one definition,
# shared with the API's validation).
campaign_fields = policy_fields


@dataclass(frozen=True, slots=True)
class JobView:
    """What scheduling a job needs: its merged policy, the zone shown and the zones checked."""

    policy: CallingPolicy
    tz: tzinfo
    check: tuple[tzinfo, ...]


def job_zones(
    phone: str, zone: str, zone_source: str, gmt_zone: str | None
) -> tuple[tzinfo, tuple[tzinfo, ...]]:
    """(the zone local times are shown in, the zones windows are checked in) of a stored job.

    ``intersection`` jobs store the campaign zone as ``zone`` and are checked in every candidate
    zone of the number (SPEC 1.3); every other source is one zone.
    """
    shown = zones.parse_gmt_zone(gmt_zone if zone_source == "explicit" and gmt_zone else zone)
    if zone_source == "intersection":
        check = tuple(zones.parse_gmt_zone(name) for name in zones.candidate_zones(phone))
        return shown, check or (shown,)
    return shown, (shown,)


class JobViews:
    """A per-campaign cache of :class:`JobView` by job id (a job's policy never changes)."""

    def __init__(self, campaign: PolicyFields) -> None:
        self.campaign = campaign
        self._views: dict[int, JobView] = {}
        self._zones: dict[tuple[str, str, str | None, str], tuple[tzinfo, tuple[tzinfo, ...]]] = {}

    def of(self, job: CallJobRecord) -> JobView:
        view = self._views.get(job.id)
        if view is None:
            fields = PolicyFields.from_json(job.policy)
            if job.redial_number is None:
                policy = effective_policy(self.campaign, fields)
            else:
                policy = redial_policy(self.campaign, fields)
            # Only intersection zones depend on the phone; key the others without it.
            key = (
                job.zone,
                job.zone_source,
                job.gmt_zone,
                job.phone if job.zone_source == "intersection" else "",
            )
            found = self._zones.get(key)
            if found is None:
                found = self._zones[key] = job_zones(
                    job.phone, job.zone, job.zone_source, job.gmt_zone
                )
            view = self._views[job.id] = JobView(policy, found[0], found[1])
        return view

    def forget(self, job_id: int) -> None:
        self._views.pop(job_id, None)


def to_schedule(job_id: int, decision: series.Retry | series.SeriesEnd, now: datetime) -> Schedule:
    """The store row of a domain decision (a final status finishes the job at ``now``)."""
    if isinstance(decision, series.Retry):
        return Schedule(
            job_id=job_id,
            status=str(decision.status),
            due_at=decision.window.open,
            closes_at=decision.window.close,
        )
    return Schedule(job_id=job_id, status=str(decision.status), finished_at=now)
