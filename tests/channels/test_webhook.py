"""The signed webhook connector against a real HTTP receiver on a loopback port."""

from __future__ import annotations

import http.server
import json
import socket
import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from carecast.channels.connectors.webhook import signature
from carecast.channels.models import ChannelAccount, PublishJob
from carecast.channels.services import channel_account_create, publish_due_jobs, publish_target_set
from carecast.core.errors import PermissionDenied, ValidationError
from tests.factories import approved_item, make_due

SECRET = "whsec-test-3f9a"


@pytest.fixture
def receiver():
    """Answers each POST with the next scripted status; records what arrived (body, headers)."""
    state = {"script": [], "received": []}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state["received"].append((body, dict(self.headers)))
            status = state["script"].pop(0) if state["script"] else 200
            self.send_response(status)
            if status == 429:
                self.send_header("Retry-After", "120")
            payload = json.dumps({"id": f"remote-{len(state['received'])}"}).encode()
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = http.server.HTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    state["url"] = f"http://127.0.0.1:{port}/hooks/carecast"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def account(people, brand, receiver):
    return channel_account_create(
        actor=people["admin"],
        brand=brand,
        network="webhook",
        name="Intranet",
        endpoint=receiver["url"],
        secret=SECRET,
    )


def _due(people, brand, account):
    item = approved_item(
        author=people["contributor"],
        reviewer=people["medical_reviewer"],
        brand=brand,
        publish_at=timezone.now() + timedelta(hours=1),
        text="Clinic closes early Friday.",
    )
    publish_target_set(actor=people["contributor"], item=item, accounts=[account])
    make_due(item)
    return item


def test_the_secret_is_encrypted_at_rest(account):
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM channels_channelaccount WHERE id = %s", [account.pk])
        assert SECRET not in cursor.fetchone()[0]
    assert ChannelAccount.objects.get(pk=account.pk).secret == SECRET


def test_a_signed_post_arrives_once_alongside_the_brand_page(people, brand, account, receiver):
    item = _due(people, brand, account)
    assert sorted(PublishJob.objects.filter(content_item=item).values_list("channel", flat=True)) == [
        "brand_page",
        "webhook",
    ]
    assert publish_due_jobs() == 2
    assert publish_due_jobs() == 0
    [(body, headers)] = receiver["received"]
    assert headers["X-Carecast-Signature"] == signature(SECRET, body)
    message = json.loads(body)
    assert message["text"] == "Clinic closes early Friday." and message["brand"] == brand.slug
    job = PublishJob.objects.get(content_item=item, channel="webhook")
    assert job.status == "published" and job.external_id == "remote-1"
    assert headers["X-Carecast-Delivery"] == str(job.pk)


def test_a_busy_endpoint_is_retried_later_and_a_refusal_is_reported(people, brand, account, receiver):
    receiver["script"] = [429]
    item = _due(people, brand, account)
    publish_due_jobs()
    job = PublishJob.objects.get(content_item=item, channel="webhook")
    assert job.status == "scheduled" and job.scheduled_for - timezone.now() > timedelta(seconds=100)
    receiver["script"] = [403]
    with time_machine.travel(job.scheduled_for + timedelta(seconds=1)):
        publish_due_jobs()
    job.refresh_from_db()
    assert job.status == "failed" and "reconnecting" in job.last_error
    account.refresh_from_db()
    assert account.status == "needs_reconnect" and "403" in account.status_message


def test_the_networks_wait_holds_every_post_of_that_account(people, brand, account, receiver):
    receiver["script"] = [429]  # Retry-After: 120
    first = _due(people, brand, account)
    publish_due_jobs()
    account.refresh_from_db()
    assert 100 < (account.rate_limited_until - timezone.now()).total_seconds() <= 120
    second = _due(people, brand, account)
    publish_due_jobs()  # the second post waits without asking the endpoint again
    assert len(receiver["received"]) == 1
    waiting = PublishJob.objects.get(content_item=second, channel="webhook")
    assert waiting.status == "scheduled" and waiting.attempt_count == 0
    assert waiting.scheduled_for >= account.rate_limited_until
    with time_machine.travel(account.rate_limited_until + timedelta(seconds=1)):
        publish_due_jobs()
    assert sorted(
        PublishJob.objects.filter(content_item__in=[first, second], channel="webhook").values_list(
            "status", flat=True
        )
    ) == ["published", "published"]
    assert len(receiver["received"]) == 3  # one refused, then each post once


def test_an_account_that_needs_reconnecting_is_not_called_until_reconnected(people, brand, account, receiver):
    from carecast.channels.services import channel_account_reconnect, content_item_retry

    receiver["script"] = [401]
    first = _due(people, brand, account)
    publish_due_jobs()
    second = _due(people, brand, account)
    publish_due_jobs()
    assert len(receiver["received"]) == 1  # the second post failed without a call
    job = PublishJob.objects.get(content_item=second, channel="webhook")
    assert job.status == "failed" and "Reconnect it in Settings" in job.last_error
    channel_account_reconnect(actor=people["admin"], account=account, secret="whsec-new")
    content_item_retry(actor=people["contributor"], item=first)
    publish_due_jobs()
    [body, headers] = receiver["received"][-1]
    assert headers["X-Carecast-Signature"] == signature("whsec-new", body)
    assert PublishJob.objects.get(content_item=first, channel="webhook").status == "published"


def test_connecting_needs_an_admin_and_a_key(people, brand, receiver):
    with pytest.raises(PermissionDenied):
        channel_account_create(
            actor=people["strategist"],
            brand=brand,
            network="webhook",
            name="x",
            endpoint=receiver["url"],
            secret="k",
        )
    with pytest.raises(ValidationError):
        channel_account_create(
            actor=people["admin"],
            brand=brand,
            network="webhook",
            name="x",
            endpoint="ftp://example.org",
            secret="k",
        )


def test_an_admin_reconnects_an_account_from_settings(client, people, account, receiver):
    ChannelAccount.objects.filter(pk=account.pk).update(
        status="needs_reconnect", status_message="the endpoint refused our signature (HTTP 403)"
    )
    client.force_login(people["admin"])
    page = client.get("/settings/").content.decode()
    assert "needs reconnecting: the endpoint refused our signature (HTTP 403)" in page
    assert f"/settings/channels/{account.pk}/reconnect/" in page
    client.post(f"/settings/channels/{account.pk}/reconnect/", {"secret": "whsec-rotated"})
    account.refresh_from_db()
    assert account.status == "connected" and account.secret == "whsec-rotated"
    assert "/reconnect/" not in client.get("/settings/").content.decode()
