"""From a stored call job to the domain's view of it: its effective policy and its zones.

The store keeps, per job, the series' own policy fields and the zone resolution made when the job
was created (``zone``, ``zone_source``, ``gmt_zone``). The dialer turns them back into a
:class:`~ringback.domain.policy.CallingPolicy` and the zones windows are checked in, once per job
(cached: a job is scheduled again after every attempt), and turns the domain's decisions
(:class:`~ringback.domain.series.Retry` / ``SeriesEnd``) into store :class:`Schedule` rows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, tzinfo
from weakref import WeakValueDictionary

from ringback.campaign import policy_fields
from ringback.domain import series, zones
from ringback.domain.policy import CallingPolicy, PolicyFields, effective_policy, redial_policy
from ringback.store.base import CallJobRecord, Schedule

# The campaign level of the policy, from the stored admin-API settings (one definition,
# shared with the API's validation).
campaign_fields = policy_fields


@dataclass(frozen=True, slots=True, weakref_slot=True)
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
    """A per-campaign cache of :class:`JobView` by job id (a job's policy never changes).

    Jobs with the same policy fields and zones share one view, so one policy object: the
    domain caches a policy's weekly windows by identity, and most numbers of a campaign bring
    no fields of their own. A shared view lives as long as a job uses it (:meth:`forget`): a
    worker runs for weeks, and every redial and every intersection-zone number has a view of
    its own."""

    def __init__(self, campaign: PolicyFields, *, keep: int = 100_000) -> None:
        self.campaign = campaign
        # By job id, at most ``keep``: the dialer forgets the jobs it finished, but not those
        # that another worker claimed after this one scheduled them.
        self._keep = keep
        self._views: dict[int, JobView] = {}
        self._shared: WeakValueDictionary[tuple[bool, str, str, str, str | None, str], JobView]
        self._shared = WeakValueDictionary()

    def of(self, job: CallJobRecord) -> JobView:
        view = self._views.get(job.id)
        if view is None:
            if len(self._views) >= self._keep:
                self._views.clear()  # rebuilt as jobs come by: a view is cheap to make again
            fields = json.dumps(job.policy, sort_keys=True) if job.policy else ""
            # Only intersection zones depend on the phone; key the others without it.
            phone = job.phone if job.zone_source == "intersection" else ""
            key = (
                job.redial_number is None,
                fields,
                job.zone,
                job.zone_source,
                job.gmt_zone,
                phone,
            )
            view = self._shared.get(key)
            if view is None:
                view = self._shared[key] = self._view(job)
            self._views[job.id] = view
        return view

    def _view(self, job: CallJobRecord) -> JobView:
        fields = PolicyFields.from_json(job.policy)
        if job.redial_number is None:
            policy = effective_policy(self.campaign, fields)
        else:
            policy = redial_policy(self.campaign, fields)
        shown, check = job_zones(job.phone, job.zone, job.zone_source, job.gmt_zone)
        return JobView(policy, shown, check)

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
