"""LinkedIn Page connector, contract-tested: the connector talks real HTTP to a loopback server
(tests/recorded_http) answering with responses shaped like LinkedIn's versioned REST API
(fixtures/linkedin/), which checks what LinkedIn checks: the version headers, the bearer token, the
post's required fields, the author being a Page the member administers, uploaded images, duplicates."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

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
from carecast.channels.connectors.linkedin import LinkedInConnector, commentary, plain
from carecast.channels.models import AppRateLimit, ChannelAccount
from carecast.channels.services import channel_account_create, publish_due_jobs, publish_jobs_reconcile
from carecast.core.errors import ValidationError
from tests.factories import due_job
from tests.recorded_http import LOST, fixture, serving

TOKEN = "li-member-token"
ORG = "urn:li:organization:2414183"
REQUIRED = {"author", "commentary", "visibility", "distribution", "lifecycleState"}
ALLOWED = REQUIRED | {
    "content",
    "isReshareDisabledByAuthor",
    "contentLandingPage",
    "reshareContext",
    "adContext",
}


def _li(name):
    return fixture("linkedin", name)


class FakeLinkedIn:
    """The Page's posts and images on LinkedIn, and the answers it is scripted to give next."""

    def __init__(self):
        self.posts: dict[str, dict] = {}
        self.images: dict[str, bytes | None] = {}
        self.faults: dict[tuple[str, str], list] = {}
        self.next_id = 7265000000000000000
        self.more_pages: list[str] = []  # other Pages the member administers

    def fault(self, method, path, *answers):
        self.faults.setdefault((method, path), []).extend(answers)

    def make_post(self, body, *, created_ms=None):
        self.next_id += 1
        post = _li("post.json")
        urn = f"urn:li:share:{self.next_id}"
        now = created_ms or int(time.time() * 1000)
        post.update(id=urn, commentary=body["commentary"], createdAt=now, publishedAt=now, lastModifiedAt=now)
        if "content" in body:
            post["content"] = body["content"]
        post["statistics"] = {"likeCount": 0, "shareCount": 0, "commentCount": 0, "impressionCount": 0}
        self.posts[urn] = post
        return post

    def answer(self, request):
        if request.path.startswith("/dms-uploads/"):  # the upload host: the token, and the bytes
            if request.bearer != TOKEN:
                return 401, _li("error_401.json")
            image = "urn:li:image:" + request.path.rsplit("/", 1)[1]
            if request.method != "PUT" or image not in self.images or not request.body:
                return 400, b""
            self.images[image] = request.body
            return 201, b""
        if request.headers.get("LinkedIn-Version") != "202411":
            return 400, _li("error_version.json")
        if request.headers.get("X-Restli-Protocol-Version") != "2.0.0":
            return 400, {"status": 400, "message": "Restli protocol 2.0.0 is required for this resource"}
        if request.bearer != TOKEN:
            return 401, _li("error_401.json")
        scripted = self.faults.get((request.method, request.path))
        fault = scripted.pop(0) if scripted else None
        if fault in ("429-app", "429-member"):
            return 429, _li(f"error_{fault.replace('-', '_')}.json")
        if fault in (403, 500):
            return fault, _li(f"error_{fault}.json")
        route = (request.method, request.path)
        if route == ("GET", "/rest/organizationAcls"):
            if request.query.get("q") != ["roleAssignee"]:
                return 400, {"status": 400, "message": "Invalid query parameters passed to request"}
            acls = _li("organization_acls.json")
            for page in self.more_pages:
                acls["elements"].append(
                    {**acls["elements"][0], "organization": f"urn:li:organization:{page}"}
                )
            return 200, acls
        if route == ("GET", "/rest/organizations/2414183"):
            return 200, _li("organization.json")
        if route == ("POST", "/rest/images"):
            return self._initialize(request)
        if route == ("POST", "/rest/posts"):
            return self._create(request, lost=fault == "lost")
        if route == ("GET", "/rest/posts"):
            return self._by_author(request)
        if request.method == "DELETE" and request.path.startswith("/rest/posts/"):
            urn = request.path.rsplit("/", 1)[1]
            if ":" in urn:  # LinkedIn wants the URN URL-encoded in the path
                return 400, {"status": 400, "message": "Syntax exception in path variables"}
            if self.posts.pop(urn.replace("%3A", ":"), None) is None:
                return 404, _li("error_404.json")
            return 204, b""
        if route == ("GET", "/rest/organizationalEntityShareStatistics"):
            return self._statistics(request)
        return 404, _li("error_404.json")

    def _initialize(self, request):
        if request.query.get("action") != ["initializeUpload"]:
            return 400, {"status": 400, "message": "action initializeUpload is required"}
        owner = ((request.json() or {}).get("initializeUploadRequest") or {}).get("owner")
        if owner != ORG:
            return 403, _li("error_403.json")
        body = _li("images_initialize.json")
        image_id = f"D4E10AQ{len(self.images):09d}"
        body["value"].update(
            uploadUrl=f"{self.server.url}/dms-uploads/{image_id}", image=f"urn:li:image:{image_id}"
        )
        self.images[f"urn:li:image:{image_id}"] = None
        return 200, body

    def _create(self, request, *, lost):
        body = request.json()
        missing = REQUIRED - set(body or {})
        if missing:
            error = _li("error_422_invalid.json")
            error["message"] = "".join(
                f"ERROR :: /{f} :: field is required but not found and has no default value\n"
                for f in sorted(missing)
            )
            return 422, error
        if set(body) - ALLOWED:
            unknown = sorted(set(body) - ALLOWED)[0]
            return 422, {
                "status": 422,
                "message": f"ERROR :: /{unknown} :: unrecognized field found but not allowed\n",
            }
        if body["author"] != ORG:
            return 403, _li("error_403.json")
        if (
            body["visibility"] not in ("PUBLIC", "CONNECTIONS", "LOGGED_IN")
            or body["lifecycleState"] != "PUBLISHED"
            or body["distribution"].get("feedDistribution") not in ("MAIN_FEED", "NONE")
        ):
            return 422, {"status": 422, "message": "ERROR :: /visibility :: invalid enum value"}
        media = (body.get("content") or {}).get("media")
        if media and self.images.get(media.get("id")) is None:  # unknown, or its bytes never arrived
            return 422, {
                "status": 422,
                "message": f"ERROR :: /content/media/id :: {media.get('id')} is not ready",
            }
        if any(p["commentary"] == body["commentary"] for p in self.posts.values()):
            error = _li("error_422_duplicate.json")
            error["message"] = "Content is a duplicate of " + next(
                urn for urn, p in self.posts.items() if p["commentary"] == body["commentary"]
            )
            return 422, error
        post = self.make_post(body)
        if lost:
            return LOST
        return 201, b"", {"x-restli-id": post["id"], "x-linkedin-id": post["id"]}

    def _by_author(self, request):
        if request.query.get("q") != ["author"] or request.query.get("author") != [ORG]:
            return 400, {"status": 400, "message": "Invalid query parameters passed to request"}
        body = _li("posts_by_author.json")
        count = int(request.query.get("count", ["10"])[0])
        newest = sorted(self.posts.values(), key=lambda p: p["createdAt"], reverse=True)[:count]
        body["elements"] = [{k: v for k, v in p.items() if k != "statistics"} for p in newest]
        body["paging"].update(count=count, total=len(self.posts))
        return 200, body

    def _statistics(self, request):
        if request.query.get("q") != ["organizationalEntity"] or request.query.get(
            "organizationalEntity"
        ) != [ORG]:
            return 400, {"status": 400, "message": "Invalid query parameters passed to request"}
        (shares,) = request.query.get("shares", ["List()"])
        urns = shares.removeprefix("List(").removesuffix(")").split(",")
        body = _li("share_statistics.json")
        row = body["elements"][0]
        body["elements"] = [
            {
                **row,
                "share": urn,
                "totalShareStatistics": {**row["totalShareStatistics"], **self.posts[urn]["statistics"]},
            }
            for urn in urns
            if urn in self.posts
        ]
        return 200, body


@pytest.fixture
def linkedin():
    with serving(FakeLinkedIn()) as fake:
        yield fake


@pytest.fixture
def account(people, brand, linkedin):
    return channel_account_create(
        actor=people["admin"],
        brand=brand,
        network="linkedin",
        name="Riverside on LinkedIn",
        endpoint=linkedin.server.url,
        secret=TOKEN,
    )


def _image():
    return default_storage.save("content/test/clinic.png", ContentFile(b"\x89PNG\r\n\x1a\n" + b"0" * 64))


def test_contract_connecting_finds_the_page_and_refuses_a_bad_token(people, brand, linkedin, account):
    assert (account.external_id, account.handle, account.status) == (
        "2414183",
        "riverside-health",
        "connected",
    )
    with pytest.raises(ValidationError, match="LinkedIn refused the access token"):
        channel_account_create(
            actor=people["admin"],
            brand=brand,
            network="linkedin",
            name="x",
            endpoint=linkedin.server.url,
            secret="expired",
        )
    with pytest.raises(ValidationError, match="not an administrator of Page 999"):
        channel_account_create(
            actor=people["admin"],
            brand=brand,
            network="linkedin",
            name="x",
            endpoint=linkedin.server.url,
            secret=TOKEN,
            handle="999",
        )


def test_contract_a_member_of_several_pages_is_asked_which(people, brand, linkedin):
    linkedin.more_pages.append("5515715")
    with pytest.raises(ValidationError, match=r"several Pages \(2414183, 5515715\); give the Page's id"):
        channel_account_create(
            actor=people["admin"],
            brand=brand,
            network="linkedin",
            name="x",
            endpoint=linkedin.server.url,
            secret=TOKEN,
        )
    chosen = channel_account_create(
        actor=people["admin"],
        brand=brand,
        network="linkedin",
        name="x",
        endpoint=linkedin.server.url,
        secret=TOKEN,
        handle="2414183",
    )
    assert (chosen.external_id, chosen.handle) == ("2414183", "riverside-health")


def test_contract_a_due_post_goes_out_once_on_the_page(people, brand, linkedin, account):
    job = due_job(people, brand, account, text="Flu shots (free) at #Riverside on Saturday.")
    publish_due_jobs()
    job.refresh_from_db()
    (post,) = linkedin.posts.values()
    assert job.status == "published" and job.external_id == post["id"]
    assert job.external_url == f"https://www.linkedin.com/feed/update/{post['id']}/"
    (sent,) = linkedin.server.calls("POST", "/rest/posts")
    assert sent.json()["author"] == ORG and sent.json()["visibility"] == "PUBLIC"
    # Parentheses escaped (LinkedIn would cut the text there), the hashtag a hashtag.
    assert post["commentary"] == r"Flu shots \(free\) at {hashtag|\#|Riverside} on Saturday."


def test_contract_an_image_goes_with_its_alt_text(people, brand, linkedin, account):
    job = due_job(people, brand, account)
    LinkedInConnector().publish(
        job,
        Payload(
            text="Flu clinic open Saturday.",
            media=(Media(path=_image(), alt_text="The clinic's front door"),),
        ),
    )
    ((image, data),) = linkedin.images.items()
    (post,) = linkedin.posts.values()
    assert data.startswith(b"\x89PNG")
    assert post["content"] == {"media": {"id": image, "altText": "The clinic's front door"}}


def test_contract_what_linkedin_cannot_take_is_refused_in_plain_words(people, brand, linkedin, account):
    job = due_job(people, brand, account)
    with pytest.raises(DoNotRetry, match="LinkedIn has no threads"):
        LinkedInConnector().publish(job, Payload(text="One.", thread=("Two.",)))
    with pytest.raises(DoNotRetry, match="not videos"):
        LinkedInConnector().publish(
            job, Payload(text="Tour", media=(Media(path="v.mp4", alt_text="", kind="video"),))
        )
    assert not linkedin.posts


def test_contract_the_apps_daily_limit_holds_every_account_until_midnight_utc(
    people, brand, linkedin, account
):
    job = due_job(people, brand, account)
    linkedin.fault("POST", "/rest/posts", "429-app")
    publish_due_jobs()
    job.refresh_from_db()
    limit = AppRateLimit.objects.get(network="linkedin")
    midnight = (datetime.now(UTC) + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    assert job.status == "scheduled" and not linkedin.posts
    assert abs((limit.until - midnight).total_seconds()) < 5


def test_contract_a_members_limit_holds_only_its_account(people, brand, linkedin, account):
    job = due_job(people, brand, account)
    linkedin.fault("POST", "/rest/posts", "429-member")
    with pytest.raises(RetryLater, match="rate limit for this account") as raised:
        LinkedInConnector().publish(job, Payload(text="Flu clinic open Saturday."))
    assert raised.value.scope == "account" and raised.value.retry_after > 0


def test_contract_a_revoked_token_fails_the_post_and_asks_for_a_reconnect(people, brand, linkedin, account):
    job = due_job(people, brand, account)
    account.secret = "revoked"
    account.save(update_fields=["secret"])
    with pytest.raises(Reconnect, match="Invalid access token"):
        LinkedInConnector().publish(job, Payload(text="Flu clinic open Saturday."))
    publish_due_jobs()
    job.refresh_from_db()
    account.refresh_from_db()
    assert job.status == "failed" and "Reconnect it in Settings" in job.last_error
    assert account.status == ChannelAccount.Status.NEEDS_RECONNECT and not linkedin.posts


def test_contract_linkedin_down_before_the_post_is_sent_is_retried_later(people, brand, linkedin, account):
    job = due_job(people, brand, account)
    linkedin.fault("POST", "/rest/images", 500)
    with pytest.raises(RetryLater, match="answered 500"):
        LinkedInConnector().publish(job, Payload(text="Flu.", media=(Media(path=_image(), alt_text="Door"),)))
    linkedin.fault("POST", "/rest/posts", 500)  # the post itself: it may exist, so it is read back
    with pytest.raises(OutcomeUnknown, match="answered 500"):
        LinkedInConnector().publish(job, Payload(text="Flu."))
    assert not linkedin.posts


def test_contract_a_lost_answer_is_read_back_not_posted_twice(people, brand, linkedin, account):
    job = due_job(people, brand, account, text="Flu shots [walk-in] at #Riverside.")
    linkedin.fault("POST", "/rest/posts", "lost")
    publish_due_jobs()
    job.refresh_from_db()
    assert job.status == "unconfirmed" and len(linkedin.posts) == 1
    publish_jobs_reconcile()
    job.refresh_from_db()
    (urn,) = linkedin.posts
    assert job.status == "published" and job.external_id == urn


def test_contract_sending_again_after_a_lost_answer_finds_the_post(people, brand, linkedin, account):
    job = due_job(people, brand, account)
    linkedin.fault("POST", "/rest/posts", "lost")
    with pytest.raises(OutcomeUnknown):
        LinkedInConnector().publish(job, Payload(text="Flu clinic open Saturday."))
    result = LinkedInConnector().publish(job, Payload(text="Flu clinic open Saturday."))  # "duplicate"
    (urn,) = linkedin.posts
    assert result.external_id == urn


def test_contract_a_duplicate_of_an_older_post_asks_for_new_words(people, brand, linkedin, account):
    linkedin.make_post({"commentary": commentary("Flu clinic open Saturday.")}, created_ms=1700000000000)
    job = due_job(people, brand, account)
    with pytest.raises(DoNotRetry, match="change the wording"):
        LinkedInConnector().publish(job, Payload(text="Flu clinic open Saturday."))
    assert len(linkedin.posts) == 1


def test_contract_delete_and_metrics(people, brand, linkedin, account):
    job = due_job(people, brand, account)
    publish_due_jobs()
    job.refresh_from_db()
    linkedin.posts[job.external_id]["statistics"].update(
        likeCount=12, shareCount=3, commentCount=4, impressionCount=980
    )
    metrics = LinkedInConnector().metrics(job)
    assert (metrics.likes, metrics.reposts, metrics.replies, metrics.impressions) == (12, 3, 4, 980)
    LinkedInConnector().delete(job)
    assert linkedin.posts == {}
    (deleted,) = linkedin.server.calls("DELETE")
    assert deleted.path == "/rest/posts/" + quote(job.external_id, safe="")
    LinkedInConnector().delete(job)  # already gone: nothing to do


def test_little_text_format_round_trip():
    text = "Walk-ins welcome (no appointment) #FluSeason @Riverside *today* \\ done"
    assert plain(commentary(text)) == " ".join(text.split())
