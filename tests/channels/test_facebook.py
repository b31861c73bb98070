"""Facebook Page connector, contract-tested: httpx talks real HTTP to a loopback server that answers
with responses shaped like the Graph API v21.0's (tests/channels/fixtures/facebook/) and checks what
the Graph API checks: the version in the path, the Page token, a message or attachment on a post, an
uploaded file on a photo, attached photos that are this Page's unpublished ones."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email.parser import BytesParser
from email.policy import HTTP

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from carecast.channels.connectors.base import (
    DoNotRetry,
    Media,
    OutcomeUnknown,
    Payload,
    Reconnect,
    RetryLater,
)
from carecast.channels.connectors.facebook import FacebookConnector
from carecast.channels.models import AppRateLimit, ChannelAccount, PublishJob
from carecast.channels.services import channel_account_create, publish_due_jobs, publish_jobs_reconcile
from carecast.core.errors import ValidationError
from tests.factories import due_job
from tests.recorded_http import LOST, fixture, serving

TOKEN = "EAAGm0PX4ZCpsBAPageToken"
PAGE = "104857362910475"
USER_TOKEN = "EAAGm0PX4ZCpsBAUserToken"  # what a person's OAuth sign-in gives
PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 64


def _error(name, status=400, headers=None):
    return (status, fixture("facebook", f"{name}.json"), headers or {})


def _header(request, name):
    return next((v for k, v in request.headers.items() if k.lower() == name.lower()), "")


def _fields(request):
    """The call's parameters: a form, or a multipart form (its files apart)."""
    kind = _header(request, "Content-Type")
    if kind.startswith("multipart/form-data"):
        message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {kind}\r\n\r\n".encode() + request.body)
        fields, files = {}, {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            data = part.get_payload(decode=True)
            if part.get_filename():
                files[name] = data
            else:
                fields[name] = data.decode()
        return fields, files
    return {k: v[0] for k, v in request.form().items()}, {}


class FakePage:
    """The Page as the Graph API keeps it: posts, unpublished photos, and scripted faults for the next
    call that creates a post (an HTTP status with a Graph error fixture, "lost" after creating it,
    "lost-early" before)."""

    def __init__(self):
        self.posts, self.unpublished, self.faults, self.next_id = {}, {}, [], 122109283746190017

    def new_id(self):
        self.next_id += 1
        return str(self.next_id)

    def make_post(self, message, *, photos=(), link="", created=None):
        post_id = f"{PAGE}_{self.new_id()}"
        self.posts[post_id] = {
            "id": post_id,
            "message": message,
            "link": link,
            "photos": list(photos),
            "created_time": (created or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%S+0000"),
            "reactions": 0,
            "comments": 0,
            "shares": 0,
            "impressions": 0,
        }
        return post_id

    def answer(self, request):
        if not request.path.startswith("/v21.0/"):
            return _error("error_2500_path")
        path = request.path.removeprefix("/v21.0/")
        if request.bearer == USER_TOKEN and request.method == "GET" and path == "me/accounts":
            assert "access_token" in request.query["fields"][0]
            return 200, fixture("facebook", "me_accounts.json")  # the Pages the signed-in person runs
        if request.bearer != TOKEN:
            return _error("error_190")
        if request.method == "GET":
            return self.read(path, request)
        if request.method == "DELETE":
            if self.posts.pop(path, None) is None:
                return _error("error_100_33")
            return 200, fixture("facebook", "deleted.json")
        if request.method == "POST" and path in (f"{PAGE}/feed", f"{PAGE}/photos"):
            return self.create(path, request)
        return _error("error_2500_path")

    def read(self, path, request):
        fields = request.query.get("fields", [""])[0]
        if path == "me":
            assert fields == "id,name"
            return 200, fixture("facebook", "me.json")
        if path == f"{PAGE}/published_posts":
            assert "message" in fields and "created_time" in fields
            since = int(request.query.get("since", ["0"])[0])
            listing = fixture("facebook", "published_posts.json")
            listing["data"] = [
                {k: p[k] for k in ("id", "message", "created_time")}
                | {"permalink_url": f"https://www.facebook.com/{PAGE}/posts/{p['id'].split('_')[1]}"}
                for p in sorted(self.posts.values(), key=lambda p: p["id"], reverse=True)
                if datetime.strptime(p["created_time"], "%Y-%m-%dT%H:%M:%S%z").timestamp() >= since
            ]
            return 200, listing
        post_id, _, edge = path.partition("/")
        post = self.posts.get(post_id)
        if post is None:
            return _error("error_100_33")
        if edge == "insights":
            assert request.query["metric"] == ["post_impressions"]
            insights = fixture("facebook", "insights.json")
            insights["data"][0]["values"][0]["value"] = post["impressions"]
            return 200, insights
        if fields == "id,permalink_url":
            return 200, {
                "id": post_id,
                "permalink_url": f"https://www.facebook.com/{PAGE}/posts/{post_id[16:]}",
            }
        assert "reactions.summary(true)" in fields and "comments.summary(true)" in fields
        counts = fixture("facebook", "post_counts.json") | {"id": post_id}
        counts["reactions"]["summary"]["total_count"] = post["reactions"]
        counts["comments"]["summary"]["total_count"] = post["comments"]
        if post["shares"]:  # Graph leaves `shares` out while there are none
            counts["shares"] = {"count": post["shares"]}
        return 200, counts

    def create(self, path, request):
        fields, files = _fields(request)
        if path.endswith("/photos"):
            if "source" not in files and "url" not in fields:
                return _error("error_324_upload")
            photo = {"alt_text_custom": fields.get("alt_text_custom", ""), "bytes": files.get("source")}
            if fields.get("published") == "false":
                photo_id = self.new_id()
                self.unpublished[photo_id] = photo
                return 200, {"id": photo_id}
            caption = fields.get("caption", "")
            return self.faulty(caption, lambda: self.make_post(caption, photos=[photo]), photo=True)
        attached = []
        for key in sorted(k for k in fields if k.startswith("attached_media[")):
            fbid = json.loads(fields[key]).get("media_fbid")
            if fbid not in self.unpublished:
                return _error("error_100_attached")
            attached.append(self.unpublished[fbid])
        if not (fields.get("message") or fields.get("link") or attached):
            return _error("error_100_missing")
        message = fields.get("message", "")
        return self.faulty(
            message, lambda: self.make_post(message, photos=attached, link=fields.get("link", ""))
        )

    def faulty(self, message, make, *, photo=False):
        """Make the post, unless a fault is scripted, or the Page's newest post, made in the last
        hour, has the same words (Facebook refuses those as duplicates)."""
        fault = self.faults.pop(0) if self.faults else None
        newest = max(self.posts.values(), key=lambda p: p["id"], default=None)
        if newest and newest["message"] == message and message:
            made = datetime.strptime(newest["created_time"], "%Y-%m-%dT%H:%M:%S%z")
            if datetime.now(UTC) - made < timedelta(hours=1):
                return _error("error_506")
        if fault == "lost-early":
            return LOST
        if isinstance(fault, tuple):
            return fault
        post_id = make()
        if fault == "lost":
            return LOST
        if photo:
            return 200, fixture("facebook", "photo.json") | {"id": self.new_id(), "post_id": post_id}
        return 200, fixture("facebook", "feed_post.json") | {"id": post_id}


@pytest.fixture
def page():
    with serving(FakePage()) as fake:
        yield fake


@pytest.fixture
def account(people, brand, page):
    return channel_account_create(
        actor=people["admin"],
        brand=brand,
        network="facebook",
        name="Riverside on Facebook",
        endpoint=page.url,
        secret=TOKEN,
    )


def test_contract_connecting_checks_the_token_and_keeps_the_page_id(people, brand, page, account):
    assert (account.external_id, account.handle, account.status) == (PAGE, "Riverside Health", "connected")
    assert page.server.calls("GET", "/v21.0/me")[0].bearer == TOKEN
    with pytest.raises(ValidationError, match="Facebook refused the access token"):
        channel_account_create(
            actor=people["admin"], brand=brand, network="facebook", name="x", endpoint=page.url, secret="bad"
        )


def test_contract_a_persons_sign_in_posts_as_the_page_they_chose(people, brand, page):
    with pytest.raises(
        ValidationError, match=r"Riverside Foundation, Riverside Health\. Give the Page's name"
    ):
        channel_account_create(
            actor=people["admin"],
            brand=brand,
            network="facebook",
            name="x",
            endpoint=page.url,
            secret=USER_TOKEN,
        )
    account = channel_account_create(
        actor=people["admin"],
        brand=brand,
        network="facebook",
        name="Riverside",
        endpoint=page.url,
        secret=USER_TOKEN,
        handle="riverside health",
    )
    assert (account.external_id, account.handle, account.session) == (PAGE, "Riverside Health", TOKEN)
    job = due_job(people, brand, account)
    publish_due_jobs()
    job.refresh_from_db()
    assert job.status == "published" and len(page.posts) == 1  # sent with the Page's own token


def test_contract_a_due_post_goes_out_once(people, brand, page, account):
    job = due_job(people, brand, account)
    publish_due_jobs()
    job.refresh_from_db()
    (post,) = page.posts.values()
    assert job.status == "published" and job.external_id == post["id"]
    assert job.external_url == f"https://www.facebook.com/{post['id']}"
    assert post["message"] == "Flu clinic open Saturday 9 to 12."


def test_contract_a_link_goes_with_the_post(people, brand, page, account):
    job = due_job(people, brand, account)
    link = "https://riverside.example/flu"
    FacebookConnector().publish(job, Payload(text="Flu clinic open Saturday.", link=link))
    (post,) = page.posts.values()
    assert (post["message"], post["link"]) == ("Flu clinic open Saturday.", link)


def test_contract_a_photo_goes_with_its_alt_text(people, brand, page, account):
    from tests.content.test_services import png

    job = due_job(
        people, brand, account, text="Our new vaccination room.", image=png(), alt_text="Two chairs"
    )
    publish_due_jobs()
    job.refresh_from_db()
    (post,) = page.posts.values()
    assert job.status == "published" and job.external_id == post["id"]
    assert post["message"] == "Our new vaccination room."
    [photo] = post["photos"]
    assert photo["alt_text_custom"] == "Two chairs" and photo["bytes"].startswith(b"\x89PNG")


def test_contract_several_photos_are_one_post(people, brand, page, account):
    job = due_job(people, brand, account)
    paths = [default_storage.save(f"content/test/room{i}.png", ContentFile(PNG)) for i in range(3)]
    result = FacebookConnector().publish(
        job,
        Payload(
            text="Our new wing.",
            media=tuple(Media(path=p, alt_text=f"Room {i}") for i, p in enumerate(paths)),
        ),
    )
    (post,) = page.posts.values()
    assert result.external_id == post["id"] and post["message"] == "Our new wing."
    assert [p["alt_text_custom"] for p in post["photos"]] == ["Room 0", "Room 1", "Room 2"]
    assert len(page.server.calls("POST", f"/v21.0/{PAGE}/feed")) == 1


APP_USAGE = {"X-App-Usage": json.dumps({"call_count": 100, "total_cputime": 31, "total_time": 42})}
APP_USAGE_WITH_WAIT = {
    "X-App-Usage": json.dumps(
        {"call_count": 100, "total_cputime": 31, "total_time": 42, "estimated_time_to_regain_access": 3}
    )
}
PAGE_USAGE = {
    "X-Business-Use-Case-Usage": json.dumps(
        {
            PAGE: [
                {
                    "type": "pages",
                    "call_count": 100,
                    "total_cputime": 9,
                    "total_time": 11,
                    "estimated_time_to_regain_access": 7,
                }
            ]
        }
    )
}


@pytest.mark.parametrize(
    ("fault", "error", "words"),
    [
        (_error("error_190"), Reconnect, "Facebook refused the access token"),
        (_error("error_190", 401), Reconnect, "session has been invalidated"),
        (_error("error_200", 403), Reconnect, "lacks a permission"),
        (_error("error_4", 400, APP_USAGE), RetryLater, "limit on carecast's calls"),
        (_error("error_4", 400, APP_USAGE_WITH_WAIT), RetryLater, "Application request limit"),
        (_error("error_32", 400, PAGE_USAGE), RetryLater, "Page request limit reached"),
        (_error("error_32", 429, PAGE_USAGE), RetryLater, "rate limit"),
        (_error("error_2_unavailable", 503), RetryLater, "unavailable for now"),
        (_error("error_1_unknown", 500), OutcomeUnknown, "answered 500"),
        ("lost", OutcomeUnknown, "never came back"),
    ],
)
def test_contract_each_refusal_says_what_to_do(people, brand, page, account, fault, error, words):
    job = due_job(people, brand, account)
    page.faults.append(fault)
    with pytest.raises(error, match=words) as raised:
        FacebookConnector().publish(job, Payload(text="Flu clinic open Saturday."))
    if error is RetryLater and fault[2]:  # a rate limit: whose, and for how long
        headers = fault[2]
        assert raised.value.scope == ("app" if "X-App-Usage" in headers else "account")
        waits = {id(PAGE_USAGE): 420, id(APP_USAGE_WITH_WAIT): 180}
        assert raised.value.retry_after == waits.get(id(headers), 300)


def test_contract_what_facebook_cannot_take_is_refused_in_plain_words(people, brand, page, account):
    job = due_job(people, brand, account)
    for payload, words in [
        (Payload(text="a", media=(Media(path="x.mp4", alt_text="", kind="video"),)), "cannot post videos"),
        (Payload(text="a", thread=("b",)), "cannot be a thread"),
        (Payload(text=""), "Missing message or attachment"),  # Facebook's own words
    ]:
        with pytest.raises(DoNotRetry, match=words):
            FacebookConnector().publish(job, payload)
    assert page.posts == {}


def test_contract_the_apps_limit_holds_back_every_facebook_account(people, brand, page, account):
    job = due_job(people, brand, account)
    page.faults.append(_error("error_4", 400, APP_USAGE))
    publish_due_jobs()
    job.refresh_from_db()
    assert job.status == "scheduled" and "limit on carecast's calls" in job.last_error
    limit = AppRateLimit.objects.get(network="facebook")
    assert 290 < (limit.until - datetime.now(UTC)).total_seconds() <= 300
    assert page.posts == {}


def test_contract_a_lost_answer_is_read_back_not_posted_twice(people, brand, page, account):
    job = due_job(people, brand, account)
    page.faults.append("lost")
    publish_due_jobs()
    job.refresh_from_db()
    assert job.status == "unconfirmed" and "never came back" in job.last_error and len(page.posts) == 1
    publish_jobs_reconcile()
    job.refresh_from_db()
    assert job.status == "published" and len(page.posts) == 1
    assert job.external_id == next(iter(page.posts))


def test_contract_an_answer_lost_before_posting_means_posting_once_after_reading_back(
    people, brand, page, account
):
    # The same words went out a week ago (a repeated post): that one is not this job's.
    old = page.make_post("Flu clinic open Saturday 9 to 12.", created=datetime.now(UTC) - timedelta(days=7))
    job = due_job(people, brand, account)
    page.faults.append("lost-early")
    publish_due_jobs()
    job.refresh_from_db()
    assert job.status == "unconfirmed" and list(page.posts) == [old]
    publish_jobs_reconcile()
    job.refresh_from_db()
    assert job.status == "scheduled" and "no such post" in job.last_error
    PublishJob.objects.filter(pk=job.pk).update(scheduled_for=job.scheduled_for - timedelta(seconds=1))
    publish_due_jobs()
    job.refresh_from_db()
    assert job.status == "published" and len(page.posts) == 2 and job.external_id != old


def test_contract_a_repeat_facebook_refuses_as_a_duplicate_is_found_not_posted(people, brand, page, account):
    job = due_job(people, brand, account)
    first = FacebookConnector().publish(job, Payload(text="Flu clinic open Saturday."))
    # The answer to the first call was never recorded, and the job is sent again.
    again = FacebookConnector().publish(job, Payload(text="Flu clinic open Saturday."))
    assert again.external_id == first.external_id and len(page.posts) == 1
    # Someone posted the same words by hand 20 minutes before this job was due: not this job's post.
    page.posts.clear()
    page.make_post("Flu clinic open Saturday.", created=datetime.now(UTC) - timedelta(minutes=20))
    with pytest.raises(DoNotRetry, match="repeat of a post just made"):
        FacebookConnector().publish(job, Payload(text="Flu clinic open Saturday."))
    assert len(page.posts) == 1


def test_contract_a_revoked_token_fails_the_post_and_asks_for_a_reconnect(people, brand, page, account):
    job = due_job(people, brand, account)
    page.faults.append(_error("error_190"))
    publish_due_jobs()
    job.refresh_from_db()
    account.refresh_from_db()
    assert job.status == "failed" and "Reconnect it in Settings" in job.last_error
    assert account.status == ChannelAccount.Status.NEEDS_RECONNECT


def test_contract_delete_and_metrics(people, brand, page, account):
    job = due_job(people, brand, account)
    publish_due_jobs()
    job.refresh_from_db()
    page.posts[job.external_id].update(reactions=12, comments=3, shares=2, impressions=1480)
    metrics = FacebookConnector().metrics(job)
    assert (metrics.likes, metrics.replies, metrics.reposts, metrics.impressions) == (12, 3, 2, 1480)
    page.posts[job.external_id]["shares"] = 0
    assert FacebookConnector().metrics(job).reposts == 0
    assert FacebookConnector().lookup(job).external_id == job.external_id
    FacebookConnector().delete(job)
    assert page.posts == {} and FacebookConnector().lookup(job) is None
    FacebookConnector().delete(job)  # already gone: nothing to do
    assert [r.method for r in page.server.requests[-3:]] == ["DELETE", "GET", "DELETE"]
