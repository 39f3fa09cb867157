"""Campaign control through the API, obeyed by a real dialer on a virtual clock; reports after
a campaign that ran."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from ringback.engine.dialer import Dialer
from ringback.telephony.simulated import CalleeMix, Callees, SimulatedTelephony
from tests.api.conftest import Server

PHONES = [f"7916123456{i}" for i in range(6)]


def _dialer(server: Server) -> Dialer:
    callees = Callees(default=CalleeMix(probabilities={"busy": 1.0}))
    return Dialer(server.store, SimulatedTelephony(callees, seed=1), server.clock)


def _attempts(server: Server, token: str, phones: list[str] = PHONES) -> list[dict[str, Any]]:
    response = httpx.post(server.calls(token, "/callAttempt/getReport"), json={"phones": phones})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()
    return items


def test_pause_resume_stop_are_obeyed_and_reports_show_the_run(server: Server) -> None:
    created = server.create_campaign(
        maxSimultaneousCalls=2, maxAttempts=3, retryIntervalInMinutes=10, timezone="Europe/Moscow"
    )
    token = str(created["token"])
    added = httpx.post(server.calls(token, "/addPhones"), json=[{"phone": p} for p in PHONES])
    assert added.status_code == 200, added.text
    dialer = _dialer(server)

    assert httpx.post(server.calls(token, "/control/pause")).status_code == 200
    dialer.run(until=server.clock.now() + timedelta(hours=1))
    assert _attempts(server, token) == []  # paused: not one attempt

    assert httpx.post(server.calls(token, "/control/resume")).status_code == 200
    dialer.run(until=server.clock.now() + timedelta(minutes=5))
    first = _attempts(server, token)
    assert first, "resumed: the dialer calls again"
    assert all(a["outcome"] == "busy" for a in first if a["finishedAt"] is not None)

    assert httpx.post(server.calls(token, "/control/stop")).status_code == 200
    stopped_at = len(first)
    dialer.run(until=server.clock.now() + timedelta(hours=2))
    after = _attempts(server, token)
    assert len(after) == stopped_at, "stopped: no new attempts"
    assert httpx.get(server.calls(token, "/status")).json() == "finished"

    jobs = httpx.post(server.calls(token, "/callJob/getReport"), json={"phones": PHONES}).json()
    assert len(jobs) == len(PHONES)
    assert {j["jobStatus"] for j in jobs} <= {"notDone", "noAnswer"}
    assert all(j["finishedAt"] is not None for j in jobs)
    by_date = httpx.post(
        server.calls(token, "/callAttempt/getReportByDate"),
        json={"filter": {"startedAtFrom": "2025-03-07T00:00:00Z"}, "pagination": {"pageSize": 200}},
    ).json()
    assert len(by_date["items"]) == len(after)
    assert by_date["pagination"] == {"page": 0, "pageSize": 200}
    for attempt in after:
        assert attempt["zone"] == "Europe/Moscow" and attempt["zoneSource"] == "number"
        assert attempt["startedAt"] <= attempt["finishedAt"]
    csv_text = server.client.get(f"/api/v1/campaigns/{created['id']}/report.csv").text
    assert len(csv_text.strip().splitlines()) == len(after) + 1
    info = httpx.get(server.calls(token)).json()
    assert info["shortReport"]["totalNumbers"] == len(PHONES)
    assert info["shortReport"]["inProcessCalls"] == 0


def test_cancel_stops_a_number_being_retried(server: Server) -> None:
    token = str(server.create_campaign(maxAttempts=5, retryIntervalInMinutes=30)["token"])
    httpx.post(server.calls(token, "/addPhones"), json=[{"phone": PHONES[0]}])
    dialer = _dialer(server)
    dialer.run(until=server.clock.now() + timedelta(minutes=1))
    assert len(_attempts(server, token, PHONES[:1])) == 1
    cancelled = httpx.post(server.calls(token, "/callJob/cancel"), json={"phones": [PHONES[0]]})
    assert cancelled.status_code == 200 and len(cancelled.json()) == 1
    dialer.run(until=server.clock.now() + timedelta(hours=5))
    assert len(_attempts(server, token, PHONES[:1])) == 1
    job = httpx.post(server.calls(token, "/callJob/getReport"), json={"phones": [PHONES[0]]})
    assert job.json()[0]["jobStatus"] == "cancelledByUser"
