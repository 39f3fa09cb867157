"""Wire shapes of the Calls API records (JAICP 1.10): instants as Unix milliseconds."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from ringback.domain.errors import ValidationError
from ringback.domain.zones import parse_gmt_zone
from ringback.store.base import AttemptRecord, CallJobRecord, CampaignRecord


def ms(value: datetime | None) -> int | None:
    return None if value is None else int(value.timestamp() * 1000)


def job_json(job: CallJobRecord) -> dict[str, Any]:
    return {
        "callJobId": str(job.id),
        "redialNumber": job.redial_number,
        "phone": job.phone,
        "attemptsCount": job.attempts_count,
        "jobStatus": job.status,
        "createdAt": ms(job.created_at),
        "finishedAt": ms(job.finished_at),
        "callDuration": job.call_duration,
        "reportData": job.report_data,
        "tagName": job.tag_name,
        "tagPayload": job.tag_payload,
        "callResult": job.call_result,
        "callResultPayload": job.call_result_payload,
    }


def attempt_json(attempt: AttemptRecord) -> dict[str, Any]:
    return {
        "callJobId": str(attempt.call_job_id),
        "redialNumber": attempt.redial_number,
        "phone": attempt.phone,
        "jobStatus": attempt.job_status,
        "callResult": attempt.call_result,
        "callDuration": attempt.call_duration,
        "startedAt": ms(attempt.started_at),
        "finishedAt": ms(attempt.finished_at),
        "attemptNumber": attempt.attempt_number,
        "tagName": attempt.tag_name,
        "tagPayload": attempt.tag_payload,
        "reportData": attempt.report_data,
        "outcome": attempt.outcome,
        "zone": attempt.zone,
        "zoneSource": attempt.zone_source,
    }


def campaign_json(campaign: CampaignRecord) -> dict[str, Any]:
    """The admin-API view: id, token, status and every setting."""
    return {
        "id": campaign.id,
        "token": campaign.token,
        "name": campaign.name,
        "status": campaign.status,
        "createdAt": ms(campaign.created_at),
        "updatedAt": ms(campaign.updated_at),
        "startedAt": ms(campaign.started_at),
        "finishedAt": ms(campaign.finished_at),
        **campaign.settings,
    }


def iso_utc(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def attempt_row(attempt: AttemptRecord, *, csv_cells: bool = False) -> dict[str, Any]:
    """The SPEC §7 attempt fields (``--out`` lines and ``report.csv`` rows).

    ``localStartedAt`` is the start in the zone the attempt was checked in, with its offset.
    With ``csv_cells`` the transcript is one JSON cell.
    """
    try:
        tz = parse_gmt_zone(attempt.zone)
        local = attempt.started_at.astimezone(tz).isoformat(timespec="milliseconds")
    except ValidationError:
        local = None
    transcript: Any = attempt.transcript
    if csv_cells:
        transcript = json.dumps(transcript, ensure_ascii=False)
    return {
        "phone": attempt.phone,
        "callJobId": str(attempt.call_job_id),
        "redialNumber": attempt.redial_number,
        "attemptNumber": attempt.attempt_number,
        "startedAt": iso_utc(attempt.started_at),
        "finishedAt": iso_utc(attempt.finished_at),
        "localStartedAt": local,
        "zone": attempt.zone,
        "zoneSource": attempt.zone_source,
        "outcome": attempt.outcome,
        "callResult": attempt.call_result,
        "jobStatus": attempt.job_status,
        "line": attempt.line,
        "transcript": transcript,
    }
