"""YouTube video uploads, through the YouTube Data API v3 with httpx (the Google client library is not
installed; the shapes are the documented ones). Base URL https://www.googleapis.com; OAuth 2 token of
the channel's Google account (scopes youtube.upload, youtube.readonly; youtube for deletes).

- GET    /youtube/v3/channels?part=snippet,contentDetails&mine=true   connect: the channel's id and
                                                                      handle; later its uploads playlist
- POST   /upload/youtube/v3/videos?uploadType=resumable&part=snippet,status   start an upload with the
         snippet (title: the text's first line, at most 100 characters; description: the text) and
         status (privacyStatus public); the upload's address comes back in `Location`
- PUT    {Location}                               the video's bytes, streamed; answers with the video
- PUT    {Location} with Content-Range bytes */N  after a broken upload: did it finish (201) or not (308)?
- GET    /youtube/v3/playlistItems?part=snippet&playlistId={uploads}   read back, matched by title and
         description (1 quota unit, where search?forMine=true costs 100)
- DELETE /youtube/v3/videos?id=
- GET    /youtube/v3/videos?part=statistics&id=   likes, comments, views (as impressions)

Nothing exists on YouTube until every byte has arrived, so failing to start an upload, or an upload
YouTube says is unfinished, is safe to try later; an upload whose end is unclear is read back before
anything is sent again. The API's quota is the app's, per day, reset at midnight Pacific time:
`quotaExceeded` holds every account until then (scope "app").
"""

from __future__ import annotations

import mimetypes
from typing import Any

import httpx
from django.core.files.storage import default_storage
from django.utils import timezone

from carecast.channels.connectors import base, rest
from carecast.channels.models import ChannelAccount, PublishJob

API = "https://www.googleapis.com"
NAME = "YouTube"
TITLE_MAX = 100
DESCRIPTION_MAX_BYTES = 5000
READ_BACK = 50
QUOTA_ZONE = "America/Los_Angeles"
# YouTube lists a new upload in the channel's uploads after a while: until then "not there" is no answer.
LISTING_LAG = 15 * 60
APP_LIMITS = {"quotaExceeded", "dailyLimitExceeded"}
RATE_LIMITS = {"rateLimitExceeded", "userRateLimitExceeded"}
NOT_ALLOWED = {"forbidden", "insufficientPermissions", "youtubeSignupRequired", "accountDelegationForbidden"}


def title_of(text: str) -> str:
    """The text's first line, without the < and > YouTube refuses, at most 100 characters."""
    line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    line = _clean(line)
    if len(line) <= TITLE_MAX:
        return line
    cut = line[: TITLE_MAX - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut[40:] else cut).rstrip() + "…"


def _clean(text: str) -> str:
    """YouTube refuses < and > in titles and descriptions: the single angle quotes look the same."""
    return text.replace("<", "\u2039").replace(">", "\u203a")


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()) == " ".join(b.split())


def _reason(response: httpx.Response) -> str:
    body = rest.json_of(response)
    errors = (body.get("error") or {}).get("errors") if isinstance(body, dict) else None
    return str(errors[0].get("reason", "")) if errors else ""


def _check(response: httpx.Response) -> Any:
    """The body of a successful answer; Google's refusals in plain words otherwise."""
    if response.is_success:
        return rest.json_of(response)
    reason, words = _reason(response), rest.words(response)
    if reason in APP_LIMITS:
        raise base.RetryLater(
            "YouTube's daily quota for carecast is used up",
            retry_after=rest.seconds_until_midnight(QUOTA_ZONE),
            scope="app",
        )
    if reason == "uploadLimitExceeded":
        raise base.RetryLater(
            "this channel reached YouTube's daily upload limit",
            retry_after=rest.seconds_until_midnight(QUOTA_ZONE),
        )
    if response.status_code == 429 or reason in RATE_LIMITS:
        after = response.headers.get("Retry-After", "")
        raise base.RetryLater("YouTube's rate limit", retry_after=float(after) if after.isdigit() else 60.0)
    if reason in NOT_ALLOWED:
        raise base.Reconnect(f"YouTube does not let this sign-in do that ({words})")
    if response.status_code == 404:
        raise base.DoNotRetry(f"not found on YouTube ({words})")
    raise base.DoNotRetry(f"YouTube refused it: {words}")


class YouTubeConnector(base.BaseConnector):
    name = "youtube"
    supports_video = True
    supports_delete = True
    supports_metrics = True

    def connect(self, account: ChannelAccount) -> None:
        with rest.client(account, API) as http:
            channel = self._channel(http, account)
        account.external_id = channel["id"]
        snippet = channel.get("snippet") or {}
        account.handle = snippet.get("customUrl") or snippet.get("title") or channel["id"]

    def publish(self, job: PublishJob, payload: base.Payload) -> base.PublishResult:
        account = rest.account_of(job)
        video = next((item for item in payload.media if item.kind == "video"), None)
        if video is None:
            raise base.DoNotRetry("YouTube posts need a video")
        if payload.thread or payload.reply_to:
            raise base.DoNotRetry("a YouTube video cannot be a thread or a reply")
        description = _clean(payload.text)
        if len(description.encode()) > DESCRIPTION_MAX_BYTES:
            raise base.DoNotRetry(f"YouTube descriptions take {DESCRIPTION_MAX_BYTES:,} bytes at most")
        size = default_storage.size(video.path)
        mime = mimetypes.guess_type(video.path)[0] or "video/mp4"
        snippet = {"title": title_of(payload.text), "description": description, "categoryId": "22"}
        body = {"snippet": snippet, "status": {"privacyStatus": "public", "selfDeclaredMadeForKids": False}}
        with rest.client(account, API) as http:
            started = self._call(
                http,
                "POST",
                "/upload/youtube/v3/videos",
                sent=False,  # only the session starts: no video exists yet
                params={"uploadType": "resumable", "part": "snippet,status"},
                json=body,
                headers={"X-Upload-Content-Length": str(size), "X-Upload-Content-Type": mime},
            )
            _check(started)
            location = started.headers.get("Location", "")
            if not location:
                raise base.RetryLater("YouTube did not say where to send the video")
            try:
                sent = self._call(
                    http,
                    "PUT",
                    location,
                    sent=True,
                    content=rest.stream(video.path),
                    headers={"Content-Length": str(size), "Content-Type": mime},
                )
                uploaded = _check(sent)
            except base.OutcomeUnknown:
                uploaded = self._finished(http, location, size)
        return base.PublishResult(
            external_id=uploaded["id"], url=f"https://www.youtube.com/watch?v={uploaded['id']}"
        )

    def lookup(self, job: PublishJob, payload: base.Payload | None = None) -> base.PublishResult | None:
        """The job's video among the channel's latest uploads, by title and description."""
        account = rest.account_of(job)
        assert payload is not None
        title, description = title_of(payload.text), _clean(payload.text)
        with rest.client(account, API) as http:
            uploads = self._channel(http, account)["contentDetails"]["relatedPlaylists"]["uploads"]
            response = self._call(
                http,
                "GET",
                "/youtube/v3/playlistItems",
                sent=False,
                params={"part": "snippet", "playlistId": uploads, "maxResults": READ_BACK},
            )
        for entry in _check(response).get("items") or []:
            snippet = entry.get("snippet") or {}
            if snippet.get("title") == title and _same(snippet.get("description", ""), description):
                video_id = snippet["resourceId"]["videoId"]
                return base.PublishResult(
                    external_id=video_id, url=f"https://www.youtube.com/watch?v={video_id}"
                )
        if (timezone.now() - job.updated_at).total_seconds() < LISTING_LAG:
            raise base.RetryLater("YouTube lists a new upload only after a while; checking again later")
        return None

    def delete(self, job: PublishJob) -> None:
        account = rest.account_of(job)
        with rest.client(account, API) as http:
            response = self._call(
                http, "DELETE", "/youtube/v3/videos", sent=True, params={"id": job.external_id}
            )
        if response.status_code == 404:
            return  # already gone counts as deleted
        _check(response)

    def metrics(self, job: PublishJob) -> base.Metrics | None:
        account = rest.account_of(job)
        with rest.client(account, API) as http:
            response = self._call(
                http,
                "GET",
                "/youtube/v3/videos",
                sent=False,
                params={"part": "statistics", "id": job.external_id},
            )
        items = _check(response).get("items") or []
        if not items:
            return None
        counts = items[0].get("statistics") or {}

        def number(key: str) -> int | None:
            return int(counts[key]) if key in counts else None  # YouTube sends counts as strings

        return base.Metrics(
            likes=number("likeCount"), replies=number("commentCount"), impressions=number("viewCount")
        )

    # ------------------------------------------------------------------ helpers

    def _call(
        self, http: httpx.Client, method: str, url: str, *, sent: bool, **kwargs: Any
    ) -> httpx.Response:
        return rest.call(http, method, url, network=NAME, sent=sent, **kwargs)

    def _channel(self, http: httpx.Client, account: ChannelAccount) -> dict[str, Any]:
        response = self._call(
            http,
            "GET",
            "/youtube/v3/channels",
            sent=False,
            params={"part": "snippet,contentDetails", "mine": "true"},
        )
        items = _check(response).get("items") or []
        if not items:
            raise base.Reconnect("this Google account has no YouTube channel")
        return dict(items[0])

    def _finished(self, http: httpx.Client, location: str, size: int) -> dict[str, Any]:
        """After an upload whose answer never came (or came as a 5xx), ask YouTube whether it finished:
        201 with the video, or 308 (some bytes missing: no video exists, so sending again is safe)."""
        try:
            response = self._call(
                http,
                "PUT",
                location,
                sent=True,
                headers={"Content-Length": "0", "Content-Range": f"bytes */{size}"},
            )
        except base.ConnectorError as exc:
            raise base.OutcomeUnknown(
                "the upload to YouTube broke off and YouTube did not say how far it got"
            ) from exc
        if response.status_code == 308:
            raise base.RetryLater("the upload to YouTube broke off before the end; sending it again later")
        if response.status_code == 404:  # the upload session is gone: its video may or may not exist
            raise base.OutcomeUnknown("the upload to YouTube broke off and its session has ended")
        return dict(_check(response))
