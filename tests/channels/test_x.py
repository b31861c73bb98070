"""X connector, contract-tested: the connector talks real HTTP to a loopback server (tests/recorded_http)
that answers with responses shaped like the X API v2's (fixtures/x/) and checks what X checks: the
bearer token, paths, JSON bodies, known media ids, the post replied to, and duplicate text."""

from __future__ import annotations

import time
from datetime import UTC, datetime

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
from carecast.channels.connectors.x import XConnector, same_text
from carecast.channels.models import AppRateLimit, ChannelAccount
from carecast.channels.services import channel_account_create, publish_due_jobs, publish_jobs_reconcile
from carecast.core.errors import ValidationError
from tests.factories import due_job
from tests.recorded_http import LOST, fixture, serving

TOKEN = "x-user-token"
USER_ID = "1577366474911817729"


def _x(name):
    return fixture("x", name)


class FakeX:
    """What X holds for one account, and the answers it is scripted to give next (per method and path)."""

    def __init__(self):
        self.tweets: dict[str, dict] = {}
        self.media: dict[str, str | None] = {}  # id -> alt text
        self.faults: dict[tuple[str, str], list] = {}
        self.next_id = 1861000000000000000

    def fault(self, method, path, *answers):
        self.faults.setdefault((method, path), []).extend(answers)

    def make_tweet(self, text, media_ids=(), reply_to=None):
        self.next_id += 1
        tid = str(self.next_id)
        shown = text.replace("&", "&amp;")
        for word in text.split():  # X shortens every link to a t.co link
            if word.startswith(("http://", "https://")):
                shown = shown.replace(word, f"https://t.co/{tid[-10:]}")
        if media_ids:  # and shows an image as a link at the end
            shown += f" https://t.co/m{tid[-9:]}"
        self.tweets[tid] = {
            "id": tid,
            "text": shown,
            "sent": text,
            "media_ids": list(media_ids),
            "reply_to": reply_to,
            "created_at": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
            "public_metrics": {
                "retweet_count": 0,
                "reply_count": 0,
                "like_count": 0,
                "quote_count": 0,
                "bookmark_count": 0,
                "impression_count": 0,
            },
        }
        return self.tweets[tid]

    def answer(self, request):
        if request.bearer != TOKEN:
            return 401, _x("error_401.json")
        scripted = self.faults.get((request.method, request.path))
        fault = scripted.pop(0) if scripted else None
        if fault == 429:
            reset = str(int(time.time()) + 120)
            return 429, _x("error_429.json"), {"x-rate-limit-remaining": "0", "x-rate-limit-reset": reset}
        if fault == "app-429":
            reset = str(int(time.time()) + 3 * 3600)
            return (
                429,
                _x("error_429.json"),
                {
                    "x-rate-limit-remaining": "99",
                    "x-rate-limit-reset": str(int(time.time()) + 900),
                    "x-app-limit-24hour-limit": "10000",
                    "x-app-limit-24hour-remaining": "0",
                    "x-app-limit-24hour-reset": reset,
                },
            )
        if fault in (401, 503):
            return fault, _x(f"error_{fault}.json")
        route = (request.method, request.path)
        if route == ("GET", "/2/users/me"):
            return 200, _x("users_me.json")
        if route == ("POST", "/2/media/upload"):
            return self._upload(request)
        if route == ("POST", "/2/media/metadata"):
            return self._metadata(request)
        if route == ("POST", "/2/tweets"):
            return self._post(request, lost=fault == "lost")
        if route == ("GET", f"/2/users/{USER_ID}/tweets"):
            return self._timeline(request)
        if request.path.startswith("/2/tweets/"):
            tid = request.path.rsplit("/", 1)[1]
            if tid not in self.tweets:
                return 404, _x("error_404.json")
            if request.method == "DELETE":
                del self.tweets[tid]
                return 200, _x("deleted.json")
            if request.method == "GET":
                body = _x("tweet_metrics.json")
                tweet = self.tweets[tid]
                body["data"].update(id=tid, text=tweet["text"], edit_history_tweet_ids=[tid])
                body["data"]["public_metrics"] = tweet["public_metrics"]
                if "public_metrics" not in request.query.get("tweet.fields", [""])[0]:
                    del body["data"]["public_metrics"]
                return 200, body
        return 404, {"title": "Not Found Error", "detail": "Sorry, that page does not exist.", "status": 404}

    @staticmethod
    def _invalid(message):
        body = _x("error_400_invalid.json")
        body["errors"][0]["message"] = message
        return 400, body

    def _upload(self, request):
        ctype = request.headers.get("Content-Type", "")
        if not ctype.startswith("multipart/form-data"):
            return self._invalid("media upload must be multipart/form-data")
        if b'name="media"; filename=' not in request.body:
            return self._invalid("The `media` field is required.")
        if b'name="media_category"\r\n\r\ntweet_image\r\n' not in request.body:
            return self._invalid("media_category must be tweet_image for a post's image")
        body = _x("media_upload.json")
        mid = str(1880028106020515840 + len(self.media))
        body["data"].update(id=mid, media_key=f"3_{mid}")
        self.media[mid] = None
        return 200, body

    def _metadata(self, request):
        data = request.json()
        if not isinstance(data, dict) or data.get("id") not in self.media:
            return self._invalid("The `id` field must be an uploaded media id.")
        text = ((data.get("metadata") or {}).get("alt_text") or {}).get("text")
        if not text or len(text) > 1000:
            return self._invalid("alt_text.text must be 1 to 1000 characters.")
        self.media[data["id"]] = text
        body = _x("media_metadata.json")
        body["data"].update(id=data["id"], associated_metadata={"alt_text": {"text": text}})
        return 200, body

    def _post(self, request, *, lost):
        if not request.headers.get("Content-Type", "").startswith("application/json"):
            return self._invalid("Content-Type must be application/json")
        data = request.json()
        if not isinstance(data, dict) or not isinstance(data.get("text"), str) or not data["text"]:
            return self._invalid("The `text` field is required when no media is attached.")
        unknown = set(data) - {"text", "media", "reply", "quote_tweet_id", "poll", "reply_settings"}
        if unknown:
            return self._invalid(f"The query parameters [{', '.join(sorted(unknown))}] are not one of [...]")
        media_ids = (data.get("media") or {}).get("media_ids", [])
        if any(m not in self.media for m in media_ids) or len(media_ids) > 4:
            return self._invalid("Your media IDs are invalid.")
        reply_to = (data.get("reply") or {}).get("in_reply_to_tweet_id")
        if reply_to is not None and reply_to not in self.tweets:
            return self._invalid("The Tweet you are replying to has been deleted or is not visible to you.")
        if any(t["sent"] == data["text"] for t in self.tweets.values()):
            return 403, _x("error_403_duplicate.json")
        tweet = self.make_tweet(data["text"], media_ids, reply_to)
        if lost:  # written; the answer never comes back
            return LOST
        body = _x("tweet_created.json")
        body["data"].update(id=tweet["id"], text=tweet["text"], edit_history_tweet_ids=[tweet["id"]])
        return 201, body

    def _timeline(self, request):
        count = int(request.query.get("max_results", ["10"])[0])
        if not 5 <= count <= 100:
            return self._invalid("The `max_results` query parameter value must be between 5 and 100")
        since = request.query.get("start_time", [""])[0]
        tweets = sorted(self.tweets.values(), key=lambda t: t["id"], reverse=True)
        if since:
            tweets = [t for t in tweets if t["created_at"] >= since.replace("Z", ".000Z")]
        data = []
        for tweet in tweets[:count]:
            shown = {"id": tweet["id"], "text": tweet["text"], "edit_history_tweet_ids": [tweet["id"]]}
            fields = request.query.get("tweet.fields", [""])[0]
            if "created_at" in fields:
                shown["created_at"] = tweet["created_at"]
            if "referenced_tweets" in fields and tweet["reply_to"]:
                shown["referenced_tweets"] = [{"type": "replied_to", "id": tweet["reply_to"]}]
            data.append(shown)
        body = _x("user_tweets.json")
        body["data"] = data
        body["meta"].update(
            result_count=len(data),
            newest_id=data[0]["id"] if data else None,
            oldest_id=data[-1]["id"] if data else None,
        )
        if not data:
            del body["data"]
        return 200, body


@pytest.fixture
def x():
    with serving(FakeX()) as fake:
        yield fake


@pytest.fixture
def account(people, brand, x):
    return channel_account_create(
        actor=people["admin"],
        brand=brand,
        network="x",
        name="Riverside on X",
        endpoint=x.server.url,
        secret=TOKEN,
    )


def _image(name="clinic.png"):
    return default_storage.save(f"content/test/{name}", ContentFile(b"\x89PNG\r\n\x1a\n" + b"0" * 64))


def test_contract_connecting_reads_the_account_and_refuses_a_bad_token(people, brand, x, account):
    assert (account.external_id, account.handle, account.status) == (USER_ID, "RiversideHealth", "connected")
    with pytest.raises(ValidationError, match="X refused the access token"):
        channel_account_create(
            actor=people["admin"], brand=brand, network="x", name="x", endpoint=x.server.url, secret="expired"
        )


def test_contract_a_due_post_goes_out_once(people, brand, x, account):
    job = due_job(people, brand, account)
    publish_due_jobs()
    job.refresh_from_db()
    (tweet,) = x.tweets.values()
    assert tweet["sent"] == "Flu clinic open Saturday 9 to 12."
    assert job.status == "published" and job.external_id == tweet["id"]
    assert job.external_url == f"https://x.com/RiversideHealth/status/{tweet['id']}"
    (post,) = x.server.calls("POST", "/2/tweets")
    assert post.json() == {"text": "Flu clinic open Saturday 9 to 12."}


def test_contract_a_thread_with_an_image_and_its_alt_text(people, brand, x, account):
    job = due_job(people, brand, account)
    result = XConnector().publish(
        job,
        Payload(
            text="Flu clinic open Saturday.",
            thread=("Bring your insurance card.", "No appointment needed."),
            media=(Media(path=_image(), alt_text="The clinic's front door"),),
        ),
    )
    first, second, third = sorted(x.tweets.values(), key=lambda t: t["id"])
    assert first["id"] == result.external_id
    assert (second["reply_to"], third["reply_to"]) == (first["id"], second["id"])
    assert [x.media[m] for m in first["media_ids"]] == ["The clinic's front door"]
    assert second["media_ids"] == [] and third["media_ids"] == []


def test_contract_a_reply_to_a_post_given_by_its_address(people, brand, x, account):
    question = x.make_tweet("Are you open Saturday?")
    job = due_job(people, brand, account, text="Yes, 9 to 12.")
    XConnector().publish(
        job, Payload(text="Yes, 9 to 12.", reply_to=f"https://x.com/someone/status/{question['id']}")
    )
    reply = max(x.tweets.values(), key=lambda t: t["id"])
    assert reply["reply_to"] == question["id"]
    with pytest.raises(DoNotRetry, match="not the address of a post on X"):
        XConnector().publish(job, Payload(text="Yes.", reply_to="https://example.com/post/1"))


def test_contract_what_x_cannot_take_is_refused_before_anything_is_sent(people, brand, x, account):
    job = due_job(people, brand, account)
    with pytest.raises(DoNotRetry, match="part 2 of the thread: X takes 280 weighted at most; this is 281"):
        XConnector().publish(job, Payload(text="Flu clinic.", thread=("a" * 281,)))
    with pytest.raises(DoNotRetry, match="images to X, not videos"):
        XConnector().publish(
            job, Payload(text="Tour", media=(Media(path="v.mp4", alt_text="", kind="video"),))
        )
    assert x.server.requests == [r for r in x.server.requests if r.path == "/2/users/me"]


def test_contract_a_rate_limit_waits_until_the_reset_header(people, brand, x, account):
    job = due_job(people, brand, account)
    x.fault("POST", "/2/tweets", 429)
    with pytest.raises(RetryLater, match="rate limit") as raised:
        XConnector().publish(job, Payload(text="Flu clinic open Saturday."))
    assert 110 < raised.value.retry_after <= 121 and raised.value.scope == "account"
    x.fault("POST", "/2/tweets", 429)
    publish_due_jobs()
    job.refresh_from_db()
    account.refresh_from_db()
    assert job.status == "scheduled" and "rate limit" in job.last_error and not x.tweets
    assert account.rate_limited_until is not None
    assert 100 < (account.rate_limited_until - datetime.now(UTC)).total_seconds() <= 121


def test_contract_the_apps_daily_limit_holds_every_account(people, brand, x, account):
    job = due_job(people, brand, account)
    x.fault("POST", "/2/tweets", "app-429")
    publish_due_jobs()
    job.refresh_from_db()
    limit = AppRateLimit.objects.get(network="x")
    assert job.status == "scheduled" and not x.tweets
    assert 3 * 3600 - 60 < (limit.until - datetime.now(UTC)).total_seconds() <= 3 * 3600 + 1
    assert "daily limit for carecast" in limit.reason


def test_contract_a_revoked_token_fails_the_post_and_asks_for_a_reconnect(people, brand, x, account):
    job = due_job(people, brand, account)
    x.fault("POST", "/2/tweets", 401, 401)
    with pytest.raises(Reconnect, match="X refused the access token"):
        XConnector().publish(job, Payload(text="Flu clinic open Saturday."))
    publish_due_jobs()
    job.refresh_from_db()
    account.refresh_from_db()
    assert job.status == "failed" and "Reconnect it in Settings" in job.last_error
    assert account.status == ChannelAccount.Status.NEEDS_RECONNECT and not x.tweets


def test_contract_x_down_before_the_post_is_sent_is_retried_later(people, brand, x, account):
    job = due_job(people, brand, account)
    x.fault("POST", "/2/media/upload", 503)
    with pytest.raises(RetryLater, match="answered 503"):
        XConnector().publish(job, Payload(text="Flu clinic.", media=(Media(path=_image(), alt_text="Door"),)))
    assert not x.tweets
    x.fault("POST", "/2/tweets", 503)  # the post itself: it may or may not exist, so it is read back
    with pytest.raises(OutcomeUnknown, match="answered 503"):
        XConnector().publish(job, Payload(text="Flu clinic."))


def test_contract_a_refused_text_says_why(people, brand, x, account):
    job = due_job(people, brand, account)
    with pytest.raises(DoNotRetry, match="replying to has been deleted"):
        XConnector().publish(job, Payload(text="Yes.", reply_to="1"))


def test_contract_a_lost_answer_is_read_back_not_posted_twice(people, brand, x, account):
    brand.organization.phi_allow_list = "https://example.org/flu"  # a link the checks let through
    brand.organization.save(update_fields=["phi_allow_list"])
    text = "Flu & COVID shots Saturday: https://example.org/flu"
    job = due_job(people, brand, account, text=text)
    x.fault("POST", "/2/tweets", "lost")
    publish_due_jobs()
    job.refresh_from_db()
    assert job.status == "unconfirmed" and len(x.tweets) == 1
    publish_jobs_reconcile()
    job.refresh_from_db()
    (tweet,) = x.tweets.values()
    assert tweet["text"] != text  # X shows it with its t.co link and &amp;, and it is still found
    assert job.status == "published" and job.external_id == tweet["id"]


def test_contract_a_thread_cut_short_is_finished_without_repeating_a_part(people, brand, x, account):
    job = due_job(people, brand, account)
    payload = Payload(text="Flu clinic open Saturday.", thread=("Bring your card.", "No appointment needed."))
    x.fault("POST", "/2/tweets", None, "lost")  # the second part is written, its answer lost
    with pytest.raises(OutcomeUnknown):
        XConnector().publish(job, payload)
    assert XConnector().lookup(job, payload) is None  # not all of it is there
    result = XConnector().publish(job, payload)  # X says "duplicate" for parts 1 and 2: found, not re-sent
    first, second, third = sorted(x.tweets.values(), key=lambda t: t["id"])
    assert result.external_id == first["id"] and third["reply_to"] == second["id"]
    assert XConnector().lookup(job, payload).external_id == first["id"]


def test_contract_a_duplicate_of_an_old_post_asks_for_new_words(people, brand, x, account):
    old = x.make_tweet("Flu clinic open Saturday.")
    old["created_at"] = "2026-11-01T09:00:00.000Z"
    job = due_job(people, brand, account)
    with pytest.raises(DoNotRetry, match="change the wording"):
        XConnector().publish(job, Payload(text="Flu clinic open Saturday."))
    assert list(x.tweets) == [old["id"]]


def test_contract_delete_and_metrics(people, brand, x, account):
    job = due_job(people, brand, account)
    publish_due_jobs()
    job.refresh_from_db()
    x.tweets[job.external_id]["public_metrics"].update(
        like_count=7, retweet_count=2, reply_count=1, quote_count=3, impression_count=410
    )
    metrics = XConnector().metrics(job)
    assert (metrics.likes, metrics.reposts, metrics.replies, metrics.quotes, metrics.impressions) == (
        7,
        2,
        1,
        3,
        410,
    )
    XConnector().delete(job)
    assert x.tweets == {}
    XConnector().delete(job)  # already gone: nothing to do


def test_the_text_x_shows_back_matches_what_was_sent():
    assert same_text("A & B https://a.example/x", "A &amp; B https://t.co/abc")
    assert same_text("Clinic", "Clinic https://t.co/img")  # an image's link at the end
    assert not same_text("Clinic", "Clinic closed")
