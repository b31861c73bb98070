"""The Bluesky connector against a real reference PDS on loopback (scripts/setup-pds.sh installs it).

Faults a real network shows (an answer lost after the post was written, a rate limit, a 500) are
made by a small proxy between carecast and the PDS; everything else is the PDS itself.
"""

from __future__ import annotations

import http.server
import threading
import uuid
from datetime import timedelta

import httpx
import pytest
import time_machine
from atproto import Client, models
from atproto_client.exceptions import BadRequestError
from django.conf import settings
from django.db import connection
from django.utils import timezone

from carecast.channels.connectors.base import Payload
from carecast.channels.connectors.bluesky import BlueskyConnector, record_key
from carecast.channels.models import ChannelAccount, PostMetric, PublishJob
from carecast.channels.services import (
    channel_account_create,
    channel_account_reconnect,
    content_item_retry,
    post_metrics_pull,
    publish_due_jobs,
    publish_job_delete,
    publish_target_set,
)
from carecast.content.models import ContentItem, TrackedLink
from carecast.core.errors import InvalidTransition, ValidationError
from carecast.core.models import AuditEntry
from tests.conftest import _free_port
from tests.factories import approved_item, due_item_on, make_due

pytestmark = pytest.mark.pds
POST = "app.bsky.feed.post"


class Person:
    """An account on the PDS, its main client (to read back and to manage app passwords)."""

    def __init__(self, url: str, name: str) -> None:
        tag = uuid.uuid4().hex[:6]
        self.handle, self.password = f"{name}-{tag}.test", f"main-{tag}"
        anon = Client(base_url=url + "/xrpc")
        out = anon.com.atproto.server.create_account(
            models.ComAtprotoServerCreateAccount.Data(
                handle=self.handle, email=f"{name}-{tag}@example.test", password=self.password
            )
        )
        self.did = out.did
        anon.request.close()
        self.client = Client(base_url=url + "/xrpc")
        self.client.login(self.handle, self.password, fetch_bsky_profile=False)

    def app_password(self, name: str = "carecast") -> str:
        return self.client.com.atproto.server.create_app_password({"name": name}).password

    def posts(self) -> dict[str, models.AppBskyFeedPost.Record]:
        """rkey → record: every post in the account's repository."""
        out = self.client.com.atproto.repo.list_records({"repo": self.did, "collection": POST, "limit": 100})
        return {r.uri.rsplit("/", 1)[1]: r.value for r in out.records}


@pytest.fixture(autouse=True)
def _our_link_is_allowed(brand):
    """A web address is a Safe Harbor identifier; the organisation allows its own clinic page."""
    brand.organization.phi_allow_list = "https://example.org/flu"
    brand.organization.save(update_fields=["phi_allow_list"])


@pytest.fixture
def clinic(pds):
    person = Person(pds["url"], "clinic")
    yield person
    person.client.request.close()


@pytest.fixture
def proxy(pds):
    """Forwards to the PDS; `faults` scripts what happens to the next createRecord calls:
    "lost" (written, then the connection drops), "dropped" (never forwarded), or an HTTP status."""
    state = {"faults": [], "creates": 0, "calls": []}

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _forward(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            fault = None
            state["calls"].append(self.path.split("?")[0].rsplit("/", 1)[-1])
            if "com.atproto.repo.createRecord" in self.path:
                state["creates"] += 1
                fault = state["faults"].pop(0) if state["faults"] else None
            if fault == "dropped":
                self.close_connection = True
                return
            if isinstance(fault, int):
                payload = b'{"error":"RateLimitExceeded","message":"Rate Limit Exceeded"}'
                self.send_response(fault)
                if fault == 429:
                    reset = int((timezone.now() + timedelta(seconds=600)).timestamp())
                    self.send_header("ratelimit-limit", "5000")
                    self.send_header("ratelimit-remaining", "0")
                    self.send_header("ratelimit-reset", str(reset))
                    self.send_header("ratelimit-policy", "5000;w=3600")
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
                return
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
            answer = httpx.request(self.command, pds["url"] + self.path, headers=headers, content=body)
            if fault == "lost":  # the PDS wrote the post; its answer never reaches carecast
                self.close_connection = True
                return
            self.send_response(answer.status_code)
            for key in ("Content-Type", "ratelimit-reset"):
                if key in answer.headers:
                    self.send_header(key, answer.headers[key])
            self.send_header("Content-Length", str(len(answer.content)))
            self.end_headers()
            self.wfile.write(answer.content)

        do_GET = do_POST = _forward

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", _free_port()), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    state["url"] = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def _connect(people, brand, person, url) -> ChannelAccount:
    return channel_account_create(
        actor=people["admin"],
        brand=brand,
        network="bluesky",
        name="Clinic on Bluesky",
        endpoint=url,
        handle=person.handle,
        secret=person.app_password(),
    )


def _due_item(people, brand, account, text="Flu clinic open Saturday 9-12: https://example.org/flu", **kw):
    return due_item_on(
        account,
        author=people["contributor"],
        reviewer=people["medical_reviewer"],
        brand=brand,
        text=text,
        **kw,
    )


def test_connecting_stores_the_app_password_encrypted(people, brand, pds, clinic):
    account = _connect(people, brand, clinic, pds["url"])
    assert account.external_id == clinic.did and account.status == "connected"
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret, session FROM channels_channelaccount WHERE id = %s", [account.pk])
        secret, session = cursor.fetchone()
    stored = ChannelAccount.objects.get(pk=account.pk)
    assert stored.secret not in secret and clinic.did not in session
    assert AuditEntry.objects.filter(action="channel_account.connect").count() == 1


def test_a_wrong_or_main_password_is_refused_with_what_to_do(people, brand, pds, clinic):
    with pytest.raises(ValidationError, match="app password"):
        channel_account_create(
            actor=people["admin"],
            brand=brand,
            network="bluesky",
            name="x",
            endpoint=pds["url"],
            handle=clinic.handle,
            secret="not-the-password",
        )
    with pytest.raises(ValidationError, match="main password; create an app password"):
        channel_account_create(
            actor=people["admin"],
            brand=brand,
            network="bluesky",
            name="x",
            endpoint=pds["url"],
            handle=clinic.handle,
            secret=clinic.password,
        )
    assert not ChannelAccount.objects.exists()


def test_a_scheduled_item_is_posted_once_with_its_link(people, brand, pds, clinic):
    account = _connect(people, brand, clinic, pds["url"])
    item = _due_item(people, brand, account)
    assert publish_due_jobs() == 2  # the brand page and Bluesky
    assert publish_due_jobs() == 0
    job = PublishJob.objects.get(content_item=item, channel="bluesky")
    [(rkey, record)] = clinic.posts().items()
    assert rkey == record_key(job) and job.status == "published"
    assert job.external_id == f"at://{clinic.did}/{POST}/{rkey}"
    # Bluesky gets the item's Bluesky version: the address as a short link tracked for Bluesky.
    link = TrackedLink.objects.get(item=item, channel="bluesky")
    short = f"{settings.SITE_URL}/l/{link.code}"
    assert link.destination.startswith("https://example.org/flu?utm_source=bluesky&utm_medium=social")
    assert (
        record.text == f"Flu clinic open Saturday 9-12: {short}" == item.variants.get(network="bluesky").text
    )
    [facet] = record.facets
    assert facet.features[0].uri == short
    assert record.text.encode()[facet.index.byte_start : facet.index.byte_end] == short.encode()
    assert ContentItem.objects.get(pk=item.pk).status == "published"
    # the same job sent again (a duplicate task, a replay) finds its record: still one post
    again = BlueskyConnector().publish(job, Payload(text=item.text))
    assert again.external_id == job.external_id and len(clinic.posts()) == 1


def test_an_image_goes_with_its_alt_text(people, brand, pds, clinic):
    from tests.content.test_services import png

    account = _connect(people, brand, clinic, pds["url"])
    item = approved_item(
        author=people["contributor"],
        reviewer=people["medical_reviewer"],
        brand=brand,
        publish_at=timezone.now() + timedelta(hours=1),
        text="Our new vaccination room.",
        image=png(),
        alt_text="A bright room with two chairs and a vaccine fridge",
    )
    publish_target_set(actor=people["contributor"], item=item, accounts=[account])
    make_due(item)
    publish_due_jobs()
    [record] = clinic.posts().values()
    [image] = record.embed.images
    assert image.alt == "A bright room with two chairs and a vaccine fridge"
    blob = clinic.client.com.atproto.sync.get_blob({"did": clinic.did, "cid": image.image.ref.link})
    assert blob.startswith(b"\x89PNG")


def test_an_answer_lost_after_posting_is_read_back_not_posted_again(people, brand, clinic, proxy):
    account = _connect(people, brand, clinic, proxy["url"])
    item = _due_item(people, brand, account)
    proxy["faults"] = ["lost"]
    publish_due_jobs()
    job = PublishJob.objects.get(content_item=item, channel="bluesky")
    assert job.status == "unconfirmed" and "do not know whether it was posted" in job.last_error
    with pytest.raises(InvalidTransition, match="cannot yet tell"):  # the post exists: no retry button
        content_item_retry(actor=people["contributor"], item=item)
    publish_due_jobs()  # the reconciler reads the record back
    job.refresh_from_db()
    assert job.status == "published" and job.external_id.endswith(record_key(job))
    assert len(clinic.posts()) == 1 and proxy["creates"] == 1


def test_a_request_that_never_arrived_is_sent_once_more(people, brand, clinic, proxy):
    account = _connect(people, brand, clinic, proxy["url"])
    item = _due_item(people, brand, account)
    proxy["faults"] = ["dropped"]
    publish_due_jobs()
    assert PublishJob.objects.get(content_item=item, channel="bluesky").status == "unconfirmed"
    publish_due_jobs()  # read back: nothing there, so it goes out again, under the same record key
    publish_due_jobs()
    job = PublishJob.objects.get(content_item=item, channel="bluesky")
    assert job.status == "published" and list(clinic.posts()) == [record_key(job)]


def test_a_rate_limit_waits_until_the_networks_reset_time(people, brand, clinic, proxy):
    account = _connect(people, brand, clinic, proxy["url"])
    item = _due_item(people, brand, account)
    proxy["faults"] = [429]
    publish_due_jobs()
    job = PublishJob.objects.get(content_item=item, channel="bluesky")
    account.refresh_from_db()
    assert job.status == "scheduled" and "rate limit" in job.last_error
    assert 590 <= (account.rate_limited_until - timezone.now()).total_seconds() <= 600
    assert job.scheduled_for >= account.rate_limited_until - timedelta(seconds=1)
    with time_machine.travel(job.scheduled_for + timedelta(seconds=1)):
        publish_due_jobs()
    assert PublishJob.objects.get(pk=job.pk).status == "published" and len(clinic.posts()) == 1


def test_a_server_error_is_an_unknown_outcome_settled_by_reading_back(people, brand, clinic, proxy):
    account = _connect(people, brand, clinic, proxy["url"])
    item = _due_item(people, brand, account)
    proxy["faults"] = [500]
    publish_due_jobs()
    job = PublishJob.objects.get(content_item=item, channel="bluesky")
    assert job.status == "unconfirmed" and "HTTP 500" in job.last_error
    publish_due_jobs()
    publish_due_jobs()
    assert PublishJob.objects.get(pk=job.pk).status == "published" and len(clinic.posts()) == 1


def test_a_session_near_expiry_is_refreshed_and_kept_not_signed_in_again(people, brand, clinic, proxy):
    account = _connect(people, brand, clinic, proxy["url"])
    before = ChannelAccount.objects.get(pk=account.pk).session
    item = _due_item(people, brand, account)
    proxy["calls"].clear()
    with time_machine.travel(timezone.now() + timedelta(hours=3)):  # the access token has expired
        publish_due_jobs()
    assert PublishJob.objects.get(content_item=item, channel="bluesky").status == "published"
    assert "com.atproto.server.refreshSession" in proxy["calls"]
    assert "com.atproto.server.createSession" not in proxy["calls"]
    assert ChannelAccount.objects.get(pk=account.pk).session != before  # the new tokens are kept


def test_a_revoked_app_password_asks_its_owner_to_reconnect(people, brand, pds, clinic):
    account = _connect(people, brand, clinic, pds["url"])
    clinic.client.com.atproto.server.revoke_app_password({"name": "carecast"})
    ChannelAccount.objects.filter(pk=account.pk).update(session="")  # the saved session has expired
    item = _due_item(people, brand, account)
    publish_due_jobs()
    job = PublishJob.objects.get(content_item=item, channel="bluesky")
    account.refresh_from_db()
    assert job.status == "failed" and "Reconnect it in Settings, then retry" in job.last_error
    assert account.status == "needs_reconnect" and clinic.posts() == {}
    channel_account_reconnect(actor=people["admin"], account=account, secret=clinic.app_password("second"))
    content_item_retry(actor=people["contributor"], item=item)
    publish_due_jobs()
    assert PublishJob.objects.get(pk=job.pk).status == "published" and len(clinic.posts()) == 1


def test_a_thread_and_a_reply_to_someone_else(people, brand, pds, clinic):
    account = _connect(people, brand, clinic, pds["url"])
    patient = Person(pds["url"], "patient")
    question = patient.client.send_post("Is the clinic open Saturday?", profile_identify=patient.did)
    patient.client.request.close()
    item = _due_item(people, brand, account, text="Yes, 9 to 12.")
    job = PublishJob.objects.get(content_item=item, channel="bluesky")
    payload = Payload(
        text="Yes, 9 to 12.", thread=("Bring your card.", "No appointment needed."), reply_to=question.uri
    )
    result = BlueskyConnector().publish(job, payload)
    posts = clinic.posts()
    first, second, third = (posts[record_key(job, i)] for i in range(3))
    assert [first.text, second.text, third.text] == [
        "Yes, 9 to 12.",
        "Bring your card.",
        "No appointment needed.",
    ]
    assert first.reply.parent.uri == question.uri and first.reply.root.uri == question.uri
    assert second.reply.parent.uri == result.external_id and second.reply.root.uri == question.uri
    assert third.reply.parent.uri.endswith(record_key(job, 1))
    assert BlueskyConnector().lookup(job, payload) is not None
    BlueskyConnector().publish(job, payload)  # a repeat writes nothing new
    assert len(clinic.posts()) == 3


def test_a_reply_drafted_in_carecast_answers_the_patient_on_bluesky(people, brand, pds, clinic):
    """A reply item, given the question's web link, goes out once as a reply and never on the brand page."""
    from carecast.channels.models import BrandPagePost
    from carecast.compliance import services as review
    from carecast.content import services

    account = _connect(people, brand, clinic, pds["url"])
    patient = Person(pds["url"], "patient")
    question = patient.client.send_post("Is the clinic open Saturday?", profile_identify=patient.did)
    patient.client.request.close()
    rkey = question.uri.rsplit("/", 1)[1]
    item = services.content_item_create(
        actor=people["contributor"],
        brand=brand,
        title="Saturday hours",
        text="Yes, 9 to 12. No appointment needed.",
        kind="reply",
        reply_to=f"https://bsky.app/profile/{patient.handle}/post/{rkey}",
        reply_context="Is the clinic open Saturday?",
    )
    publish_target_set(actor=people["contributor"], item=item, accounts=[account])
    review.content_item_submit(actor=people["contributor"], item=item)
    item = review.content_item_approve(actor=people["medical_reviewer"], item=item, revision=item.revision)
    services.content_item_schedule(
        actor=people["contributor"], item=item, publish_at=timezone.now() + timedelta(hours=1)
    )
    make_due(item)
    publish_due_jobs()
    (post,) = clinic.posts().values()
    assert post.text == "Yes, 9 to 12. No appointment needed."
    assert post.reply.parent.uri == question.uri and post.reply.root.uri == question.uri
    assert ContentItem.objects.get(pk=item.pk).status == "published"
    assert not BrandPagePost.objects.exists()


def test_a_reply_to_a_post_that_is_gone_is_refused_in_plain_words(people, brand, pds, clinic):
    account = _connect(people, brand, clinic, pds["url"])
    item = _due_item(people, brand, account, text="Thanks!")
    job = PublishJob.objects.get(content_item=item, channel="bluesky")
    from carecast.channels.connectors.base import DoNotRetry

    with pytest.raises(DoNotRetry, match="Bluesky refused it"):
        BlueskyConnector().publish(
            job, Payload(text="Thanks!", reply_to=f"at://{clinic.did}/{POST}/3jzfcijpj2z2a")
        )


def test_a_published_post_can_be_taken_down(people, brand, pds, clinic):
    account = _connect(people, brand, clinic, pds["url"])
    item = _due_item(people, brand, account)
    publish_due_jobs()
    job = PublishJob.objects.get(content_item=item, channel="bluesky")
    with pytest.raises(ValidationError):
        publish_job_delete(actor=people["admin"], job=job, reason=" ")
    publish_job_delete(actor=people["admin"], job=job, reason="Patient withdrew consent")
    assert clinic.posts() == {}
    with pytest.raises(BadRequestError):
        clinic.client.com.atproto.repo.get_record(
            {"repo": clinic.did, "collection": POST, "rkey": record_key(job)}
        )
    job.refresh_from_db()
    assert job.removed_at is not None
    assert AuditEntry.objects.get(action="publish_job.delete").reason == "Patient withdrew consent"


def test_metrics_are_not_invented_where_the_pds_has_no_appview(people, brand, pds, clinic):
    account = _connect(people, brand, clinic, pds["url"])
    _due_item(people, brand, account)
    publish_due_jobs()
    assert post_metrics_pull() == 0 and not PostMetric.objects.exists()
