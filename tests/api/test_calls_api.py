"""The Calls API and the admin API over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
from openpyxl import Workbook

from tests.api.conftest import Server


def _token(server: Server, **fields: Any) -> str:
    return str(server.create_campaign(**fields)["token"])


def _error(response: httpx.Response, status: int, kind: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["type"] == kind, body
    assert isinstance(body["message"], str) and body["message"]
    return body


def _jobs(server: Server, token: str) -> list[dict[str, Any]]:
    response = httpx.post(server.calls(token, "/callJob/getUnfinished"), json={"pageSize": 200})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_add_phones_returns_ids_in_request_order(server: Server) -> None:
    token = _token(server, timezone="Europe/Moscow", maxAttempts=3)
    body = [
        {"phone": "79161234567", "payload": {"name": "Ann"}},
        {"phone": "12125550100", "gmtZone": "America/New_York", "dialerPriority": 1},
    ]
    response = httpx.post(server.calls(token, "/addPhones"), json=body)
    assert response.status_code == 200, response.text
    ids = response.json()
    assert len(ids) == 2 and all(isinstance(i, str) for i in ids)
    report = httpx.post(server.calls(token, "/callJob/getReport"), json={"ids": ids}).json()
    by_id = {r["callJobId"]: r for r in report}
    assert by_id[ids[0]]["phone"] == "79161234567"
    assert by_id[ids[1]]["phone"] == "12125550100"
    assert by_id[ids[0]]["jobStatus"] == "planned"
    assert by_id[ids[0]]["redialNumber"] is None
    assert isinstance(by_id[ids[0]]["createdAt"], int)


def test_every_error_type_and_nothing_is_added(server: Server) -> None:
    token = _token(server)
    add = server.calls(token, "/addPhones")
    good = {"phone": "79161234567"}
    cases: list[tuple[dict[str, Any], str]] = [
        ({"phone": "12"}, "phone.bad.format"),
        ({"phone": "79161234568", "gmtZone": "+25:00"}, "phone.gmtZone.bad.format"),
        ({"phone": "79161234568", "allowedTime": {"default": []}}, "invalid.call.allowed.time"),
        (
            {"phone": "79161234568", "localTimeFrom": "25:00", "localTimeTo": "10:00"},
            "invalid.call.allowed.time",
        ),
        ({"phone": "79161234568", "dialerPriority": 9}, "invalid.dialer_priority"),
        ({"phone": "79161234568", "maxAttempts": 0}, "invalid.maxAttempts"),
        ({"phone": "79161234568", "retryIntervalInMinutes": 0}, "invalid.retryIntervalInMinutes"),
        ({"phone": "79161234568", "allowedDays": ["xyz"]}, "invalid.allowedDays"),
        ({"phone": "79161234568", "startDateTime": "yesterday"}, "invalid.startDateTime"),
    ]
    for bad, kind in cases:
        body = _error(httpx.post(add, json=[good, bad]), 400, kind)
        if kind.startswith("phone."):
            assert "phone" in body
    _error(
        httpx.post(add, content=b"{not json", headers={"Content-Type": "application/json"}),
        400,
        "invalid.body",
    )
    _error(httpx.post(add, json={"phone": "79161234567"}), 400, "invalid.body")
    assert _jobs(server, token) == []  # all or nothing: none of the good numbers was added

    assert httpx.post(add, json=[good]).status_code == 200
    dup = _error(httpx.post(add, json=[{"phone": "79161234569"}, good]), 400, "phone.duplicated")
    assert dup["phonesDuplicates"] == ["79161234567"]
    twice = [{"phone": "79161234570"}, {"phone": "79161234570"}]
    assert _error(httpx.post(add, json=twice), 400, "phone.duplicated")["phone"] == "79161234570"
    assert [j["phone"] for j in _jobs(server, token)] == ["79161234567"]

    _error(
        httpx.post(server.calls("no-such-token", "/addPhones"), json=[good]), 404, "invalid.token"
    )
    _error(httpx.get(server.calls("no-such-token")), 404, "invalid.token")
    select = server.calls(token, "/callJob/getReport")
    _error(httpx.post(select, json={"ids": ["999999"]}), 400, "id.not.found")
    _error(httpx.post(select, json={"phones": ["79990000000"]}), 400, "phone.not.found")
    _error(
        httpx.post(
            server.calls(token, "/callJob/getReportByDate"), json={"pagination": {"page": 500}}
        ),
        400,
        "invalid.pagination",
    )

    assert httpx.post(server.calls(token, "/control/stop")).status_code == 200
    state = _error(httpx.post(add, json=[{"phone": "79161234571"}]), 400, "invalid.call.task.state")
    assert state["state"] == "FINISHED"


def test_idempotence_key_returns_the_first_answer_and_changes_nothing(server: Server) -> None:
    token = _token(server)
    add = server.calls(token, "/addPhones")
    headers = {"Idempotence-Key": "k-1"}
    first = httpx.post(add, json=[{"phone": "79161234567"}], headers=headers)
    again = httpx.post(add, json=[{"phone": "79161234567"}], headers=headers)
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert len(_jobs(server, token)) == 1
    # A rejected request is not remembered: fixing it under the same key succeeds.
    bad = httpx.post(add, json=[{"phone": "1"}], headers={"Idempotence-Key": "k-2"})
    assert bad.status_code == 400
    fixed = httpx.post(add, json=[{"phone": "79161234568"}], headers={"Idempotence-Key": "k-2"})
    assert fixed.status_code == 200


def test_an_idempotence_key_reused_for_another_body_is_refused(server: Server) -> None:
    token = _token(server)
    add = server.calls(token, "/addPhones")
    headers = {"Idempotence-Key": "k-1"}
    assert httpx.post(add, json=[{"phone": "79161234567"}], headers=headers).status_code == 200
    other = httpx.post(add, json=[{"phone": "79161234599"}], headers=headers)
    assert _error(other, 409, "idempotence.key.reused")["key"] == "k-1"
    assert [job["phone"] for job in _jobs(server, token)] == ["79161234567"]


def test_crm_add_phone_by_query_and_form(server: Server) -> None:
    token = _token(server)
    base = f"{server.url}/api/crmCalls/campaign/{token}/addPhone"
    by_query = httpx.get(base, params={"phone": "79161234567", "gmtZone": "+03:00"})
    assert by_query.status_code == 200, by_query.text
    by_form = httpx.post(base, data={"phone": "79161234568"})
    assert by_form.status_code == 200, by_form.text
    assert isinstance(by_query.json(), str) and by_query.json() != by_form.json()
    _error(httpx.get(base, params={"phone": "abc"}), 400, "phone.bad.format")


def test_admin_api_requires_the_key(server: Server) -> None:
    url = f"{server.url}/api/v1/campaigns"
    _error(httpx.get(url), 401, "unauthorized")
    _error(httpx.get(url, headers={"Authorization": "Bearer wrong"}), 401, "unauthorized")
    assert server.client.get("/api/v1/campaigns").status_code == 200


def test_admin_campaign_lifecycle_and_validation(server: Server) -> None:
    created = server.create_campaign(timezone="Europe/Moscow", maxSimultaneousCalls=4)
    assert created["status"] == "new"
    assert created["maxAttempts"] == 1 and created["ringTimeoutSeconds"] == 30
    cid = created["id"]
    changed = server.client.patch(f"/api/v1/campaigns/{cid}", json={"maxAttempts": 3})
    assert changed.status_code == 200 and changed.json()["maxAttempts"] == 3
    assert changed.json()["timezone"] == "Europe/Moscow"
    _error(server.client.post("/api/v1/campaigns", json={}), 400, "invalid.name")
    _error(
        server.client.post("/api/v1/campaigns", json={"name": "x", "timezone": "Mars/Base"}),
        400,
        "invalid.timezone",
    )
    _error(
        server.client.post("/api/v1/campaigns", json={"name": "x", "colour": "red"}),
        400,
        "invalid.body",
    )
    _error(
        server.client.patch(f"/api/v1/campaigns/{cid}", json={"maxAttempts": 99}),
        400,
        "invalid.maxAttempts",
    )
    assert server.client.get(f"/api/v1/campaigns/{cid}").json()["maxAttempts"] == 3
    assert server.client.delete(f"/api/v1/campaigns/{cid}").status_code == 204
    _error(server.client.get(f"/api/v1/campaigns/{cid}"), 404, "campaign.not.found")
    _error(httpx.get(server.calls(str(created["token"]))), 404, "invalid.token")


def test_client_list_import_csv_and_xlsx_with_per_row_rejections(server: Server) -> None:
    created = server.create_campaign()
    cid = created["id"]
    text = (
        "phone,GMT_ZONE,PRIORITY,name\n79161234567,+03:00,1,Ann\nnot-a-phone,,,Bob\n"
        "79161234567,,,Ann again\n12125550100,Mars/Base,,Cy\n12125550101,,2,Di\n"
    )
    response = server.client.post(
        f"/api/v1/campaigns/{cid}/phones/import",
        files={"file": ("clients.csv", text.encode(), "text/csv")},
    )
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["added"] == 2
    assert [(r["row"], r["type"]) for r in result["rejected"]] == [
        (3, "phone.bad.format"),
        (4, "phone.duplicated"),
        (5, "phone.gmtZone.bad.format"),
    ]
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["phone", "city"])
    sheet.append([79161234567, "Moscow"])  # already in the campaign
    sheet.append([442079460000, "London"])
    data = io.BytesIO()
    book.save(data)
    response = server.client.post(
        f"/api/v1/campaigns/{cid}/phones/import",
        files={"file": ("clients.xlsx", data.getvalue(), "application/octet-stream")},
    )
    assert response.status_code == 200, response.text
    assert response.json()["added"] == 1
    assert [r["type"] for r in response.json()["rejected"]] == ["phone.duplicated"]
    token = str(created["token"])
    report = httpx.post(
        server.calls(token, "/callJob/getReport"), json={"phones": ["442079460000"]}
    ).json()
    assert report[0]["phone"] == "442079460000"


def test_campaign_info_status_and_control(server: Server) -> None:
    token = _token(server, maxSimultaneousCalls=3)
    info = httpx.get(server.calls(token)).json()
    assert info["status"] == "new" and info["maxSimultaneousCalls"] == 3
    assert info["shortReport"]["totalNumbers"] == 0
    assert httpx.get(server.calls(token, "/status")).json() == "new"
    assert httpx.post(server.calls(token, "/control/pause")).status_code == 200
    assert httpx.get(server.calls(token, "/status")).json() == "paused"
    assert httpx.post(server.calls(token, "/control/resume")).status_code == 200
    assert httpx.get(server.calls(token, "/status")).json() in ("planned", "new")
    assert httpx.post(server.calls(token, "/control/stop")).status_code == 200
    assert httpx.get(server.calls(token, "/status")).json() == "finished"
    _error(httpx.post(server.calls(token, "/control/resume")), 400, "invalid.call.task.state")


def test_health_metrics_openapi(server: Server) -> None:
    assert httpx.get(f"{server.url}/healthz").json()["status"] == "ok"
    _token(server)
    metrics = httpx.get(f"{server.url}/metrics").text
    assert "ringback_lines_busy" in metrics
    schema = httpx.get(f"{server.url}/openapi.json").json()
    assert "/api/calls/campaign/{token}/addPhones" in schema["paths"]
    assert "/api/v1/campaigns" in schema["paths"]


def test_report_csv_has_the_attempt_fields(server: Server) -> None:
    created = server.create_campaign()
    response = server.client.get(f"/api/v1/campaigns/{created['id']}/report.csv")
    assert response.status_code == 200
    header = next(csv.reader(io.StringIO(response.text)))
    assert header[:6] == [
        "phone",
        "callJobId",
        "redialNumber",
        "attemptNumber",
        "startedAt",
        "finishedAt",
    ]
