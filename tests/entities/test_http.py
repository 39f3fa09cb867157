"""Duckling's HTTP API over real HTTP requests (Starlette's TestClient)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from ringback.entities.http import create_app

client = TestClient(create_app())
REF_MS = "1360650600000"  # 2013-02-12T06:30:00Z


def test_parse_is_form_encoded_like_duckling() -> None:
    response = client.post(
        "/parse",
        data={
            "text": "tomorrow at 3 pm",
            "locale": "en_US",
            "reftime": REF_MS,
            "tz": "America/Sao_Paulo",
        },
    )
    assert response.status_code == 200
    (entity,) = [e for e in response.json() if e["dim"] == "time"]
    # 06:30Z is 04:30 at -02:00 (Sao Paulo's summer time in 2013)
    assert entity["value"]["value"] == "2013-02-13T15:00:00.000-02:00"
    assert entity["body"] == "tomorrow at 3 pm"


def test_parse_dims_lang_and_latent() -> None:
    response = client.post(
        "/parse",
        data={"text": "через 2 часа", "lang": "RU", "dims": '["duration"]', "reftime": REF_MS},
    )
    assert response.json()[0]["value"]["normalized"] == {"value": 7200, "unit": "second"}
    latent = client.post("/parse", data={"text": "7", "latent": "true", "dims": '["time"]'})
    assert latent.json()[0]["latent"] is True
    assert client.post("/parse", data={"text": "7", "dims": '["time"]'}).json() == []


def test_bad_input_is_a_typed_400() -> None:
    cases = {
        "text": {"locale": "en_US"},
        "locale": {"text": "now", "locale": "xx_XX"},
        "dims": {"text": "now", "dims": "[not json"},
        "tz": {"text": "now", "tz": "Mars/Olympus"},
        "reftime": {"text": "now", "reftime": "soon"},
        "latent": {"text": "now", "latent": "maybe"},
    }
    for field, data in cases.items():
        response = client.post("/parse", data=data)
        assert response.status_code == 400, field
        body = response.json()
        assert body["type"] == f"invalid.{field}" and body["message"]


def test_targets() -> None:
    targets = client.get("/targets").json()
    assert set(targets) == {"en", "ru"}
    assert {"time", "number", "duration"} <= set(targets["ru"])
