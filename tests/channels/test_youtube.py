"""YouTube connector, contract-tested: the connector talks real HTTP to a loopback server
(tests/recorded_http) answering with responses shaped like the YouTube Data API v3's
(fixtures/youtube/), which checks what YouTube checks: the bearer token, the resumable upload's
query, snippet and status, the announced size against the bytes that arrive, and the upload session."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

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
from carecast.channels.connectors.youtube import YouTubeConnector, title_of
from carecast.channels.models import PublishJob
from carecast.channels.services import channel_account_create, publish_due_jobs, publish_jobs_reconcile
from carecast.core.errors import ValidationError
from tests.factories import due_job
from tests.recorded_http import LOST, fixture, serving

TOKEN = "google-access-token"
UPLOADS = "UUrZ0bB9lM3kJ4Qp7Z1v2Abc"
VIDEO_BYTES = b"\x00\x00\x00\x18ftypmp42" + b"v" * 4000


def _yt(name):
    return fixture("youtube", name)


class FakeYouTube:
    """The channel's videos and open upload sessions, and the answers it is scripted to give next."""

    def __init__(self):
        self.videos: dict[str, dict] = {}
        self.sessions: dict[str, dict] = {}
        self.faults: dict[tuple[str, str], list] = {}
        self.statistics: dict[str, dict] = {}

    def fault(self, method, path, *answers):
        self.faults.setdefault((method, path), []).extend(answers)

    def answer(self, request):
        if request.bearer != TOKEN:
            return 401, _yt("error_401.json")
        scripted = self.faults.get((request.method, request.path))
        fault = scripted.pop(0) if scripted else None
        if fault == "quota":
            return 403, _yt("error_403_quota.json")
        if fault == 503:
            return 503, _yt("error_503.json")
        route = (request.method, request.path)
        if route == ("GET", "/youtube/v3/channels"):
            if request.query.get("mine") != ["true"] or "part" not in request.query:
                return 400, {"error": {"code": 400, "message": "No filter selected.", "errors": []}}
            return 200, _yt("channels_mine.json")
        if route == ("POST", "/upload/youtube/v3/videos"):
            return self._start(request)
        if route == ("PUT", "/upload/youtube/v3/videos"):
            return self._upload(request, fault)
        if route == ("GET", "/youtube/v3/playlistItems"):
            return self._uploads(request)
        if route == ("DELETE", "/youtube/v3/videos"):
            (vid,) = request.query.get("id", [""])
            return (204, b"") if self.videos.pop(vid, None) else (404, _yt("error_404.json"))
        if route == ("GET", "/youtube/v3/videos"):
            body = _yt("videos_statistics.json")
            row = body["items"][0]
            ids = request.query.get("id", [""])[0].split(",")
            body["items"] = [
                {**row, "id": vid, "statistics": {**row["statistics"], **self.statistics.get(vid, {})}}
                for vid in ids
                if vid in self.videos
            ]
            return 200, body
        return 404, {"error": {"code": 404, "message": "Not Found", "errors": []}}

    @staticmethod
    def _invalid(reason, message):
        body = _yt("error_400_invalid.json")
        body["error"].update(message=message)
        body["error"]["errors"][0].update(reason=reason, message=message)
        return 400, body

    def _start(self, request):
        if request.query.get("uploadType") != ["resumable"]:
            return self._invalid("invalidUploadType", "uploadType must be resumable for this upload")
        parts = set(request.query.get("part", [""])[0].split(","))
        body = request.json() or {}
        if not {"snippet", "status"} <= parts:
            return self._invalid("invalidPart", "The part parameter must name snippet and status")
        snippet, status = body.get("snippet") or {}, body.get("status") or {}
        title = snippet.get("title") or ""
        if not title or len(title) > 100 or "<" in title or ">" in title:
            return self._invalid(
                "invalidTitle", "The request metadata specifies an invalid or empty video title."
            )
        if len((snippet.get("description") or "").encode()) > 5000 or "<" in snippet.get("description", ""):
            return self._invalid(
                "invalidDescription", "The request metadata specifies an invalid video description."
            )
        if status.get("privacyStatus") not in ("public", "unlisted", "private"):
            return self._invalid("invalidVideoMetadata", "The request metadata is invalid.")
        size = request.headers.get("X-Upload-Content-Length", "")
        if not size.isdigit():
            return self._invalid("badContent", "X-Upload-Content-Length is required for a resumable upload")
        upload_id = f"AUEcyw{len(self.sessions):04d}"
        self.sessions[upload_id] = {"body": body, "size": int(size), "video": None}
        location = f"{self.server.url}/upload/youtube/v3/videos?uploadType=resumable&upload_id={upload_id}"
        return 200, b"", {"Location": location, "X-GUploader-UploadID": upload_id}

    def _make_video(self, session):
        video = _yt("video.json")
        vid = f"Ks-_Mh1Q{len(self.videos):03d}"
        video.update(id=vid)
        video["snippet"].update(session["body"]["snippet"])
        video["snippet"]["localized"] = {k: session["body"]["snippet"][k] for k in ("title", "description")}
        video["status"].update(session["body"]["status"])
        self.videos[vid] = video
        session["video"] = video
        return video

    def _upload(self, request, fault):
        session = self.sessions.get(request.query.get("upload_id", [""])[0])
        if session is None:
            return 404, {"error": {"code": 404, "message": "Upload session not found"}}
        if request.headers.get("Content-Range", "").startswith("bytes */"):  # how far did it get?
            if session["video"] is not None:
                return 201, session["video"]
            return 308, b"", {"Range": "bytes=0-1023"} if session.get("partial") else {}
        if fault == "503-part":  # the bytes broke off: no video
            session["partial"] = True
            return 503, _yt("error_503.json")
        if len(request.body) != session["size"]:
            return 400, {
                "error": {"code": 400, "message": "Content-Length does not match the announced size"}
            }
        video = self._make_video(session)
        if fault == "lost":
            return LOST
        return 201, video

    def _uploads(self, request):
        if request.query.get("playlistId") != [UPLOADS]:
            return 404, {"error": {"code": 404, "message": "playlistNotFound", "errors": []}}
        body = _yt("playlist_items.json")
        row = _yt("playlist_item.json")
        body["items"] = []
        for position, video in enumerate(reversed(list(self.videos.values()))):
            item = {**row, "snippet": {**row["snippet"], "position": position}}
            item["snippet"].update(
                title=video["snippet"]["title"],
                description=video["snippet"]["description"],
                resourceId={"kind": "youtube#video", "videoId": video["id"]},
            )
            body["items"].append(item)
        body["pageInfo"]["totalResults"] = len(body["items"])
        return 200, body


@pytest.fixture
def youtube():
    with serving(FakeYouTube()) as fake:
        yield fake


@pytest.fixture
def account(people, brand, youtube):
    return channel_account_create(
        actor=people["admin"],
        brand=brand,
        network="youtube",
        name="Riverside on YouTube",
        endpoint=youtube.server.url,
        secret=TOKEN,
    )


def _due_job(people, brand, account, text="Flu clinic tour\nWhat to expect at Saturday's flu clinic."):
    return due_job(people, brand, account, text)


def _video():
    path = default_storage.save("content/test/tour.mp4", ContentFile(VIDEO_BYTES))
    return Media(path=path, alt_text="", kind="video")


TEXT = "Flu clinic tour\nWhat to expect at Saturday's flu clinic."


def test_contract_connecting_finds_the_channel_and_refuses_a_bad_token(people, brand, youtube, account):
    assert (account.external_id, account.handle) == ("UCrZ0bB9lM3kJ4Qp7Z1v2Abc", "@riversidehealth")
    with pytest.raises(ValidationError, match="YouTube refused the access token"):
        channel_account_create(
            actor=people["admin"],
            brand=brand,
            network="youtube",
            name="x",
            endpoint=youtube.server.url,
            secret="expired",
        )


def test_contract_a_video_is_uploaded_once_with_its_title_and_description(people, brand, youtube, account):
    job = _due_job(people, brand, account)
    result = YouTubeConnector().publish(job, Payload(text=TEXT, media=(_video(),)))
    (video,) = youtube.videos.values()
    assert (
        result.external_id == video["id"] and result.url == f"https://www.youtube.com/watch?v={video['id']}"
    )
    assert video["snippet"]["title"] == "Flu clinic tour"
    assert video["snippet"]["description"] == TEXT
    assert video["status"]["privacyStatus"] == "public"
    (put,) = youtube.server.calls("PUT")
    assert put.body == VIDEO_BYTES


def test_contract_a_library_video_goes_out_through_the_engine(people, brand, youtube, account):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from carecast.channels.services import publish_target_set
    from carecast.compliance import services as review
    from carecast.content import library
    from carecast.content.models import ContentItem
    from tests.factories import make_due
    from tests.media_samples import mp4

    author = people["contributor"]
    tour = library.media_asset_upload(
        actor=author,
        upload=SimpleUploadedFile("tour.mp4", mp4(), "video/mp4"),
        name="Clinic tour",
        alt_text="A nurse walks through the flu clinic",
        caption="Welcome to the flu clinic.",
    )
    item = library.content_item_create(
        actor=author, brand=brand, title="Tour", text=TEXT, publish_at=timezone.now() + timedelta(hours=1)
    )
    publish_target_set(actor=author, item=item, accounts=[account])
    library.content_item_attach_asset(actor=author, item=item, asset=tour)
    review.content_item_submit(actor=author, item=item)
    item = ContentItem.objects.get(pk=item.pk)
    review.content_item_approve(actor=people["medical_reviewer"], item=item, revision=item.revision)
    make_due(item)
    publish_due_jobs()
    job = PublishJob.objects.get(content_item=item, channel="youtube")
    assert job.status == "published", job.last_error
    (video,) = youtube.videos.values()
    assert (video["snippet"]["title"], video["snippet"]["description"]) == ("Flu clinic tour", TEXT)
    (put,) = youtube.server.calls("PUT")
    assert put.body == tour.file.open("rb").read()


def test_contract_a_post_without_a_video_fails_in_plain_words(people, brand, youtube, account):
    job = _due_job(people, brand, account)
    publish_due_jobs()
    job.refresh_from_db()
    assert job.status == "failed" and "YouTube posts need a video" in job.last_error
    assert youtube.server.calls("POST") == [] and not youtube.videos


def test_a_long_first_line_becomes_a_title_of_at_most_100_characters():
    line = (
        "Everything you wanted to know about flu shots this season <and> what our nurses say about them " * 2
    )
    title = title_of(line + "\nmore")
    assert len(title) <= 100 and title.endswith("…") and "<" not in title
    assert title_of("\n\nShort\nrest") == "Short"


def test_contract_the_apps_quota_holds_every_account_until_midnight_pacific(people, brand, youtube, account):
    job = _due_job(people, brand, account)
    youtube.fault("POST", "/upload/youtube/v3/videos", "quota")
    with pytest.raises(RetryLater, match="quota") as raised:
        YouTubeConnector().publish(job, Payload(text=TEXT, media=(_video(),)))
    pacific = datetime.now(ZoneInfo("America/Los_Angeles"))
    midnight = datetime.combine(pacific.date() + timedelta(days=1), datetime.min.time(), pacific.tzinfo)
    assert raised.value.scope == "app"
    assert abs(raised.value.retry_after - (midnight - pacific).total_seconds()) < 5


def test_contract_a_revoked_token_asks_for_a_reconnect(people, brand, youtube, account):
    job = _due_job(people, brand, account)
    account.secret = "revoked"
    account.save(update_fields=["secret"])
    with pytest.raises(Reconnect, match="invalid authentication credentials"):
        YouTubeConnector().publish(job, Payload(text=TEXT, media=(_video(),)))


def test_contract_youtube_down_before_the_bytes_is_retried_later(people, brand, youtube, account):
    job = _due_job(people, brand, account)
    youtube.fault("POST", "/upload/youtube/v3/videos", 503)
    with pytest.raises(RetryLater, match="answered 503"):
        YouTubeConnector().publish(job, Payload(text=TEXT, media=(_video(),)))
    assert not youtube.videos and youtube.server.calls("PUT") == []


def test_contract_an_upload_that_broke_off_is_asked_about_and_retried_later(people, brand, youtube, account):
    job = _due_job(people, brand, account)
    youtube.fault("PUT", "/upload/youtube/v3/videos", "503-part")
    with pytest.raises(RetryLater, match="broke off before the end"):
        YouTubeConnector().publish(job, Payload(text=TEXT, media=(_video(),)))
    assert not youtube.videos


def test_contract_a_lost_answer_after_the_bytes_is_settled_by_asking_the_upload(
    people, brand, youtube, account
):
    job = _due_job(people, brand, account)
    youtube.fault("PUT", "/upload/youtube/v3/videos", "lost")
    result = YouTubeConnector().publish(job, Payload(text=TEXT, media=(_video(),)))
    (video,) = youtube.videos.values()
    assert result.external_id == video["id"]


def test_contract_an_unclear_upload_is_read_back_not_uploaded_twice(people, brand, youtube, account):
    job = _due_job(people, brand, account)
    youtube.fault("PUT", "/upload/youtube/v3/videos", "lost", 503)  # and the question after it fails too
    with pytest.raises(OutcomeUnknown, match="did not say how far it got"):
        YouTubeConnector().publish(job, Payload(text=TEXT, media=(_video(),)))
    PublishJob.objects.filter(pk=job.pk).update(status="unconfirmed")  # what the engine does with it
    publish_jobs_reconcile()
    job.refresh_from_db()
    (video,) = youtube.videos.values()
    assert job.status == "published" and job.external_id == video["id"]


def test_contract_a_video_not_listed_yet_is_not_taken_for_missing(people, brand, youtube, account):
    job = _due_job(people, brand, account)
    PublishJob.objects.filter(pk=job.pk).update(status="unconfirmed")
    publish_jobs_reconcile()  # YouTube lists new uploads late: no answer yet, nothing sent again
    job.refresh_from_db()
    assert job.status == "unconfirmed"
    PublishJob.objects.filter(pk=job.pk).update(updated_at=datetime.now(UTC) - timedelta(minutes=20))
    job.refresh_from_db()
    assert YouTubeConnector().lookup(job, Payload(text=TEXT)) is None  # long enough: it is not there


def test_contract_delete_and_metrics(people, brand, youtube, account):
    job = _due_job(people, brand, account)
    result = YouTubeConnector().publish(job, Payload(text=TEXT, media=(_video(),)))
    PublishJob.objects.filter(pk=job.pk).update(status="published", external_id=result.external_id)
    job.refresh_from_db()
    youtube.statistics[job.external_id] = {"viewCount": "1520", "likeCount": "41", "commentCount": "6"}
    metrics = YouTubeConnector().metrics(job)
    assert (metrics.likes, metrics.replies, metrics.impressions, metrics.reposts) == (41, 6, 1520, None)
    YouTubeConnector().delete(job)
    assert youtube.videos == {}
    YouTubeConnector().delete(job)  # already gone: nothing to do
    with pytest.raises(DoNotRetry, match="cannot be a thread"):
        YouTubeConnector().publish(job, Payload(text=TEXT, media=(_video(),), thread=("more",)))
