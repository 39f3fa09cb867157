"""The store contract: what every store (SQLite, PostgreSQL) guarantees.

The docstrings here are the contract; ``tests/store/`` runs one suite over every implementation,
including races between several processes.

Vocabulary:

- A **campaign** has settings (the admin-API fields: ``timezone``, ``maxSimultaneousCalls``,
  ``maxAttempts``, ``retryIntervalInMinutes``, ``ringTimeoutSeconds``, ``allowedDays``,
  ``allowedTime``, ``startDateTime``, ``finishDateTime``, ``dialerPriority``, ``bot``,
  ``webhookUrl`` …) kept as JSON, and a status (``new planned inProgress paused finished
  deleted``).
- A **number** belongs to one campaign (unique phone per campaign) with its payload and its
  number-level policy fields.
- A **call job** is one series of attempts of one number; job 1 has ``redial_number`` None, each
  accepted ``$dialer.redial`` adds a job with ``redial_number`` 1, 2, …
- An **attempt** is one dial. A claimed attempt holds a **lease** (``lease_until``); a worker that
  dies stops extending it, and :meth:`Store.reap_expired` records the attempt as ``failed``.

Scheduling is split so that the store never evaluates calling windows (that is the pure domain's
job, done by the engine): the engine computes, for each job, the window in which its next attempt
may start (``due_at`` ≤ t < ``closes_at``) and writes it with :meth:`Store.apply_schedules`; the
store claims only jobs whose window holds ``now``. A job whose window closed unclaimed, or that
has no schedule yet (new number, reaped attempt), is returned by :meth:`Store.jobs_to_schedule`.

Instants are aware UTC datetimes in Python and Unix milliseconds in the database.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar, dataclass_transform

_R = TypeVar("_R")

#: Job statuses from which a job can still be attempted.
SCHEDULABLE_STATUSES = ("planned", "onRetry")
#: Campaign statuses in which the dialer claims attempts.
DIALLING_CAMPAIGN_STATUSES = ("new", "planned", "inProgress")


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def record(cls: type[_R]) -> type[_R]:
    """A record the dialer builds several of per attempt (claims, results): frozen for the type
    checker, a plain slotted dataclass at run time.

    A frozen dataclass's ``__init__`` sets each field through ``object.__setattr__``, about ten
    times the cost of a plain one: the job, attempt, claim and result of one attempt took 5 µs
    frozen, a third of what the store's Python added to the raw SQL (``bench/claims.py``), and
    take 1 µs so. mypy (``--strict`` over the store and the engine) still rejects an assignment
    to a field; unlike a frozen dataclass, such a record is not hashable.
    """
    return dataclass(slots=True)(cls)


@dataclass(frozen=True, slots=True)
class CampaignRecord:
    id: int
    token: str
    name: str
    status: str
    settings: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None

    @property
    def lines(self) -> int:
        """``maxSimultaneousCalls``: never more attempts in flight at once."""
        return int(self.settings.get("maxSimultaneousCalls", 1))


@dataclass(frozen=True, slots=True)
class NewNumber:
    """A validated number to add, with the schedule of its first call job."""

    phone: str
    payload: dict[str, Any]
    fields: dict[str, Any]  # number-level policy fields, PolicyFields.to_json()
    gmt_zone: str | None
    zone: str
    zone_source: str
    status: str  # planned, or a final status when the series can never start
    due_at: datetime | None
    closes_at: datetime | None
    priority: int
    custom: bool
    external_check: Any = None
    finished_at: datetime | None = None


@record
class CallJobRecord:
    id: int
    campaign_id: int
    number_id: int
    phone: str
    redial_number: int | None
    policy: dict[str, Any]  # this series' own fields: number fields (job 1) or redial fields
    status: str
    attempts_count: int
    due_at: datetime | None
    closes_at: datetime | None
    priority: int
    custom: bool
    created_at: datetime
    finished_at: datetime | None
    last_attempt_end: datetime | None
    call_duration: int  # seconds talked, over all attempts of the job
    call_result: str | None
    call_result_payload: Any
    report_data: dict[str, Any]
    tag_name: str | None
    tag_payload: Any
    zone: str
    zone_source: str
    gmt_zone: str | None
    payload: dict[str, Any]  # the number's payload
    cancel_requested: bool = False


@record
class AttemptRecord:
    id: int
    call_job_id: int
    campaign_id: int
    phone: str
    redial_number: int | None
    attempt_number: int  # 1-based within its call job
    worker: str
    line: int  # 1..maxSimultaneousCalls, the line the attempt occupies
    started_at: datetime
    lease_until: datetime
    finished_at: datetime | None
    outcome: str | None  # answer busy noAnswer failed nonexistent; None while in flight
    zone: str
    zone_source: str
    job_status: str | None = None  # the job's status right after this attempt finished
    call_result: str | None = None
    call_duration: int = 0
    report_data: dict[str, Any] = field(default_factory=dict)
    tag_name: str | None = None
    tag_payload: Any = None
    transcript: list[dict[str, Any]] = field(default_factory=list)


@record
class Claim:
    """A claimed attempt: the line is taken until :meth:`Store.finish_attempt` or the reaper."""

    attempt: AttemptRecord
    job: CallJobRecord


@record
class Schedule:
    """The engine's decision for a job: its next window, or its final status."""

    job_id: int
    status: str
    due_at: datetime | None = None
    closes_at: datetime | None = None
    finished_at: datetime | None = None  # set when ``status`` is final


@dataclass(frozen=True, slots=True)
class NewRedialJob:
    """The job an accepted ``$dialer.redial`` creates when the call ends."""

    policy: dict[str, Any]  # the redial's PolicyFields.to_json() (capped, shortened)
    status: str
    due_at: datetime | None
    closes_at: datetime | None
    priority: int
    zone: str
    zone_source: str
    finished_at: datetime | None = None


@record
class AttemptResult:
    """Everything that changes, atomically, when an attempt ends."""

    attempt_id: int
    worker: str
    finished_at: datetime
    outcome: str
    next: Schedule  # the job's next state
    call_duration: int = 0
    call_result: str | None = None
    call_result_payload: Any = None
    report_data: dict[str, Any] = field(default_factory=dict)
    tag_name: str | None = None
    tag_payload: Any = None
    transcript: list[dict[str, Any]] = field(default_factory=list)
    redial: NewRedialJob | None = None
    client_data: dict[str, Any] | None = None  # $client to persist for (campaign, phone)
    redial_ignored: str | None = None  # why a $dialer.redial was ignored (kept for audit)


@dataclass(frozen=True, slots=True)
class CampaignCounts:
    total_numbers: int
    processed_numbers: int  # numbers whose every job is final
    in_process: int  # attempts in flight
    on_retry: int  # jobs waiting for a retry
    talk_seconds: int


@dataclass(frozen=True, slots=True)
class Page:
    page: int = 0  # 0..199
    page_size: int = 20  # 1..200


@dataclass(frozen=True, slots=True)
class TimeFilter:
    """Inclusive bounds on two instants of a record; None = unbounded."""

    first_from: datetime | None = None  # createdAt (jobs) / startedAt (attempts)
    first_to: datetime | None = None
    finished_from: datetime | None = None
    finished_to: datetime | None = None


@dataclass(frozen=True, slots=True)
class StoredResponse:
    """The answer a request under an ``Idempotence-Key`` gave (only successes are stored)."""

    status_code: int
    body: Any
    request_hash: str  # a digest of the request's body, to tell a repeat from a reused key


@dataclass(frozen=True, slots=True)
class Reservation:
    """The caller holds the key: it runs its request, then hands ``token`` to
    :meth:`Store.complete_idempotent` (success) or :meth:`Store.release_idempotent` (failure)."""

    token: str


@dataclass(frozen=True, slots=True)
class InProgress:
    """Another request holds the key: it is running, or its process died and the key is free
    again at ``lease_until``."""

    request_hash: str
    lease_until: datetime


#: What :meth:`Store.reserve_idempotent` finds for a key.
IdempotenceState = Reservation | InProgress | StoredResponse


class Store(Protocol):
    """Durable state of ringback. Every method is one transaction; all are thread-safe."""

    # -- lifecycle -------------------------------------------------------------------------
    def migrate(self) -> None:
        """Create or upgrade the schema (Alembic); idempotent."""

    def close(self) -> None: ...

    # -- campaigns -------------------------------------------------------------------------
    def create_campaign(self, name: str, settings: dict[str, Any], now: datetime) -> CampaignRecord:
        """A new campaign with status ``new`` and a fresh secret token."""

    def get_campaign(self, campaign_id: int) -> CampaignRecord | None: ...

    def get_campaign_by_token(self, token: str) -> CampaignRecord | None: ...

    def list_campaigns(self) -> list[CampaignRecord]:
        """Every campaign but the deleted ones, by id."""

    def update_campaign(
        self,
        campaign_id: int,
        now: datetime,
        *,
        name: str | None = None,
        settings: dict[str, Any] | None = None,
    ) -> CampaignRecord:
        """Replace the name and/or the settings; raises KeyError for an unknown id."""

    def set_campaign_status(self, campaign_id: int, status: str, now: datetime) -> CampaignRecord:
        """Set the status at once (``started_at`` on the first ``inProgress``, ``finished_at`` on
        ``finished``/``deleted``). On ``finished``/``deleted`` every non-final job becomes
        ``notDone`` with ``finished_at`` = now, except jobs in a call, which end when the call
        does; calls in progress finish."""

    def active_campaigns(self) -> list[CampaignRecord]:
        """Campaigns whose status is in :data:`DIALLING_CAMPAIGN_STATUSES` or ``paused``."""

    # -- numbers and scheduling ------------------------------------------------------------
    def add_numbers(
        self, campaign_id: int, numbers: Sequence[NewNumber], now: datetime
    ) -> list[int]:
        """Add the numbers and their first call jobs; return the job ids in input order.

        All or nothing: if a phone is already in the campaign or twice in ``numbers``, raises
        ``ValidationError("phone.duplicated", phone=…, phonesDuplicates=[…])`` and adds none.
        """

    def jobs_to_schedule(self, campaign_id: int, now: datetime, limit: int) -> list[CallJobRecord]:
        """Jobs in a schedulable status, not cancelled, not in a call, with no schedule
        (``due_at`` None) or whose window closed unclaimed (``closes_at`` ≤ now): those with no
        schedule first (by id), then by ``closes_at``, id (so both walk an index in order)."""

    def apply_schedules(self, schedules: Sequence[Schedule]) -> None:
        """Write the engine's decisions. A job that is in a call or already final is left
        alone (the decision is stale)."""

    def claim_due(
        self, campaign_id: int, worker: str, now: datetime, limit: int, lease: timedelta
    ) -> list[Claim]:
        """Claim due jobs and start an attempt for each, in one transaction.

        A job is due when its status is schedulable, it is not cancelled, it has no attempt in
        flight, and ``due_at`` ≤ now < ``closes_at``; the campaign must be in a dialling status.
        Order (SPEC 1.4): ``priority`` asc, ``custom`` first, ``closes_at`` asc, ``due_at`` asc,
        job id asc. At most ``limit`` and never more than ``maxSimultaneousCalls`` minus the
        attempts in flight of the campaign, across all workers and processes. Each claim creates
        an attempt (``started_at`` = now, ``lease_until`` = now + lease, ``attempt_number`` =
        attempts so far + 1, ``line`` = the lowest free line) and sets the job ``inProcess``.
        A campaign in ``new``/``planned`` becomes ``inProgress`` on its first claim.
        """

    def extend_leases(self, worker: str, attempt_ids: Sequence[int], until: datetime) -> set[int]:
        """Push the leases of this worker's unfinished attempts to ``until``; returns the ids
        extended. An id missing from it is not this worker's attempt in flight any more (the
        reaper took it): the worker must end that call, the number may be dialled again."""

    def finish_attempt(self, result: AttemptResult) -> bool:
        """Record the end of an attempt atomically: the attempt row, the job's next state
        (``result.next``, or ``cancelledByUser`` if the job was cancelled meanwhile and the
        decision is not final, or ``notDone`` if the campaign was stopped meanwhile and the
        decision is not final), the job's totals, the redial job and the redial audit row,
        ``$client``.

        Returns False and changes nothing when the attempt is not this worker's unfinished
        attempt any more (the reaper took it)."""

    def finish_attempts(self, results: Sequence[AttemptResult]) -> list[bool]:
        """:meth:`finish_attempt` for each result, in order, in one transaction: one bool per
        result. For a dialer whose calls end together (they start together and often last
        equally long): one commit instead of one per call."""

    def finish_and_claim(
        self,
        results: Sequence[AttemptResult],
        campaign_id: int,
        worker: str,
        now: datetime,
        limit: int,
        lease: timedelta,
    ) -> tuple[list[bool], list[Claim]]:
        """:meth:`finish_attempts` then :meth:`claim_due`, in one transaction: the lines the
        results free can be claimed at once. Returns both results."""

    def reap_expired(self, now: datetime) -> list[AttemptRecord]:
        """Attempts whose lease ended before ``now`` and that are unfinished are recorded as
        ``failed`` (``finished_at`` = ``lease_until``); their jobs go back to ``onRetry`` with no
        schedule, so that :meth:`jobs_to_schedule` hands them to the engine (or end as
        ``cancelledByUser`` / ``notDone`` when cancelled or stopped meanwhile). Returns them,
        with ``job_status`` set, by id."""

    def next_due_at(self, campaign_id: int) -> datetime | None:
        """The earliest ``due_at`` of a job that could be claimed later (for virtual time)."""

    def cancel_jobs(
        self, campaign_id: int, phones: Sequence[str], ids: Sequence[int], now: datetime
    ) -> list[int]:
        """Cancel the union of the jobs named; jobs not final become ``cancelledByUser`` (a
        job in a call when that call ends, unless the call ends the series otherwise, e.g.
        answered). Unknown ids/phones raise ``ValidationError("id.not.found"|"phone.not.found")``
        and cancel nothing. Returns, by id, the named jobs that are or will be
        ``cancelledByUser`` (jobs that had already ended otherwise are left out)."""

    def redial_attempts_used(self, campaign_id: int, phone: str) -> int:
        """Attempts made in all redial jobs of this number so far."""

    # -- reports ---------------------------------------------------------------------------
    def get_jobs(
        self, campaign_id: int, *, phones: Sequence[str] = (), ids: Sequence[int] = ()
    ) -> list[CallJobRecord]:
        """Jobs named by phone (all jobs of that number) or id; unknown ones raise
        ``id.not.found`` / ``phone.not.found``."""

    def jobs_by_date(
        self, campaign_id: int, flt: TimeFilter, page: Page
    ) -> list[CallJobRecord]: ...

    def unfinished_jobs(self, campaign_id: int, page: Page) -> list[CallJobRecord]: ...

    def get_attempts(
        self, campaign_id: int, *, phones: Sequence[str] = (), ids: Sequence[int] = ()
    ) -> list[AttemptRecord]:
        """Attempts of the jobs named by phone or job id (same errors as :meth:`get_jobs`)."""

    def attempts_by_date(
        self, campaign_id: int, flt: TimeFilter, page: Page
    ) -> list[AttemptRecord]: ...

    def iter_attempts(self, campaign_id: int) -> Iterator[AttemptRecord]:
        """Every attempt of the campaign in start order (reports, ``--out``)."""

    def counts(self, campaign_id: int) -> CampaignCounts: ...

    # -- $client, idempotence, API keys ----------------------------------------------------
    def get_client(self, campaign_id: int, phone: str) -> dict[str, Any]:
        """``$client`` of the callee, ``{}`` when nothing was stored yet."""

    def reserve_idempotent(
        self, scope: str, key: str, request_hash: str, now: datetime, lease: timedelta
    ) -> IdempotenceState:
        """Reserve the key for a request about to run, or say who has it, in one transaction.

        - The key is free (never used, its stored response is 24 h old or more, its
          reservation's lease has passed, or it was released): it is reserved for the caller
          until ``now + lease`` with ``request_hash``, and a :class:`Reservation` with a fresh
          token is returned.
        - A reservation whose lease has not passed holds it: :class:`InProgress`, with that
          request's hash.
        - A response was stored within 24 h: that :class:`StoredResponse`.

        Of concurrent calls for one free key, in any threads or processes, exactly one gets a
        :class:`Reservation` (the primary key on (scope, key) decides); the others get
        :class:`InProgress` with the winner's hash for as long as it holds the key. The caller
        compares the hashes (another body under the same key).
        """

    def complete_idempotent(
        self, scope: str, key: str, token: str, response: StoredResponse, now: datetime
    ) -> bool:
        """Store ``response`` for the key reserved with ``token``, for 24 h from ``now``; True
        when stored. Also stored when the reservation's lease passed and nobody reserved the
        key since; False (nothing changes) when another request holds or completed the key
        meanwhile. Expired entries of other keys are purged on the way, so the table does not
        grow forever."""

    def release_idempotent(self, scope: str, key: str, token: str) -> None:
        """Free the key reserved with ``token`` (its request failed, so repeating it must be
        allowed): the next :meth:`reserve_idempotent` reserves it. Nothing happens when the
        reservation is no longer ``token``'s (its lease passed and another request took it)."""

    def add_api_key(self, key_hash: str, now: datetime) -> None: ...

    def has_api_key(self, key_hash: str) -> bool: ...

    def any_api_key(self) -> bool: ...
