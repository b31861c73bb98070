from __future__ import annotations

from unittest import mock


def test_healthz_reports_database_and_queue(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] and body["checks"]["queue"]["ok"]


def test_healthz_fails_when_the_queue_cannot_be_read(client, db):
    from huey.contrib.djhuey import HUEY

    with mock.patch.object(HUEY, "pending_count", side_effect=ConnectionError("down")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["queue"] == {"ok": False, "error": "ConnectionError"}
