"""Instagram connector, contract-tested: httpx talks real HTTP to a loopback server that answers with
responses shaped like the Graph API v21.0 content publishing flow's (tests/channels/fixtures/
instagram/) and checks what Instagram checks: the token, an `image_url` it can fetch (a JPEG; it
"fetches" it from the site's storage), carousel children that are this account's carousel items,
and a container that is ready and published only once."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from carecast.channels.connectors import instagram
from carecast.channels.connectors.base import (
    DoNotRetry,
    Media,
    OutcomeUnknown,
    Payload,
    Reconnect,
    RetryLater,
)
from carecast.channels.connectors.instagram import InstagramConnector
from carecast.channels.models import ChannelAccount, PublishJob
from carecast.channels.services import channel_account_create, publish_due_jobs, publish_jobs_reconcile
from carecast.core.errors import ValidationError
from tests.factories import due_job
from tests.recorded_http import LOST, fixture, serving

TOKEN = "EAAGm0PX4ZCpsBAPageToken"
IG_USER = "17841405309211844"
SITE = "https://carecast.example"


def _error(name, status=400, headers=None):
    return (status, fixture("instagram", f"{name}.json"), headers or {})


class FakeInstagram:
    """The account as Instagram keeps it: containers (each seen IN_PROGRESS `processing` times before
    it is FINISHED), published media, and scripted faults for the next media_publish."""

    def __init__(self):
        self.containers, self.media, self.faults = {}, {}, []
        self.linked, self.processing, self.status_lags = True, 1, False
        self.next_id = 17889615691921648

    def new_id(self):
        self.next_id += 1
        return str(self.next_id)

    def answer(self, request):
        if not request.path.startswith("/v21.0/"):
            return _error("error_2500_path")
        if request.bearer != TOKEN:
            return _error("error_190")
        path = request.path.removeprefix("/v21.0/")
        query = {k: v[0] for k, v in request.query.items()}
        if request.method == "GET" and path == "me":
            assert "instagram_business_account{id,username}" in query["fields"]
            return 200, fixture("instagram", "me.json" if self.linked else "me_unlinked.json")
        if request.method == "POST" and path == f"{IG_USER}/media":
            return self.create({k: v[0] for k, v in request.form().items()})
        if request.method == "POST" and path == f"{IG_USER}/media_publish":
            return self.publish(request.form().get("creation_id", [""])[0])
        if request.method == "GET" and path == f"{IG_USER}/media":
            assert {"id", "caption", "timestamp"} <= set(query["fields"].split(","))
            listing = fixture("instagram", "media_list.json")
            listing["data"] = [
                {k: m[k] for k in ("id", "caption", "permalink", "timestamp")}
                for m in sorted(self.media.values(), key=lambda m: m["id"], reverse=True)
            ]
            return 200, listing
        if request.method == "DELETE":
            if self.media.pop(path, None) is None:
                return _error("error_100_33")
            return 200, fixture("instagram", "deleted.json")
        if request.method == "GET":
            return self.read(path, query)
        return _error("error_2500_path")

    def fetch(self, url):
        """What Instagram does with `image_url`: fetch it (here: from the site's storage); JPEG only."""
        address = urlsplit(url)
        if f"{address.scheme}://{address.netloc}" != SITE or not address.path.startswith("/media/"):
            return None
        name = address.path.removeprefix("/media/")
        if not default_storage.exists(name):
            return None
        with default_storage.open(name, "rb") as handle:
            data = handle.read()
        return data if data.startswith(b"\xff\xd8\xff") else None

    def create(self, form):
        container = {
            "caption": form.get("caption", ""),
            "alt_text": form.get("alt_text", ""),
            "item": form.get("is_carousel_item") == "true",
            "children": [],
            "looks": 0,
            "status": "IN_PROGRESS",
        }
        if form.get("media_type") == "CAROUSEL":
            children = form.get("children", "").split(",")
            if not 2 <= len(children) <= 10 or any(
                not self.containers.get(c, {}).get("item") for c in children
            ):
                return _error("error_100_children")
            container["children"] = [self.containers[c] for c in children]
        elif not form.get("image_url"):
            return _error("error_100_image_url")
        else:
            container["image"] = self.fetch(form["image_url"])
            container["image_url"] = form["image_url"]
        container_id = self.new_id()
        self.containers[container_id] = container
        return 200, fixture("instagram", "container.json") | {"id": container_id}

    def state(self, container):
        if container["status"] == "IN_PROGRESS":
            container["looks"] += 1
            if container["looks"] > self.processing:
                parts = container["children"] or [container]
                container["status"] = "FINISHED" if all(p.get("image") for p in parts) else "ERROR"
        return container["status"]

    def read(self, path, query):
        object_id, _, edge = path.partition("/")
        if object_id in self.containers:
            assert query["fields"] == "status_code,status"
            container = self.containers[object_id]
            status = self.state(container)
            if status == "PUBLISHED" and self.status_lags:
                self.status_lags, status = False, "FINISHED"
            words = {
                "ERROR": "Error: Media download has failed. The media URI doesn't meet our requirements.",
                "FINISHED": "Finished: Media has been uploaded and it is ready to be published.",
                "IN_PROGRESS": "In Progress: Media is still being processed.",
                "PUBLISHED": "Published: Media has been published.",
            }[status]
            return 200, fixture("instagram", "container_status.json") | {
                "id": object_id,
                "status_code": status,
                "status": words,
            }
        media = self.media.get(object_id)
        if media is None:
            return _error("error_100_33")
        if edge == "insights":
            assert query["metric"] == "likes,comments,shares,views"
            insights = fixture("instagram", "insights.json")
            for row in insights["data"]:
                row["values"][0]["value"] = media["counts"][row["name"]]
            return 200, insights
        assert query["fields"] == "permalink"
        return 200, fixture("instagram", "permalink.json") | {
            "id": object_id,
            "permalink": media["permalink"],
        }

    def publish(self, creation_id):
        container = self.containers.get(creation_id)
        if container is None:
            return _error("error_100_33")
        if container["status"] == "PUBLISHED":
            return _error("error_already_published")
        if container["status"] != "FINISHED":
            return _error("error_9007_not_ready")
        fault = self.faults.pop(0) if self.faults else None
        if fault == "lost-early":
            return LOST
        if isinstance(fault, tuple):
            return fault
        media_id = self.new_id()
        container["status"] = "PUBLISHED"
        self.media[media_id] = {
            "id": media_id,
            "caption": container["caption"],
            "alt_texts": [c["alt_text"] for c in container["children"] or [container]],
            "permalink": f"https://www.instagram.com/p/C{media_id[-8:]}/",
            "timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000"),
            "counts": {"likes": 0, "comments": 0, "shares": 0, "views": 0},
        }
        if fault == "lost":
            return LOST
        return 200, fixture("instagram", "published.json") | {"id": media_id}


@pytest.fixture
def ig(settings, monkeypatch):
    settings.SITE_URL = SITE
    monkeypatch.setattr(instagram, "POLL_EVERY", 0)
    with serving(FakeInstagram()) as fake:
        yield fake


@pytest.fixture
def account(people, brand, ig):
    return channel_account_create(
        actor=people["admin"],
        brand=brand,
        network="instagram",
        name="Riverside on Instagram",
        endpoint=ig.url,
        secret=TOKEN,
    )


def _due_job(people, brand, account, text="Flu clinic open Saturday 9 to 12.", **kw):
    from tests.content.test_services import png

    if "image" not in kw:
        kw.update(image=png(), alt_text="The clinic's front door")
    return due_job(people, brand, account, text, **kw)


def _payload(job, text="Flu clinic open Saturday 9 to 12."):
    item = job.content_item
    return Payload(text=text, media=(Media(path=item.image.name, alt_text=item.alt_text),))


def test_contract_connecting_finds_the_pages_instagram_account(people, brand, ig, account):
    assert (account.external_id, account.handle, account.status) == (IG_USER, "riversidehealth", "connected")
    ig.linked = False
    with pytest.raises(ValidationError, match="has no Instagram business account linked"):
        channel_account_create(
            actor=people["admin"], brand=brand, network="instagram", name="x", endpoint=ig.url, secret=TOKEN
        )
    with pytest.raises(ValidationError, match="Instagram refused the access token"):
        channel_account_create(
            actor=people["admin"], brand=brand, network="instagram", name="x", endpoint=ig.url, secret="bad"
        )


def test_contract_a_due_post_goes_out_once_with_its_image_and_alt_text(people, brand, ig, account):
    job = _due_job(people, brand, account)
    publish_due_jobs()
    job.refresh_from_db()
    (media,) = ig.media.values()
    assert job.status == "published" and job.external_id == media["id"]
    assert job.external_url == media["permalink"]
    assert media["caption"] == "Flu clinic open Saturday 9 to 12."
    assert media["alt_texts"] == ["The clinic's front door"]
    (container,) = ig.containers.values()
    assert container["image_url"].startswith(f"{SITE}/media/instagram/content/")  # a JPEG copy of the PNG
    assert container["looks"] == 2  # looked again while Instagram was processing it


def test_contract_a_post_without_an_image_is_refused_in_plain_words(people, brand, ig, account):
    job = _due_job(people, brand, account, image=None)
    publish_due_jobs()
    job.refresh_from_db()
    assert job.status == "failed" and "Instagram posts need an image" in job.last_error
    assert ig.server.requests == [] or all(
        r.path in ("/v21.0/me", "/v21.0/me/accounts") for r in ig.server.requests
    )  # connecting only


def test_contract_a_carousel_keeps_each_images_alt_text(people, brand, ig, account):
    job = _due_job(people, brand, account)
    paths = [job.content_item.image.name] * 3
    media = tuple(Media(path=p, alt_text=f"Room {i}") for i, p in enumerate(paths))
    result = InstagramConnector().publish(job, Payload(text="Our new wing.", media=media))
    (post,) = ig.media.values()
    assert result.external_id == post["id"] and post["caption"] == "Our new wing."
    assert post["alt_texts"] == ["Room 0", "Room 1", "Room 2"]


def test_contract_an_image_instagram_cannot_use_is_refused_with_its_words(
    people, brand, ig, account, settings
):
    job = _due_job(people, brand, account)
    path = default_storage.save("content/test/broken.jpg", ContentFile(b"not a jpeg"))
    with pytest.raises(DoNotRetry, match="Media download has failed"):
        InstagramConnector().publish(job, Payload(text="a", media=(Media(path=path, alt_text=""),)))
    settings.SITE_URL = "http://127.0.0.1:8000"
    job = _due_job(people, brand, account)
    with pytest.raises(DoNotRetry, match="public address"):
        InstagramConnector().publish(job, _payload(job))
    assert ig.media == {}


BUC = {
    "X-Business-Use-Case-Usage": json.dumps(
        {
            "104857362910475": [
                {
                    "type": "instagram",
                    "call_count": 100,
                    "total_cputime": 4,
                    "total_time": 6,
                    "estimated_time_to_regain_access": 7,
                }
            ]
        }
    )
}


@pytest.mark.parametrize(
    ("fault", "error", "words", "wait", "scope"),
    [
        (_error("error_190"), Reconnect, "Instagram refused the access token", None, None),
        (_error("error_80002", 400, BUC), RetryLater, "too many calls", 420, "account"),
        (
            _error("error_4", 400, {"X-App-Usage": '{"call_count":100}'}),
            RetryLater,
            "carecast's calls",
            300,
            "app",
        ),
        (_error("error_publish_limit"), RetryLater, "limit of posts a day", 3600, "account"),
        (_error("error_2_unavailable", 503), RetryLater, "unavailable for now", None, "account"),
        (_error("error_1_unknown", 500), OutcomeUnknown, "answered 500", None, None),
        ("lost", OutcomeUnknown, "never came back", None, None),
    ],
)
def test_contract_each_refusal_says_what_to_do(people, brand, ig, account, fault, error, words, wait, scope):
    job = _due_job(people, brand, account)
    ig.faults.append(fault)
    with pytest.raises(error, match=words) as raised:
        InstagramConnector().publish(job, _payload(job))
    if error is RetryLater:
        assert (raised.value.retry_after, raised.value.scope) == (wait, scope)


def test_contract_a_retry_publishes_the_same_container(people, brand, ig, account):
    job = _due_job(people, brand, account)
    ig.faults.append(_error("error_publish_limit"))
    publish_due_jobs()
    job.refresh_from_db()
    assert (
        job.status == "scheduled"
        and job.network_state.startswith("container:")
        and not job.external_id
        and ig.media == {}
    )
    account.refresh_from_db()
    ChannelAccount.objects.filter(pk=account.pk).update(rate_limited_until=None)
    PublishJob.objects.filter(pk=job.pk).update(scheduled_for=datetime.now(UTC) - timedelta(seconds=1))
    publish_due_jobs()
    job.refresh_from_db()
    assert job.status == "published" and len(ig.media) == 1 and len(ig.containers) == 1


def test_contract_a_lost_answer_is_read_back_not_posted_twice(people, brand, ig, account):
    job = _due_job(people, brand, account)
    ig.faults.append("lost")
    publish_due_jobs()
    job.refresh_from_db()
    assert job.status == "unconfirmed" and len(ig.media) == 1
    publish_jobs_reconcile()
    job.refresh_from_db()
    assert job.status == "published" and job.external_id == next(iter(ig.media)) and len(ig.media) == 1


def test_contract_an_answer_lost_before_publishing_publishes_the_same_container(people, brand, ig, account):
    job = _due_job(people, brand, account)
    ig.faults.append("lost-early")
    publish_due_jobs()
    job.refresh_from_db()
    assert job.status == "unconfirmed" and ig.media == {}
    publish_jobs_reconcile()  # the container says it is not published: safe to publish it
    job.refresh_from_db()
    assert job.status == "scheduled"
    PublishJob.objects.filter(pk=job.pk).update(scheduled_for=datetime.now(UTC) - timedelta(seconds=1))
    publish_due_jobs()
    job.refresh_from_db()
    assert job.status == "published" and len(ig.media) == 1 and len(ig.containers) == 1


def test_contract_publishing_a_published_container_again_finds_the_post(people, brand, ig, account):
    job = _due_job(people, brand, account)
    first = InstagramConnector().publish(job, _payload(job))  # its result was never recorded
    again = InstagramConnector().publish(job, _payload(job))
    ig.status_lags = True  # Instagram still says FINISHED: its media_publish refuses, then says PUBLISHED
    third = InstagramConnector().publish(job, _payload(job))
    assert first == again == third and len(ig.media) == 1
    assert len(ig.server.calls("POST", f"/v21.0/{IG_USER}/media_publish")) == 2


def test_contract_delete_and_metrics(people, brand, ig, account):
    job = _due_job(people, brand, account)
    publish_due_jobs()
    job.refresh_from_db()
    ig.media[job.external_id]["counts"] = {"likes": 31, "comments": 4, "shares": 2, "views": 950}
    metrics = InstagramConnector().metrics(job)
    assert (metrics.likes, metrics.replies, metrics.reposts, metrics.impressions) == (31, 4, 2, 950)
    assert InstagramConnector().lookup(job).url == ig.media[job.external_id]["permalink"]
    InstagramConnector().delete(job)
    assert ig.media == {} and InstagramConnector().lookup(job) is None
    InstagramConnector().delete(job)  # already gone: nothing to do


def test_instagram_limits_are_checked_before_sending():
    from carecast.channels import profiles

    tags = " ".join(f"#flu{i}" for i in range(31))
    assert profiles.problems(tags, "instagram", images=1) == [
        "Instagram takes 30 hashtags at most; this has 31."
    ]
    assert not profiles.problems(tags.rsplit(" ", 1)[0] + " and a#b", "instagram", images=10)
    assert profiles.problems("a" * 2201, "instagram") == [
        "Instagram takes 2200 characters at most; this is 2201."
    ]


def test_contract_an_image_still_processing_waits_and_keeps_its_container(people, brand, ig, account):
    job = _due_job(people, brand, account)
    ig.processing = 100  # Instagram takes its time with this one
    publish_due_jobs()
    job.refresh_from_db()
    account.refresh_from_db()
    assert job.status == "scheduled" and "still processing" in job.last_error
    assert account.rate_limited_until is None  # the account's other posts need not wait
    ig.processing = 0
    PublishJob.objects.filter(pk=job.pk).update(scheduled_for=datetime.now(UTC) - timedelta(seconds=1))
    publish_due_jobs()
    job.refresh_from_db()
    assert job.status == "published" and len(ig.containers) == 1 and len(ig.media) == 1


def test_contract_an_edited_post_gets_a_new_container(people, brand, ig, account):
    job = _due_job(people, brand, account)
    ig.faults.append(_error("error_2_unavailable", 503))
    with pytest.raises(RetryLater):
        InstagramConnector().publish(job, _payload(job))
    InstagramConnector().publish(job, _payload(job, text="Flu clinic open Saturday 9 to 1."))
    (media,) = ig.media.values()
    assert media["caption"] == "Flu clinic open Saturday 9 to 1." and len(ig.containers) == 2
