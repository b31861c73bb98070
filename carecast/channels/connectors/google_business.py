"""Google Business Profile local posts, through the Google My Business API v4 (httpx, OAuth bearer).

Endpoints, under https://mybusiness.googleapis.com/v4/ (or `account.endpoint` + /v4/):
`POST {location}/localPosts` (a STANDARD post: `summary`, `languageCode`, a LEARN_MORE
`callToAction` with the link, `media` with a photo's public `sourceUrl`); `GET {location}/localPosts`
(connect: the token may post to that location; read back a post whose answer was lost, matched by
its summary); `GET {post name}` (read a known post back); `DELETE {post name}`. The location,
`accounts/{a}/locations/{l}`, is kept in `account.external_id` (given as the handle when
connecting). No threads, replies or alt text, and no counts: v4's post insights
(`localPosts:reportInsights`) are retired.

Google's errors come as `{"error": {"code", "message", "status", "details"}}`: 401 UNAUTHENTICATED
and 403 PERMISSION_DENIED ask for a reconnect; 429 RESOURCE_EXHAUSTED waits (the project's quota, a
limit on carecast as a whole, when the ErrorInfo's `quota_limit` is per project; `Retry-After` or the
RetryInfo's `retryDelay` says how long); 502/503/504 were not taken; any other 5xx on a post may
have made it, so its outcome is unknown."""

from __future__ import annotations

import contextlib
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
from django.conf import settings
from django.core.files.storage import default_storage

from carecast.channels.connectors import base
from carecast.channels.models import ChannelAccount, PublishJob
from carecast.channels.oauth import access_token

API_URL = "https://mybusiness.googleapis.com"
VERSION = "v4"
LABEL = "Google Business Profile"
TIMEOUT = 20.0
LOCATION = re.compile(r"^accounts/\d+/locations/\d+$")
NOT_TAKEN = {502, 503, 504}
PAGE_SIZE = 100  # the most localPosts.list gives at once
PAGES = 3  # read back at most this many pages (the newest posts come first)
CLOCK_SLACK = timedelta(minutes=10)
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


class Gone(base.DoNotRetry):
    """Not (or no longer) on Google."""


def _normal(text: str) -> str:
    return " ".join((text or "").split())


def _language() -> str:
    """The site's language as Google wants it (BCP 47: en-US)."""
    lang, _, region = settings.LANGUAGE_CODE.partition("-")
    return f"{lang}-{region.upper()}" if region else lang


def _location(account: ChannelAccount | None) -> str:
    assert account is not None
    if not LOCATION.match(account.external_id):
        raise base.Reconnect("carecast does not know which Google Business Profile location this is")
    return account.external_id


def _photo_url(media: base.Media) -> str:
    url = urljoin(settings.SITE_URL, default_storage.url(media.path))
    if (urlsplit(url).hostname or "") in LOCAL_HOSTS:
        raise base.DoNotRetry(
            "Google fetches photos from carecast's public address, and this site has none (SITE_URL)"
        )
    return url


class Google:
    def __init__(self, account: ChannelAccount) -> None:
        self.base = f"{(account.endpoint or API_URL).rstrip('/')}/{VERSION}"
        self.token = access_token(account)

    def call(self, method: str, path: str, *, sent: bool, body: Any = None, params: Any = None) -> Any:
        """One call. `sent`: it makes a post, so an answer that does not come back leaves the
        outcome unknown."""
        try:
            with httpx.Client(timeout=TIMEOUT) as client:
                response = client.request(
                    method,
                    f"{self.base}/{path}",
                    json=body,
                    params=params,
                    headers={"Authorization": f"Bearer {self.token}"},
                )
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise base.RetryLater(f"could not reach {LABEL}") from exc
        except httpx.TransportError as exc:
            if sent:
                raise base.OutcomeUnknown(f"the answer from {LABEL} never came back") from exc
            raise base.RetryLater(f"{LABEL} did not answer") from exc
        if response.is_success:
            return response.json() if response.content else {}
        raise _error(response, sent=sent)


def _error(response: httpx.Response, *, sent: bool) -> base.ConnectorError:
    try:
        error = response.json().get("error") or {}
    except (ValueError, AttributeError):
        error = {}
    status, details = error.get("status", ""), error.get("details") or []
    words = _words(error) or f"HTTP {response.status_code}"
    info: dict[str, Any] = next(
        (d for d in details if d.get("@type", "").endswith("google.rpc.ErrorInfo")), {}
    )
    if response.status_code == 401 or status == "UNAUTHENTICATED":
        return base.Reconnect(f"{LABEL} refused the access token ({words})")
    if (response.status_code == 403 or status == "PERMISSION_DENIED") and info.get(
        "reason"
    ) != "SERVICE_DISABLED":
        return base.Reconnect(f"{LABEL} refused access to this location ({words})")
    if response.status_code == 429 or status == "RESOURCE_EXHAUSTED":
        per_project = "project" in str((info.get("metadata") or {}).get("quota_limit", "")).lower()
        return base.RetryLater(
            f"{LABEL}'s {'limit on carecast' if per_project else 'rate limit'} ({words})",
            retry_after=_retry_after(response, details),
            scope="app" if per_project else "account",
        )
    if response.status_code in NOT_TAKEN:
        return base.RetryLater(f"{LABEL} is unavailable for now ({words})")
    if response.status_code >= 500:
        if sent:
            return base.OutcomeUnknown(f"{LABEL} answered {response.status_code} ({words})")
        return base.RetryLater(f"{LABEL} answered {response.status_code} ({words})")
    if response.status_code == 404:
        return Gone(f"not found on {LABEL} ({words})")
    return base.DoNotRetry(f"{LABEL} refused it: {words}")


def _words(error: dict[str, Any]) -> str:
    """Google's message, with the field-by-field reasons its validation errors carry."""
    reasons = [
        item.get("message", "")
        for detail in error.get("details") or []
        for item in detail.get("errorDetails") or []
        if item.get("message")
    ]
    return "; ".join([error.get("message", ""), *reasons]).strip("; ")


def _retry_after(response: httpx.Response, details: list[dict[str, Any]]) -> float:
    header = response.headers.get("Retry-After", "")
    if header.isdigit():
        return max(float(header), 1.0)
    for detail in details:
        delay = str(detail.get("retryDelay", ""))
        if detail.get("@type", "").endswith("google.rpc.RetryInfo") and delay.endswith("s"):
            with contextlib.suppress(ValueError):
                return max(float(delay[:-1]), 1.0)
    return 60.0  # Google's quotas are per minute


def _created(post: dict[str, Any]) -> datetime | None:
    value = post.get("createTime")
    if not value:
        return None
    # RFC 3339 with up to nine fractional digits: keep the seconds.
    return datetime.strptime(value[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)


class GoogleBusinessConnector(base.BaseConnector):
    name = "google_business"
    supports_images = True
    supports_delete = True

    def connect(self, account: ChannelAccount) -> None:
        location = (account.external_id or account.handle).strip().strip("/")
        if not LOCATION.match(location):
            raise base.DoNotRetry("give the location as accounts/<account id>/locations/<location id>")
        Google(account).call("GET", f"{location}/localPosts", params={"pageSize": 1}, sent=False)
        account.external_id = account.handle = location

    def publish(self, job: PublishJob, payload: base.Payload) -> base.PublishResult:
        assert job.account is not None
        location = _location(job.account)
        if payload.thread:
            raise base.DoNotRetry("a Google Business Profile post cannot be a thread; make it one post")
        if payload.reply_to:
            raise base.DoNotRetry("Google Business Profile posts cannot reply to other posts")
        if any(m.kind != "image" for m in payload.media):
            raise base.DoNotRetry("carecast cannot post videos to Google Business Profile yet")
        post: dict[str, Any] = {"languageCode": _language(), "summary": payload.text, "topicType": "STANDARD"}
        if payload.link:
            post["callToAction"] = {"actionType": "LEARN_MORE", "url": payload.link}
        if payload.media:
            post["media"] = [{"mediaFormat": "PHOTO", "sourceUrl": _photo_url(m)} for m in payload.media]
        made = Google(job.account).call("POST", f"{location}/localPosts", body=post, sent=True)
        if made.get("state") == "REJECTED":
            raise base.DoNotRetry("Google rejected the post under its content policy")
        return base.PublishResult(external_id=made["name"], url=made.get("searchUrl", ""))

    def lookup(self, job: PublishJob, payload: base.Payload | None = None) -> base.PublishResult | None:
        """The job's post by its name when it has one; else the location's newest posts, matched by
        summary and no older than the job's due time."""
        assert job.account is not None
        google, location = Google(job.account), _location(job.account)
        if job.external_id:
            try:
                post = google.call("GET", job.external_id, sent=False)
            except Gone:
                return None
            return base.PublishResult(external_id=post["name"], url=post.get("searchUrl", ""))
        assert payload is not None
        wanted, oldest = _normal(payload.text), job.scheduled_for - CLOCK_SLACK
        token = ""
        for _ in range(PAGES):
            params = {"pageSize": PAGE_SIZE} | ({"pageToken": token} if token else {})
            listing = google.call("GET", f"{location}/localPosts", params=params, sent=False)
            for post in listing.get("localPosts") or []:
                created = _created(post)
                if _normal(post.get("summary", "")) == wanted and (created is None or created >= oldest):
                    return base.PublishResult(external_id=post["name"], url=post.get("searchUrl", ""))
            token = listing.get("nextPageToken", "")
            if not token:
                return None
        raise base.DoNotRetry("too many posts to tell safely; check the location on Google by hand")

    def delete(self, job: PublishJob) -> None:
        assert job.account is not None
        with contextlib.suppress(Gone):  # already gone counts as deleted
            Google(job.account).call("DELETE", job.external_id, sent=True)
