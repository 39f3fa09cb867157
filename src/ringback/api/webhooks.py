"""Webhooks: every finished attempt and call job of a campaign with a ``webhookUrl`` is POSTed.

The body is JSON, ``{"event": "attempt.finished" | "callJob.finished", "campaignId": <id>,
"record": <the Calls API record>}`` (the records of :mod:`ringback.api.records`, as
``callAttempt/getReport`` and ``callJob/getReport`` return them). Headers:

- ``X-Ringback-Event``: the event name;
- ``X-Ringback-Delivery``: ``attempt:<id>`` or ``callJob:<id>``, the same on every retry, so a
  receiver can drop a repeat;
- ``X-Ringback-Signature``: ``sha256=<hex HMAC-SHA256 of the raw body>``. The secret is
  ``RINGBACK_WEBHOOK_SECRET``, or else ``RINGBACK_API_KEY`` (the store only keeps a hash of the
  admin key, so a generated key cannot be used: without either variable nothing is sent, see
  :func:`secret_from_env`).

A delivery succeeds on any 2xx answer. Otherwise it is retried after 1 s, 2 s, 4 s … (doubling,
at most ``max_delay``) until ``max_tries`` tries were made, then dropped with a warning (the
reports of the Calls API still hold the record). When a receiver fails, the other deliveries of
that campaign due in the same step wait for the failed one's retry instead of hammering it.

Finding what finished (the store has no change feed): each step reads, per campaign, the
attempts and jobs whose ``finishedAt`` is ≥ the campaign's cursor ``since`` and sends those not
sent yet. ``since`` trails the step's ``now`` by ``lookback`` (default 5 min) because a record
can appear with a ``finishedAt`` in the past: the reaper writes ``finishedAt`` = the lease's end
up to a lease later, and another worker may commit a call that ended a moment before. The keys
of records already queued with ``finishedAt`` ≥ ``since`` are remembered, so nothing is sent
twice; a record is skipped only if it is written more than ``lookback`` after its ``finishedAt``.
``since`` never passes a delivery still waiting for a retry.

The cursors live in memory: a dispatcher starts at ``now - lookback``, so after a restart the
records of that window are sent again (receivers dedupe on ``X-Ringback-Delivery``) and records
that finished earlier while no dispatcher ran are not sent.

Example, ``lookback`` 5 min: a step at 12:00:00 reads records finished ≥ 11:55:00 and queues
attempt 7 (finished 11:59:58); a step at 12:00:02 reads ≥ 11:55:02, sees attempt 7 again, and
skips it (its key is remembered until ``since`` passes 11:59:58, i.e. after 12:04:58).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar

import httpx

from ringback import __version__
from ringback.api.records import attempt_json, job_json
from ringback.engine.clock import Clock
from ringback.store.base import (
    AttemptRecord,
    CallJobRecord,
    CampaignRecord,
    Page,
    Store,
    TimeFilter,
)

log = logging.getLogger("ringback.webhooks")

ATTEMPT_EVENT = "attempt.finished"
JOB_EVENT = "callJob.finished"

SIGNATURE_HEADER = "X-Ringback-Signature"
EVENT_HEADER = "X-Ringback-Event"
DELIVERY_HEADER = "X-Ringback-Delivery"
#: The largest page the store serves, and the last page number it accepts (Calls API limits).
PAGE_SIZE = 200
LAST_PAGE = 199

R = TypeVar("R", AttemptRecord, CallJobRecord)


def sign(secret: bytes, body: bytes) -> str:
    """The ``X-Ringback-Signature`` value of ``body``."""
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def verify(secret: bytes, body: bytes, signature: str) -> bool:
    """What a receiver does: compare in constant time."""
    return hmac.compare_digest(sign(secret, body), signature)


def secret_from_env(environ: Mapping[str, str]) -> bytes | None:
    """``RINGBACK_WEBHOOK_SECRET``, else ``RINGBACK_API_KEY``, else None (send nothing)."""
    secret = environ.get("RINGBACK_WEBHOOK_SECRET") or environ.get("RINGBACK_API_KEY")
    return secret.encode() if secret else None


@dataclass(slots=True)
class _Delivery:
    key: str  # attempt:<id> / callJob:<id>
    campaign_id: int
    url: str
    event: str
    body: bytes
    finished_at: datetime
    due: datetime
    tries: int = 0


@dataclass(slots=True)
class _Cursor:
    since: datetime
    seen: dict[str, datetime] = field(default_factory=dict)  # key → finishedAt


class WebhookDispatcher:
    """Sends the webhooks of every campaign; ``step(now)`` in virtual time, ``run()`` for real.

    ``http_client`` is the client POSTs go through (its timeout bounds a slow receiver); one
    with a 10 s timeout is made when none is given.
    """

    def __init__(
        self,
        store: Store,
        clock: Clock,
        secret: bytes,
        http_client: httpx.Client | None = None,
        *,
        lookback: timedelta = timedelta(minutes=5),
        poll: timedelta = timedelta(seconds=2),
        first_delay: timedelta = timedelta(seconds=1),
        max_delay: timedelta = timedelta(minutes=5),
        max_tries: int = 10,
        linger: timedelta = timedelta(hours=1),
    ) -> None:
        self.store = store
        self.clock = clock
        self.secret = secret
        self._own_client = http_client is None
        self.http = http_client or httpx.Client(timeout=10.0)
        self.lookback = lookback
        self.poll = poll
        self.first_delay = first_delay
        self.max_delay = max_delay
        self.max_tries = max_tries
        self.linger = linger  # how long a finished campaign is still watched (calls ending)
        self._cursors: dict[int, _Cursor] = {}
        self._pending: list[_Delivery] = []
        self.delivered = 0
        self.dropped = 0

    def backoff(self, tries: int) -> timedelta:
        """The pause after the ``tries``-th failed try: 1 s, 2 s, 4 s … capped."""
        return min(self.first_delay * (1 << min(tries - 1, 30)), self.max_delay)

    # -- one step ------------------------------------------------------------------------------
    def step(self, now: datetime) -> datetime:
        """Queue what finished since the cursors, send what is due; return when to step again."""
        for campaign in self.store.list_campaigns():
            url = campaign.settings.get("webhookUrl")
            if url and self._watched(campaign, now):
                self._collect(campaign, str(url), now)
        self._send_due(now)
        wake = now + self.poll
        return min([wake, *(d.due for d in self._pending)])

    def _watched(self, campaign: CampaignRecord, now: datetime) -> bool:
        return campaign.finished_at is None or campaign.finished_at + self.linger >= now

    def _collect(self, campaign: CampaignRecord, url: str, now: datetime) -> None:
        cursor = self._cursors.setdefault(campaign.id, _Cursor(since=now - self.lookback))
        attempts = finished_since(self.store.attempts_by_date, campaign.id, cursor.since, now)
        jobs = finished_since(self.store.jobs_by_date, campaign.id, cursor.since, now)
        found = [
            (a.finished_at or now, f"attempt:{a.id}", ATTEMPT_EVENT, attempt_json(a))
            for a in attempts
        ] + [(j.finished_at or now, f"callJob:{j.id}", JOB_EVENT, job_json(j)) for j in jobs]
        for finished_at, key, event, record in sorted(found, key=lambda f: (f[0], f[1])):
            if key in cursor.seen:
                continue
            cursor.seen[key] = finished_at
            body = {"event": event, "campaignId": campaign.id, "record": record}
            raw = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
            self._pending.append(_Delivery(key, campaign.id, url, event, raw, finished_at, now))
        waiting = [d.finished_at for d in self._pending if d.campaign_id == campaign.id]
        since = max(cursor.since, min([now - self.lookback, *waiting]))
        cursor.since = since
        cursor.seen = {k: t for k, t in cursor.seen.items() if t >= since}

    def _send_due(self, now: datetime) -> None:
        due = sorted(
            (d for d in self._pending if d.due <= now), key=lambda d: (d.due, d.finished_at, d.key)
        )
        failed: dict[int, datetime] = {}  # campaign → when its failed receiver is tried again
        for delivery in due:
            retry_at = failed.get(delivery.campaign_id)
            if retry_at is not None:
                delivery.due = retry_at  # the receiver just failed: wait with the failed one
                continue
            delivery.tries += 1
            if self._post(delivery):
                self._pending.remove(delivery)
                self.delivered += 1
            elif delivery.tries >= self.max_tries:
                self._pending.remove(delivery)
                self.dropped += 1
                failed[delivery.campaign_id] = now + self.first_delay
                log.warning(
                    "webhook %s to %s dropped after %d tries",
                    delivery.key,
                    delivery.url,
                    delivery.tries,
                )
            else:
                delivery.due = now + self.backoff(delivery.tries)
                failed[delivery.campaign_id] = delivery.due

    def _post(self, delivery: _Delivery) -> bool:
        headers = {
            "Content-Type": "application/json",
            "User-Agent": f"ringback/{__version__}",
            EVENT_HEADER: delivery.event,
            DELIVERY_HEADER: delivery.key,
            SIGNATURE_HEADER: sign(self.secret, delivery.body),
        }
        try:
            response = self.http.post(delivery.url, content=delivery.body, headers=headers)
        except httpx.HTTPError as error:
            log.info("webhook %s to %s: %s", delivery.key, delivery.url, error)
            return False
        if 200 <= response.status_code < 300:
            return True
        log.info("webhook %s to %s: HTTP %d", delivery.key, delivery.url, response.status_code)
        return False

    @property
    def pending(self) -> int:
        """Deliveries queued or waiting for a retry."""
        return len(self._pending)

    def close(self) -> None:
        """Close the HTTP client if the dispatcher made it."""
        if self._own_client:
            self.http.close()

    # -- real time -----------------------------------------------------------------------------
    def run(self, stop_event: threading.Event) -> None:
        """Step until ``stop_event`` is set (``ringback serve``); a failing step (the database
        away) is logged and tried again after ``poll``."""
        while not stop_event.is_set():
            now = self.clock.now()
            try:
                wake = self.step(now)
            except Exception:  # keep the API process alive whatever a step hits
                log.exception("webhook step failed")
                wake = now + self.poll
            stop_event.wait(max(0.0, (wake - self.clock.now()).total_seconds()))


def finished_since(
    query: Callable[[int, TimeFilter, Page], Sequence[R]],
    campaign_id: int,
    low: datetime,
    now: datetime,
    high: datetime | None = None,
    *,
    page_size: int = PAGE_SIZE,
    pages: int = LAST_PAGE + 1,
) -> list[R]:
    """Every record finished at or after ``low`` (and at or before ``high``), despite the
    store's page limit (200 pages of 200): when the pages run out, the span is halved until each
    half fits. An unbounded span is split up to a day past ``now`` (later records are read by a
    later step)."""
    records: list[R] = []
    flt = TimeFilter(finished_from=low, finished_to=high)
    for page in range(pages):
        chunk = query(campaign_id, flt, Page(page, page_size))
        records.extend(chunk)
        if len(chunk) < page_size:
            return records
    top = high or now + timedelta(days=1)
    ms = timedelta(milliseconds=1)
    if top - low < ms:
        return records  # 40 000 records in one millisecond: nothing finer to split by
    middle = low + (top - low) // 2
    sizes = {"page_size": page_size, "pages": pages}
    return finished_since(query, campaign_id, low, now, middle, **sizes) + finished_since(
        query, campaign_id, middle + ms, now, top, **sizes
    )
