"""The dialer loop: claim due numbers, place calls, run conversations, record outcomes.

This is the only place that reads the clock. One loop serves any number of campaigns:

1. play out the calls in flight whose next step is due (answer, a callee utterance, hang-up);
2. for every dialling campaign with free lines: claim due jobs (``claim_due``; the first claim
   also records the calls that just ended, in its transaction: ``finish_and_claim``) and dial
   them; if that leaves lines idle, (re)schedule the jobs that need it (``jobs_to_schedule`` →
   the domain → ``apply_schedules``), claim again and dial; calls that ended and that no claim
   took along are recorded then (``finish_attempts``);
3. wait for the next event: the next step of a call, or the next ``due_at`` of a campaign whose
   lines are idle. In virtual time the clock jumps straight there (no polling, no sleeping); in
   real time it sleeps at most ``poll`` so that numbers added through the API, pauses and stops
   are seen quickly.

A line is freed the instant a call ends and claimed again at that same instant when a number is
due, so lines never idle while due numbers wait.

A call's timeline (see :mod:`ringback.telephony.base` for the durations): dialling at the claim,
the network's answer after ``setup_seconds``; on an answer the bot gets ``/start``, then each of
the callee's ``say`` lines 1 s after its previous reply; when the lines run out the callee hangs
up 1 s after the bot's last reply, but never before ``talkSeconds`` have passed since the answer
(SPEC §7: the call lasts max(talkSeconds, the conversation's length), whoever hangs up).

Leases: in real time the worker extends the leases of its calls every ``lease / 3`` (a stopping
worker too, until its calls end); in virtual time a claim's lease covers the call's whole known
duration plus a margin, so nothing is reaped in a healthy run. A worker that dies stops
extending; another worker's reaper records its calls as ``failed`` and the jobs are scheduled
again. A worker plays a call only while it holds the call's lease: a call whose lease could not
be extended (the store unreachable) is cut a tenth of a lease before it runs out, and one whose
attempt the store no longer extends (another worker's reaper took it) at once, so that the
number is never in two calls at once.

When the database is unavailable (PostgreSQL restarting, connection refused, SQLite locked past
the busy timeout): the loop survives in real time (in virtual time only with
``survive_store_errors``), logs ``store_unavailable`` once, and tries the store again after a
backoff (1 s doubling to 30 s, at most a third of a lease, so that leases are extended in time
when the store is back), each retry beginning with a re-read of the campaigns;
``store_recovered`` says how long it lasted. Meanwhile nothing is claimed, but the calls in
flight play on, waking the loop at their steps: a call that ends queues its result, which leaves
the queue only once the store has recorded it (if the attempt was reaped meanwhile, that says
False and the dialer logs it, as for any reaped attempt). A step that needs the store (a JAICP
bot's ``$client`` and dial history when the call is answered, the redial budget when a call
ends with ``$dialer.redial``) does its reads before it changes anything, so a step whose read
fails, or that comes due during the backoff, is simply retried: the call is parked, its attempt
still in flight, and the step is played again, at its own instant, by the first turn that tries
the store. The callee's timeline does not move and no step happens twice: the call is never
dropped nor dialled again, but cut when its lease is about to run out (see Leases). When the
store answers, the leases of the calls in flight are extended before anything is reaped, so an
outage does not make the dialer reap its own calls. A stopping run returns only once every
result is recorded.
"""

from __future__ import annotations

import heapq
import itertools
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from ringback.domain import series, zones
from ringback.domain.errors import RedialError
from ringback.engine.builtin_bot import BuiltinBot
from ringback.engine.clock import Clock
from ringback.engine.conversation import (
    Bot,
    BotCall,
    CallContext,
    ConversationOutcome,
    DialHistory,
    Reply,
)
from ringback.engine.scheduling import JobViews, campaign_fields, to_schedule
from ringback.store.base import (
    DIALLING_CAMPAIGN_STATUSES,
    AttemptResult,
    CampaignRecord,
    Claim,
    NewRedialJob,
    Schedule,
    Store,
)
from ringback.store.dialects import is_database_error
from ringback.telephony.base import DEFAULT_RING_TIMEOUT_SECONDS, CallPlan, Telephony

log = logging.getLogger(__name__)

SECOND = timedelta(seconds=1)
FINAL_CAMPAIGN_STATUSES = ("finished", "deleted")
SCHEDULE_BATCH = 1000
#: The wait before the store is tried again after a database error, doubled per failed turn.
BACKOFF_FIRST = timedelta(seconds=1)
BACKOFF_MAX = timedelta(seconds=30)
#: How often a long outage is logged again (its first warning, and its end, are logged once).
OUTAGE_REMINDER = timedelta(minutes=5)


def _ms(seconds: float) -> timedelta:
    # The store keeps milliseconds: keep every instant on a whole millisecond.
    return timedelta(milliseconds=round(seconds * 1000))


class BotUnavailableError(RuntimeError):
    """A campaign names a bot project but the bot runtime cannot load it."""


def load_campaign_bot(settings: dict[str, Any]) -> Bot:
    """The campaign's bot: the JAICP project at ``settings["bot"]``, or the built-in bot."""
    path = settings.get("bot")
    if not path:
        return BuiltinBot()
    from ringback.bot import load_bot  # here: V8 starts only for campaigns with a bot

    try:
        bot: Bot = load_bot(path)
    except Exception as error:  # the project's own error says file and line
        raise BotUnavailableError(f"cannot load the bot project {path}: {error}") from None
    return bot


@dataclass(eq=False)
class _Campaign:
    record: CampaignRecord
    views: JobViews
    bot: Bot
    ring_timeout: float
    in_flight: int = 0
    # When lines were last found idle: nothing can be claimed before idle_until (the next
    # due_at) unless something changed (dirty: a call of this campaign ended, a reap, a refresh).
    idle_until: datetime | None = None
    dirty: bool = True
    exhausted: bool = False  # nothing due and nothing scheduled: maybe finished

    @property
    def dialling(self) -> bool:
        return self.record.status in DIALLING_CAMPAIGN_STATUSES


@dataclass(eq=False)
class _Call:
    claim: Claim
    campaign: _Campaign
    plan: CallPlan
    at: datetime  # when the next step happens
    lease_until: datetime  # the attempt's lease, as the store last took it
    step: str = "connect"  # connect → say … → hangup → end
    answered_at: datetime | None = None
    bot_call: BotCall | None = None
    says_done: int = 0
    transcript: list[dict[str, Any]] = field(default_factory=list)
    conversation: ConversationOutcome | None = None
    cut: bool = False  # its lease ran out: it is being ended (see Dialer._cut_lapsed)


class _StoreWait(Exception):
    """A call step needs the store during an outage's backoff: the call waits (is parked)."""


@dataclass(eq=False)
class _Outage:
    """The store has failed since ``started``; no turn has gone through since."""

    started: datetime  # when the turn that met the first database error began
    retry_at: datetime  # the next turn that tries the store
    delay: timedelta = BACKOFF_FIRST  # the wait before retry_at, doubled per failed turn
    failed_turns: int = 1
    warned: datetime | None = None  # the last "still unavailable" warning


class Dialer:
    """Serves campaigns from a store over a telephony network on a clock.

    ``campaign_ids`` None: every active campaign of the store, re-read every ``refresh`` (a
    worker); otherwise only those (a simulation). ``survive_store_errors`` (default: in real
    time) rides out database errors (see the module's docstring); otherwise they leave
    :meth:`run`, and the results not recorded yet stay queued for the next run.
    """

    def __init__(
        self,
        store: Store,
        telephony: Telephony,
        clock: Clock,
        *,
        worker: str = "worker-1",
        campaign_ids: Sequence[int] | None = None,
        lease: timedelta = timedelta(seconds=30),
        poll: timedelta = timedelta(milliseconds=200),
        refresh: timedelta = timedelta(seconds=1),
        bot_loader: Callable[[dict[str, Any]], Bot] = load_campaign_bot,
        on_attempt: Callable[[AttemptResult], None] | None = None,
        survive_store_errors: bool | None = None,
    ) -> None:
        self.store = store
        self.telephony = telephony
        self.clock = clock
        self.worker = worker
        self.campaign_ids = None if campaign_ids is None else list(campaign_ids)
        self.lease = lease
        self.poll = poll
        self.refresh = refresh
        self.bot_loader = bot_loader
        self.on_attempt = on_attempt
        self.survive_store_errors = (
            not clock.virtual if survive_store_errors is None else survive_store_errors
        )
        self.attempts_finished = 0
        self._campaigns: dict[int, _Campaign] = {}
        self._heap: list[tuple[datetime, int, _Call]] = []
        # Calls that ended and are not recorded yet (see _record_ended).
        self._ended: list[tuple[_Call, AttemptResult]] = []
        # Calls whose due step waits for the store (see _play_calls); played by the next turn
        # that tries the store.
        self._parked: list[_Call] = []
        # Virtual time: calls whose longer lease is not written yet, and that lease (see
        # _start_calls).
        self._leases_due: list[tuple[_Call, datetime]] = []
        # No lease of a call in flight ends before this (see _cut_lapsed); None: no call.
        self._next_lapse: datetime | None = None
        self._cut_margin = lease / 10
        # After a database error the store is tried again after a backoff, at most a third of
        # a lease: a lease that could not be extended meanwhile is extended in time.
        self._backoff_max = min(BACKOFF_MAX, lease / 3)
        self._outage: _Outage | None = None
        self._store_paused = False  # during an outage's backoff: steps must not try the store
        self._seq = itertools.count()
        self._next_refresh: datetime | None = None
        self._next_reap: datetime | None = None
        self._next_extend: datetime | None = None

    # -- the loop ------------------------------------------------------------------------------
    def run(
        self,
        *,
        until: datetime | None = None,
        stop: Callable[[], bool] | None = None,
        on_tick: Callable[[datetime], None] | None = None,
    ) -> None:
        """Dial until there is nothing left to do (virtual time), ``until`` is reached or
        ``stop()`` says so; calls in progress then finish, and their results are recorded,
        before this returns.

        Each run starts by re-reading the campaigns: in virtual time nothing else refreshes
        them, so a pause, resume or stop made between two runs is seen by the next one."""
        self._next_refresh = None
        virtual = self.clock.virtual
        while True:
            now = self.clock.now()
            stopping = (until is not None and now >= until) or (stop is not None and stop())
            self._turn(now, stopping)
            if not stopping and self._heap and self._heap[0][0] <= now:
                continue  # a call step at this very instant, or one a failed turn left unplayed
            if on_tick is not None:
                on_tick(now)
            wake = self._heap[0][0] if self._heap else None
            lapse = self._lapse_at() if self._heap or self._parked else None
            if lapse is not None and (wake is None or lapse < wake):
                wake = lapse  # cut a call before its lease runs out (store unreachable)
            retry = self._retry_at(stopping)
            if retry is not None:
                wake = retry if wake is None or retry < wake else wake
            elif not stopping:
                due = self._next_due(now)
                if due is not None and (wake is None or due < wake):
                    wake = due
            if not stopping and until is not None and (wake is None or wake > until):
                wake = until if (self._heap or retry is not None or not virtual) else None
            if not virtual:
                if stopping and not self._heap and retry is None:
                    return
                limit = now + self.poll
                wake = limit if wake is None or wake > limit else wake
            elif wake is None:
                if until is not None and not stopping and now < until:
                    self.clock.sleep_until(until)
                    if on_tick is not None:
                        on_tick(until)
                return
            self.clock.sleep_until(wake)

    def _turn(self, now: datetime, stopping: bool) -> None:
        """Play the call steps due; unless ``stopping``, keep house and dial; record the calls
        that ended and that no claim took along. During an outage's backoff only the steps
        that need no store are played; a turn that tries the store again first re-reads the
        campaigns."""
        outage = self._outage
        self._store_paused = outage is not None and now < outage.retry_at
        try:
            if self._store_paused:
                self._play_calls(now)
                return
            for call in self._parked:
                self._push(call)
            self._parked.clear()
            if outage is not None:
                self._refresh_campaigns()
                self._next_refresh = now + self.refresh
            # Leases before the calls play: a lease about to run out (a store call that was
            # slow, an outage just over) is extended rather than its call cut. A stopping
            # worker's calls still need theirs.
            self._keep_leases(now)
            self._play_calls(now)
            if not stopping:
                self._housekeeping(now)
                self._dial(now)
            self._record_ended()
        except Exception as error:
            if not (self.survive_store_errors and is_database_error(error)):
                raise
            self._store_failed(error, now)
            return
        if outage is not None:
            self._store_recovered(outage)

    def _store_failed(self, error: Exception, turn_began: datetime) -> None:
        # Later than the turn's start when the store hung before failing (SQLite's busy
        # timeout): the backoff runs from the failure, the outage from the turn that met it.
        now = self.clock.now()
        outage = self._outage
        if outage is not None:
            outage.failed_turns += 1
            outage.delay = min(outage.delay * 2, self._backoff_max)
            outage.retry_at = self._retry_before_cut(now + outage.delay, now)
            if now - (outage.warned or outage.started) >= OUTAGE_REMINDER:
                outage.warned = now
                lasted = (now - outage.started).total_seconds()
                log.warning(
                    "database still unavailable after %.0f s (failed turns: %d)",
                    lasted,
                    outage.failed_turns,
                    extra={"action": "store_still_unavailable", "seconds": lasted},
                )
            return
        first = min(BACKOFF_FIRST, self._backoff_max)
        retry_at = self._retry_before_cut(now + first, now)
        self._outage = _Outage(started=turn_began, retry_at=retry_at, delay=first)
        first_line = str(error).split("\n", 1)[0]  # SQLAlchemy's message goes on with the SQL
        reason = f"{type(error).__name__}: {first_line}"
        log.warning(
            "database unavailable (%s); calls in progress go on, their results wait; "
            "retrying with a backoff",
            reason,
            extra={"action": "store_unavailable", "error": reason},
        )

    def _retry_before_cut(self, retry_at: datetime, now: datetime) -> datetime:
        """``retry_at``, or earlier: the store is tried once more before a call is cut."""
        lapse = self._lapse_at()
        return lapse if lapse is not None and now < lapse < retry_at else retry_at

    def _store_recovered(self, outage: _Outage) -> None:
        self._outage = None
        lasted = (self.clock.now() - outage.started).total_seconds()
        log.warning(
            "database back after %.1f s (failed turns: %d)",
            lasted,
            outage.failed_turns,
            extra={
                "action": "store_recovered",
                "seconds": lasted,
                "failed_turns": outage.failed_turns,
            },
        )

    def _retry_at(self, stopping: bool) -> datetime | None:
        """When a turn tries the store again, if it must: a stopping run waits only for the
        results and the parked steps it still has to record."""
        outage = self._outage
        if outage is None or (stopping and not (self._ended or self._parked)):
            return None
        return outage.retry_at

    # -- campaigns, reaping, leases --------------------------------------------------------------
    def _housekeeping(self, now: datetime) -> None:
        # Each chore sets its next instant once its store call returned: after a database
        # error, the next turn that tries the store does it again.
        if self._next_refresh is None or (not self.clock.virtual and now >= self._next_refresh):
            self._refresh_campaigns()
            self._next_refresh = now + self.refresh
        # The turn kept the leases before (_turn): after an outage the calls in flight may have
        # outlived theirs, and the reaper must not take them.
        if self._next_reap is None or now >= self._next_reap:
            if any(call.lease_until < now for call, _ in self._ended):
                # A call that ended is not the reaper's, even when its lease ran out (the
                # worker stalled): record it first. Otherwise the order does not matter.
                self._record_ended()
            for attempt in self.store.reap_expired(now):
                log.warning(
                    "attempt reaped",
                    extra={
                        "action": "attempt_reaped",
                        "attempt": attempt.id,
                        "worker": attempt.worker,
                    },
                )
                reaped = self._campaigns.get(attempt.campaign_id)
                if reaped is not None:
                    reaped.dirty = True
            self._next_reap = now + self.lease

    def _keep_leases(self, now: datetime) -> None:
        """Write the leases of the calls in flight: the longer ones of long calls in virtual
        time (:meth:`_start_calls`), and in real time every third of a lease (or at once when
        one is about to run out) until the calls end. A call whose attempt the store did not
        extend (another worker's reaper took it) is cut."""
        self._write_leases()
        if self.clock.virtual:
            return
        due = self._next_extend is None or now >= self._next_extend
        lapse = self._lapse_at()
        if not due and (lapse is None or now < lapse):
            return
        calls = self._calls()
        if calls:
            until = now + self.lease
            extended = self.store.extend_leases(
                self.worker, [call.claim.attempt.id for call in calls], until
            )
            for call in calls:
                if call.claim.attempt.id in extended:
                    call.lease_until = until
                else:
                    self._cut(call, now)
            self._after_cuts()
        self._next_extend = now + self.lease / 3

    def _calls(self) -> list[_Call]:
        """The calls in flight that still hold their lease (not cut)."""
        calls = [call for _, _, call in self._heap] + self._parked
        return [call for call in calls if not call.cut]

    def _lapse_at(self) -> datetime | None:
        """When the first lease of a call in flight runs out, less the margin (see
        :meth:`_cut_lapsed`); None: no call holds one."""
        if self._next_lapse is None:
            return None
        return self._next_lapse - self._cut_margin

    def _cut_lapsed(self, now: datetime) -> None:
        """Cut the calls whose lease is about to run out, the store unreachable: once it has,
        the attempt is no longer this worker's (another worker's reaper may record it
        ``failed`` and dial the number again), so the call ends a margin (a tenth of a lease)
        before."""
        lapse = self._lapse_at()
        if lapse is None or now < lapse:
            return
        for call in self._calls():
            if call.lease_until - self._cut_margin <= now:
                log.warning(
                    "lease about to run out, the store unreachable: call cut",
                    extra={
                        "action": "call_cut",
                        "attempt": call.claim.attempt.id,
                        "phone": call.claim.job.phone,
                    },
                )
                self._cut(call, now)
        self._after_cuts()

    def _cut(self, call: _Call, now: datetime) -> None:
        """End ``call`` now: hung up if answered, else ``failed``. Its result is recorded like
        any other (the store refuses it if the reaper took the attempt)."""
        call.cut = True
        if call.answered_at is None and call.plan.outcome == "answer" and call.at <= now:
            # Answered at call.at, the bot not started (its step waited for the store): an
            # answered call without a conversation.
            call.answered_at, call.step, call.at = call.at, "end", now
        elif call.answered_at is None:
            call.step, call.plan = "connect", replace(call.plan, outcome="failed")
            call.at = min(call.at, now)
        elif call.step in ("hangup", "end"):
            call.at = min(call.at, now)  # the callee or the bot hung up then
        else:
            call.step, call.at = "hangup", now

    def _after_cuts(self) -> None:
        """Replay the cut calls now (parked ones too) and find the next lapse."""
        calls = [call for _, _, call in self._heap]
        calls += [call for call in self._parked if call.cut]
        self._parked = [call for call in self._parked if not call.cut]
        self._heap = [(call.at, next(self._seq), call) for call in calls]
        heapq.heapify(self._heap)
        self._next_lapse = min((call.lease_until for call in self._calls()), default=None)

    def _refresh_campaigns(self) -> None:
        if self.campaign_ids is None:
            records = self.store.active_campaigns()
        else:
            found = (self.store.get_campaign(cid) for cid in self.campaign_ids)
            records = [r for r in found if r is not None]
        seen = set()
        for record in records:
            seen.add(record.id)
            current = self._campaigns.get(record.id)
            if current is None or current.record.settings != record.settings:
                self._campaigns[record.id] = self._open_campaign(record)
            else:
                current.record = record
                current.dirty = True
        for cid in list(self._campaigns):
            if cid not in seen:
                del self._campaigns[cid]  # calls in flight keep their own reference

    def _open_campaign(self, record: CampaignRecord) -> _Campaign:
        settings = record.settings
        return _Campaign(
            record=record,
            views=JobViews(campaign_fields(settings)),
            bot=self.bot_loader(settings),
            ring_timeout=float(settings.get("ringTimeoutSeconds", DEFAULT_RING_TIMEOUT_SECONDS)),
        )

    # -- claiming ------------------------------------------------------------------------------
    def _dial(self, now: datetime) -> None:
        for campaign in list(self._campaigns.values()):
            if not campaign.dialling:
                continue
            free = campaign.record.lines - campaign.in_flight
            if free <= 0:
                continue
            if not campaign.dirty and campaign.idle_until is not None and now < campaign.idle_until:
                continue
            if not campaign.dirty and campaign.exhausted:
                continue
            cid = campaign.record.id
            lease = self.lease if not self.clock.virtual else self._virtual_lease(campaign)
            # A claim's calls start before the next store call: if that one fails, what was
            # claimed is dialled all the same (an attempt never dialled would hold its line
            # until the reaper took it).
            claims = self._claim(cid, now, free, lease)
            self._start_calls(campaign, claims, now)
            scheduled = 0
            if len(claims) < free:
                # Lines would idle: give a window to the jobs that have none (new, reaped, or
                # whose window closed while every line was busy), then claim again.
                scheduled = self._schedule(campaign, now)
                if scheduled:
                    more = self._claim(cid, now, free - len(claims), lease)
                    self._start_calls(campaign, more, now)
                    claims += more
            if len(claims) < free:
                idle_until = self.store.next_due_at(cid)
                exhausted = idle_until is None and not scheduled
                if exhausted and campaign.in_flight == 0:
                    self._maybe_finish(campaign, now)
                campaign.idle_until, campaign.exhausted = idle_until, exhausted
            else:
                campaign.idle_until = None
                campaign.exhausted = False
            campaign.dirty = False  # last: after a store error above, the next turn claims again
        self._write_leases()

    def _claim(self, cid: int, now: datetime, limit: int, lease: timedelta) -> list[Claim]:
        """Claim for the campaign, recording first, in the same transaction, the calls that
        ended and are not recorded yet (see :meth:`_record_ended`)."""
        ended = self._ended
        if not ended:
            return self.store.claim_due(cid, self.worker, now, limit, lease)
        recorded, claims = self.store.finish_and_claim(
            [result for _, result in ended], cid, self.worker, now, limit, lease
        )
        self._ended = []  # only now: after a store error the results are still queued
        self._recorded(ended, recorded)
        return claims

    def _virtual_lease(self, campaign: _Campaign) -> timedelta:
        # Covers ringing plus a long talk; _start_calls asks a longer one for a longer known call.
        return timedelta(seconds=campaign.ring_timeout) + timedelta(hours=1)

    def _schedule(self, campaign: _Campaign, now: datetime) -> int:
        cid = campaign.record.id
        total = 0
        while True:
            jobs = self.store.jobs_to_schedule(cid, now, SCHEDULE_BATCH)
            if not jobs:
                return total
            schedules = []
            for job in jobs:
                view = campaign.views.of(job)
                after = now
                if job.last_attempt_end is not None:
                    # A reaped attempt: the retry pause still runs from its end.
                    pause = timedelta(minutes=view.policy.retry_interval_minutes)
                    after = max(now, job.last_attempt_end + pause)
                decision = series.reschedule(
                    after, attempts_made=job.attempts_count, policy=view.policy, zones=view.check
                )
                schedules.append(to_schedule(job.id, decision, now))
            self.store.apply_schedules(schedules)
            total += len(jobs)
            if len(jobs) < SCHEDULE_BATCH:
                return total

    def _next_due(self, now: datetime) -> datetime | None:
        best: datetime | None = None
        for campaign in self._campaigns.values():
            if not campaign.dialling or campaign.in_flight >= campaign.record.lines:
                continue
            due = campaign.idle_until
            if due is not None and due > now and (best is None or due < best):
                best = due
        return best

    def _maybe_finish(self, campaign: _Campaign, now: datetime) -> None:
        counts = self.store.counts(campaign.record.id)
        if counts.total_numbers and counts.processed_numbers == counts.total_numbers:
            campaign.record = self.store.set_campaign_status(campaign.record.id, "finished", now)
            log.info(
                "campaign finished",
                extra={"action": "campaign_finished", "campaign": campaign.record.id},
            )

    # -- calls ---------------------------------------------------------------------------------
    def _start_calls(self, campaign: _Campaign, claims: list[Claim], now: datetime) -> None:
        """Dial the claims. No store call: in virtual time, the longer lease of a long call is
        left to :meth:`_write_leases`."""
        for claim in claims:
            plan = self.telephony.dial(
                claim.job.phone, ring_timeout_seconds=campaign.ring_timeout, now=now
            )
            campaign.in_flight += 1
            call = _Call(
                claim,
                campaign,
                plan,
                at=now + _ms(plan.setup_seconds),
                lease_until=claim.attempt.lease_until,
            )
            if self.clock.virtual:
                longest = plan.setup_seconds + max(plan.talk_seconds, len(plan.says) + 1) + 60
                if _ms(longest) > self._virtual_lease(campaign):
                    self._leases_due.append((call, now + _ms(longest)))
            if self._next_lapse is None or call.lease_until < self._next_lapse:
                self._next_lapse = call.lease_until  # see _cut_lapsed
            self._push(call)

    def _write_leases(self) -> None:
        """Write the longer virtual-time leases of :meth:`_start_calls`. A lease stays due
        until the store took it, so that the reaper never takes a call in progress."""
        due = self._leases_due
        while due:
            call, until = due[-1]
            if not call.cut and call.claim.attempt.id in self.store.extend_leases(
                self.worker, [call.claim.attempt.id], until
            ):
                call.lease_until = until
            due.pop()

    def _push(self, call: _Call) -> None:
        heapq.heappush(self._heap, (call.at, next(self._seq), call))

    def _play_calls(self, now: datetime) -> None:
        self._cut_lapsed(now)
        heap = self._heap
        while heap and heap[0][0] <= now:
            _, _, call = heapq.heappop(heap)
            try:
                going_on = self._step(call, call.at)
            except _StoreWait:
                self._parked.append(call)
                continue
            except BaseException:
                # A store error (or a bug): the step failed before it changed anything (see
                # _step), so the call is kept, to play the step again when a turn tries the
                # store.
                self._parked.append(call)
                raise
            if going_on:
                self._push(call)

    def _step(self, call: _Call, t: datetime) -> bool:
        """Play the call's step due at ``t``; True when the call goes on (``call.at`` set).

        A step that reads the store (:meth:`_open_bot`, :meth:`_redial`) does so before it
        changes anything of the call, its campaign or its bot: when a read fails, the same step
        can be played again."""
        if call.step == "connect":
            if call.plan.outcome != "answer":
                self._finish(call, t)
                return False
            call.bot_call = self._open_bot(call, t)
            call.answered_at = t
            self._bot_says(call, lambda bot: bot.start(t))
            return self._next_turn(call, t)
        if call.step == "say":
            text = call.plan.says[call.says_done]
            call.says_done += 1
            call.transcript.append({"from": "client", "text": text})
            self._bot_says(call, lambda bot: bot.hear(text, t))
            return self._next_turn(call, t)
        if call.step == "hangup":
            if call.bot_call is not None:

                def hang_up(bot: BotCall) -> list[Reply]:
                    bot.hangup(t)
                    return []  # the callee is gone: nothing the bot says is heard

                self._bot_says(call, hang_up)
            self._finish(call, t)
            return False
        self._finish(call, t)  # "end": the bot hung up earlier, the talk time ran out
        return False

    def _next_turn(self, call: _Call, t: datetime) -> bool:
        assert call.answered_at is not None
        talk_end = call.answered_at + _ms(call.plan.talk_seconds)
        bot = call.bot_call
        if bot is None or bot.ended:
            call.step, call.at = "end", max(t, talk_end)
        elif call.says_done < len(call.plan.says):
            call.step, call.at = "say", t + SECOND
        else:
            call.step, call.at = "hangup", max(t + SECOND, talk_end)
        return True

    def _bot_says(self, call: _Call, action: Callable[[BotCall], list[Reply]]) -> None:
        bot = call.bot_call
        if bot is None:
            return
        try:
            replies = action(bot)
        except Exception:
            # A broken bot must not stop the dialer: the call ends as answered, no result.
            log.exception(
                "bot failed", extra={"action": "bot_failed", "phone": call.claim.job.phone}
            )
            call.conversation = _outcome_of(bot)
            call.bot_call = None
            return
        call.transcript.extend({"from": "bot", "text": reply.text} for reply in replies)

    def _open_bot(self, call: _Call, t: datetime) -> BotCall | None:
        campaign, job, attempt = call.campaign, call.claim.job, call.claim.attempt
        view = campaign.views.of(job)
        builtin = isinstance(campaign.bot, BuiltinBot)
        cid = campaign.record.id
        if not builtin:
            self._need_store()
            self._record_ended()  # $client and the history include the calls that just ended
        # The built-in bot reads neither $client nor the dial history: spare the queries.
        client = {} if builtin else self.store.get_client(cid, job.phone)
        history = self._history(campaign, call, builtin)
        context = CallContext(
            phone=job.phone,
            payload=job.payload,
            campaign_id=cid,
            campaign_token=campaign.record.token,
            campaign_settings=campaign.record.settings,
            call_job_id=job.id,
            redial_number=job.redial_number,
            attempt_number=attempt.attempt_number,
            zone=view.tz,
            started_at=t,
            client=client,
            history=history,
        )
        try:
            return campaign.bot.open(context)
        except Exception:
            log.exception("bot failed to open", extra={"action": "bot_failed", "phone": job.phone})
            return None

    def _history(self, campaign: _Campaign, call: _Call, builtin: bool) -> DialHistory:
        job, attempt = call.claim.job, call.claim.attempt
        view = campaign.views.of(job)
        done = attempt.attempt_number
        to_phone = done
        redial_left = 0
        if not builtin:
            others = self.store.get_jobs(campaign.record.id, phones=[job.phone])
            to_phone += sum(j.attempts_count for j in others if j.id != job.id)
            used = self.store.redial_attempts_used(campaign.record.id, job.phone)
            campaign_max = campaign.views.campaign.max_attempts
            redial_left = max(0, (campaign_max if campaign_max is not None else 1) - used)
        return DialHistory(
            completed_attempts=done,
            available_attempts=max(0, view.policy.max_attempts - done),
            completed_attempts_to_phone=to_phone,
            # What a $dialer.redial could still get (SPEC §3: the campaign's redial budget).
            available_attempts_to_phone=redial_left,
        )

    def _finish(self, call: _Call, t: datetime) -> None:
        campaign, job, attempt, plan = call.campaign, call.claim.job, call.claim.attempt, call.plan
        if call.bot_call is not None:
            # Asked once: after a failed store read in _redial the step is played again, and
            # must neither ask the bot again nor hang it up twice.
            call.conversation = _outcome_of(call.bot_call)
            call.bot_call = None
        conversation = call.conversation
        view = campaign.views.of(job)
        decision = series.after_attempt(
            plan.outcome,
            ended_at=t,
            attempts_made=attempt.attempt_number,
            policy=view.policy,
            zones=view.check,
            call_result_set=conversation is not None and conversation.call_result is not None,
        )
        next_state = to_schedule(job.id, decision, t)
        stopped = campaign.record.status in FINAL_CAMPAIGN_STATUSES
        if stopped and next_state.finished_at is None:
            next_state = Schedule(job_id=job.id, status="notDone", finished_at=t)
        redial: NewRedialJob | None = None
        redial_ignored: str | None = None
        if conversation is not None and conversation.redial is not None:
            if stopped:
                redial_ignored = "the campaign was stopped"
            else:
                planned = self._redial(campaign, call, conversation.redial, t)
                if isinstance(planned, str):
                    redial_ignored = planned
                else:
                    redial = planned
        campaign.in_flight -= 1
        campaign.dirty = True
        talked = (t - call.answered_at).total_seconds() if call.answered_at is not None else 0
        result = AttemptResult(
            attempt_id=attempt.id,
            worker=self.worker,
            finished_at=t,
            outcome=plan.outcome,
            next=next_state,
            call_duration=round(talked),
            call_result=conversation.call_result if conversation else None,
            call_result_payload=conversation.call_result_payload if conversation else None,
            report_data=dict(conversation.report_data) if conversation else {},
            tag_name=conversation.tag_name if conversation else None,
            tag_payload=conversation.tag_payload if conversation else None,
            transcript=call.transcript,
            redial=redial,
            redial_ignored=redial_ignored,
            client_data=conversation.client if conversation else None,
        )
        self._ended.append((call, result))

    def _record_ended(self) -> None:
        """Record the calls that ended, all in one store transaction.

        Calls placed together often end together (a claim fills every free line at one instant
        and many calls last equally long), so :meth:`_finish` only queues its result, and the
        instant's results are recorded at once: by the first claim that follows, in its own
        transaction (:meth:`_claim`: the freed lines are claimed again with one commit), or
        here, at the end of the loop's turn. Whatever else reads or reaps in the store
        meanwhile (a bot's ``$client`` and history, a redial's budget, the reaper) records the
        queue first, so it sees every call that ended before. A result leaves the queue only
        once the store call that records it returned: after a database error, a later turn
        records it."""
        ended = self._ended
        if ended:
            recorded = self.store.finish_attempts([result for _, result in ended])
            self._ended = []
            self._recorded(ended, recorded)

    def _need_store(self) -> None:
        """Called by a call step before its first store read: during an outage's backoff the
        step waits for the next try instead (:meth:`_play_calls` parks the call), so that
        the calls that need no store play on."""
        if self._store_paused:
            raise _StoreWait

    def _recorded(self, ended: list[tuple[_Call, AttemptResult]], recorded: list[bool]) -> None:
        for (call, result), ok in zip(ended, recorded, strict=True):
            job = call.claim.job
            if not ok:
                log.warning(
                    "attempt was reaped before it ended",
                    extra={
                        "action": "attempt_lost",
                        "attempt": result.attempt_id,
                        "phone": job.phone,
                    },
                )
                continue
            if result.next.finished_at is not None:
                call.campaign.views.forget(job.id)
            self.attempts_finished += 1
            if self.on_attempt is not None:
                self.on_attempt(result)

    def _redial(
        self, campaign: _Campaign, call: _Call, params: dict[str, Any], t: datetime
    ) -> NewRedialJob | str:
        """The redial job to create, or why the redial is ignored."""
        job = call.claim.job
        cid = campaign.record.id
        try:
            requested = series.parse_redial(params)
        except RedialError as error:
            log.warning(
                "redial refused: %s", error, extra={"action": "redial_refused", "phone": job.phone}
            )
            return str(error)
        self._need_store()
        self._record_ended()  # the redial budget counts the calls that just ended
        plan = series.plan_redial(
            requested,
            campaign=campaign.views.campaign,
            redial_attempts_used=self.store.redial_attempts_used(cid, job.phone),
        )
        if isinstance(plan, series.RedialIgnored):
            log.info(
                "redial ignored: %s",
                plan.reason,
                extra={"action": "redial_ignored", "phone": job.phone},
            )
            return plan.reason
        campaign_zone = str(campaign.record.settings.get("timezone", "UTC"))
        resolution = zones.resolve_zone(job.phone, job.gmt_zone, campaign_zone, plan.policy, t)
        first = series.first_attempt(t, plan.policy, resolution.check)
        if isinstance(first, series.Retry):
            due, closes, finished = first.window.open, first.window.close, None
        else:
            due, closes, finished = None, None, t
        return NewRedialJob(
            policy=plan.fields.to_json(),
            status=str(first.status),
            due_at=due,
            closes_at=closes,
            priority=plan.policy.dialer_priority,
            zone=resolution.zone,
            zone_source=resolution.source,
            finished_at=finished,
        )


def _outcome_of(bot: BotCall) -> ConversationOutcome | None:
    try:
        return bot.outcome()
    except Exception:
        log.exception("bot outcome failed", extra={"action": "bot_failed"})
        return None
