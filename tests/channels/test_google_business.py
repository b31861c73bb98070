"""Google Business Profile connector, contract-tested: httpx talks real HTTP to a loopback server that
answers with responses shaped like the My Business API v4's (tests/channels/fixtures/google_business/)
and checks what Google checks: the bearer token, a location this token manages, a JSON LocalPost with
a summary (1500 characters at most), a language, a known topic type, a LEARN_MORE action with its
URL and photos with a public source URL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from carecast.channels import profiles
from carecast.channels.connectors.base import (
    DoNotRetry,
    Media,
    OutcomeUnknown,
    Payload,
    Reconnect,
    RetryLater,
)
from carecast.channels.connectors.google_business import GoogleBusinessConnector
from carecast.channels.models import AppRateLimit, ChannelAccount, PublishJob
from carecast.channels.services import channel_account_create, publish_due_jobs, publish_jobs_reconcile
from carecast.core.errors import ValidationError
from tests.factories import due_job
from tests.recorded_http import LOST, fixture, serving

TOKEN = "ya29.a0AfB_byGoodToken"
LOCATION = "accounts/108412259301258331872/locations/4912238867251002113"
SITE = "https://carecast.example"


def _error(name, headers=None):
    body = fixture("google_business", f"{name}.json")
    return (body["error"]["code"], body, headers or {})


class FakeLocation:
    """The location's posts as Google keeps them, and scripted faults for the next create."""

    def __init__(self):
        self.posts, self.faults, self.next_id = {}, [], 1452297610283094817

    def make_post(self, body, *, created=None):
        self.next_id += 1
        post = fixture("google_business", "local_post.json") | body
        post["name"] = f"{LOCATION}/localPosts/{self.next_id}"
        post["searchUrl"] = (
            f"https://local.google.com/place?id=9137846502834519061&use=posts&lpsid={self.next_id}"
        )
        stamp = (created or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        post["createTime"] = post["updateTime"] = stamp
        if "callToAction" not in body:
            del post["callToAction"]
        post["media"] = [
            fixture("google_business", "media_item.json") | {"sourceUrl": m["sourceUrl"]}
            for m in body.get("media", [])
        ]
        self.posts[post["name"]] = post
        return post

    def answer(self, request):
        if request.bearer != TOKEN:
            return _error("error_401")
        if not request.path.startswith("/v4/accounts/"):
            return _error("error_404")
        path = request.path.removeprefix("/v4/")
        if not path.startswith(f"{LOCATION}/localPosts"):
            return _error("error_403")  # a location this token does not manage
        if request.method == "GET" and path == f"{LOCATION}/localPosts":
            size = int(request.query.get("pageSize", ["20"])[0])
            assert 1 <= size <= 100
            newest = sorted(self.posts.values(), key=lambda p: p["createTime"], reverse=True)
            return 200, fixture("google_business", "local_posts.json") | {"localPosts": newest[:size]}
        if request.method == "POST" and path == f"{LOCATION}/localPosts":
            return self.create(request)
        if request.method == "GET" and path in self.posts:
            return 200, self.posts[path]
        if request.method == "DELETE":
            if self.posts.pop(path, None) is None:
                return _error("error_404")
            return 200, {}
        return _error("error_404")

    def create(self, request):
        content_type = next((v for k, v in request.headers.items() if k.lower() == "content-type"), "")
        assert content_type.startswith("application/json")
        body = request.json()
        if not body.get("summary") or len(body["summary"]) > 1500 or not body.get("languageCode"):
            return _error("error_400")
        if body.get("topicType") not in ("STANDARD", "EVENT", "OFFER", "ALERT"):
            return _error("error_400")
        action = body.get("callToAction")
        if action and (action.get("actionType") != "LEARN_MORE" or not action.get("url")):
            return _error("error_400")
        for media in body.get("media", []):
            if media.get("mediaFormat") != "PHOTO" or not media.get("sourceUrl", "").startswith(SITE):
                return _error("error_400")
        fault = self.faults.pop(0) if self.faults else None
        if fault == "lost-early":
            return LOST
        if isinstance(fault, tuple):
            return fault
        post = self.make_post(body)
        if fault == "lost":
            return LOST
        return 200, post


@pytest.fixture
def google(settings):
    settings.SITE_URL = SITE
    with serving(FakeLocation()) as fake:
        yield fake


@pytest.fixture
def account(people, brand, google):
    return channel_account_create(
        actor=people["admin"],
        brand=brand,
        network="google_business",
        name="Riverside on Google",
        endpoint=google.url,
        handle=LOCATION,
        secret=TOKEN,
    )


def test_contract_connecting_checks_the_token_and_the_location(people, brand, google, account):
    assert (account.external_id, account.status) == (LOCATION, "connected")
    assert google.server.requests[0].query["pageSize"] == ["1"]
    create = dict(
        actor=people["admin"], brand=brand, network="google_business", name="x", endpoint=google.url
    )
    with pytest.raises(ValidationError, match="refused the access token"):
        channel_account_create(**create, handle=LOCATION, secret="expired")
    with pytest.raises(ValidationError, match="refused access to this location"):
        channel_account_create(**create, handle="accounts/1/locations/2", secret=TOKEN)
    with pytest.raises(ValidationError, match="accounts/<account id>/locations/<location id>"):
        channel_account_create(**create, handle="Riverside Health", secret=TOKEN)


def test_contract_a_due_post_goes_out_once_with_its_photo(people, brand, google, account):
    from tests.content.test_services import png

    job = due_job(people, brand, account, image=png(), alt_text="The clinic's front door")
    publish_due_jobs()
    job.refresh_from_db()
    (post,) = google.posts.values()
    assert job.status == "published" and job.external_id == post["name"]
    assert job.external_url == post["searchUrl"]
    assert (post["summary"], post["languageCode"], post["topicType"]) == (
        "Flu clinic open Saturday 9 to 12.",
        "en-US",
        "STANDARD",
    )
    [photo] = post["media"]
    assert photo["sourceUrl"].startswith(f"{SITE}/media/content/") and "callToAction" not in post


def test_contract_a_link_becomes_a_learn_more_button(people, brand, google, account):
    job = due_job(people, brand, account)
    GoogleBusinessConnector().publish(job, Payload(text="Flu clinic.", link="https://riverside.example/flu"))
    (post,) = google.posts.values()
    assert post["callToAction"] == {"actionType": "LEARN_MORE", "url": "https://riverside.example/flu"}


def test_contract_what_google_cannot_take_is_refused_in_plain_words(people, brand, google, account, settings):
    job = due_job(people, brand, account)
    for payload, words in [
        (Payload(text="a", thread=("b",)), "cannot be a thread"),
        (Payload(text="a", reply_to="https://g.co/x"), "cannot reply"),
        (Payload(text="a", media=(Media(path="x.mp4", alt_text="", kind="video"),)), "cannot post videos"),
        (Payload(text=""), "Summary is required"),  # Google's own words
    ]:
        with pytest.raises(DoNotRetry, match=words):
            GoogleBusinessConnector().publish(job, payload)
    settings.SITE_URL = "http://localhost:8000"
    with pytest.raises(DoNotRetry, match="public address"):
        GoogleBusinessConnector().publish(job, Payload(text="a", media=(Media(path="a.png", alt_text=""),)))
    assert google.posts == {}
    assert profiles.problems("a" * 1501, "google_business") == [
        "Google Business Profile takes 1500 characters at most; this is 1501."
    ]


@pytest.mark.parametrize(
    ("fault", "error", "words", "wait", "scope"),
    [
        (_error("error_401"), Reconnect, "refused the access token", None, None),
        (_error("error_403"), Reconnect, "refused access to this location", None, None),
        (_error("error_429_project"), RetryLater, "limit on carecast", 60, "app"),
        (_error("error_429_project", {"Retry-After": "90"}), RetryLater, "Quota exceeded", 90, "app"),
        (_error("error_429_location"), RetryLater, "Too many edits", 42, "account"),
        (_error("error_503"), RetryLater, "unavailable for now", None, "account"),
        (_error("error_500"), OutcomeUnknown, "answered 500", None, None),
        ("lost", OutcomeUnknown, "never came back", None, None),
    ],
)
def test_contract_each_refusal_says_what_to_do(
    people, brand, google, account, fault, error, words, wait, scope
):
    job = due_job(people, brand, account)
    google.faults.append(fault)
    with pytest.raises(error, match=words) as raised:
        GoogleBusinessConnector().publish(job, Payload(text="Flu clinic open Saturday."))
    if error is RetryLater:
        assert (raised.value.retry_after, raised.value.scope) == (wait, scope)


def test_contract_the_projects_quota_holds_back_every_google_location(people, brand, google, account):
    job = due_job(people, brand, account)
    google.faults.append(_error("error_429_project"))
    publish_due_jobs()
    job.refresh_from_db()
    assert job.status == "scheduled" and "Quota exceeded" in job.last_error
    assert AppRateLimit.objects.filter(network="google_business").exists() and google.posts == {}


def test_contract_a_lost_answer_is_read_back_not_posted_twice(people, brand, google, account):
    job = due_job(people, brand, account)
    google.faults.append("lost")
    publish_due_jobs()
    job.refresh_from_db()
    assert job.status == "unconfirmed" and len(google.posts) == 1
    publish_jobs_reconcile()
    job.refresh_from_db()
    assert (
        job.status == "published" and job.external_id == next(iter(google.posts)) and len(google.posts) == 1
    )


def test_contract_an_answer_lost_before_posting_means_posting_once_after_reading_back(
    people, brand, google, account
):
    old = google.make_post(
        {"summary": "Flu clinic open Saturday 9 to 12.", "languageCode": "en-US", "topicType": "STANDARD"},
        created=datetime.now(UTC) - timedelta(days=7),
    )  # last week's post with the same words is not this job's
    job = due_job(people, brand, account)
    google.faults.append("lost-early")
    publish_due_jobs()
    job.refresh_from_db()
    assert job.status == "unconfirmed"
    publish_jobs_reconcile()
    job.refresh_from_db()
    assert job.status == "scheduled"
    PublishJob.objects.filter(pk=job.pk).update(scheduled_for=datetime.now(UTC) - timedelta(seconds=1))
    publish_due_jobs()
    job.refresh_from_db()
    assert job.status == "published" and len(google.posts) == 2 and job.external_id != old["name"]


def test_contract_a_revoked_token_fails_the_post_and_asks_for_a_reconnect(people, brand, google, account):
    job = due_job(people, brand, account)
    google.faults.append(_error("error_401"))
    publish_due_jobs()
    job.refresh_from_db()
    account.refresh_from_db()
    assert job.status == "failed" and "Reconnect it in Settings" in job.last_error
    assert account.status == ChannelAccount.Status.NEEDS_RECONNECT


def test_contract_delete(people, brand, google, account):
    job = due_job(people, brand, account)
    publish_due_jobs()
    job.refresh_from_db()
    assert GoogleBusinessConnector().supports_metrics is False  # v4 gives no post counts any more
    assert GoogleBusinessConnector().lookup(job).url == google.posts[job.external_id]["searchUrl"]
    GoogleBusinessConnector().delete(job)
    assert google.posts == {} and GoogleBusinessConnector().lookup(job) is None
    GoogleBusinessConnector().delete(job)  # already gone: nothing to do
    assert json.loads(google.server.requests[-1].body or b"null") is None
