"""X (formerly Twitter), through the X API v2 with httpx (no official SDK is installed; the shapes are
the documented ones). Base URL https://api.x.com, OAuth 2 user token (scopes tweet.read, tweet.write,
users.read, media.write).

- GET    /2/users/me                              connect: the account's id and @username
- POST   /2/media/upload                          an image (multipart, media_category tweet_image)
- POST   /2/media/metadata                        its alt text (at most 1,000 characters)
- POST   /2/tweets                                a post {text, media.media_ids, reply.in_reply_to_tweet_id};
                                                  a thread: each part replies to the one before
- GET    /2/users/{id}/tweets                     read back after a lost answer, matched by text
- GET    /2/tweets/{id}?tweet.fields=public_metrics   likes, reposts, replies, quotes, impressions
- DELETE /2/tweets/{id}

X has no idempotency key, but it refuses the same text twice from one account (403 "duplicate
content"): that answer means "already posted", so the post is looked up and used, never sent again.
That also makes a half-posted thread safe to send again: the parts already there are found and the
rest reply to them. Rate limits: 429 with `x-rate-limit-reset` (epoch seconds); when
`x-app-limit-24hour-remaining` is 0 the whole app waits until `x-app-limit-24hour-reset` (scope
"app"), when `x-user-limit-24hour-remaining` is 0 the account waits for its own daily reset.
"""

from __future__ import annotations

import re
import time
from html import unescape
from typing import Any

import httpx

from carecast.channels import profiles
from carecast.channels.connectors import base, rest
from carecast.channels.models import ChannelAccount, PublishJob

API = "https://api.x.com"
NAME = "X"
MAX_PARTS = 25
MAX_IMAGES = 4
ALT_TEXT_MAX = 1000
READ_BACK = 100  # recent posts searched when reading back
LINK = re.compile(r"https?://\S+")
STATUS_URL = re.compile(r"^https://(?:www\.)?(?:x|twitter)\.com/[^/]+/status/(\d+)")


class _Duplicate(base.DoNotRetry):
    """X already has a post with these words from this account."""


def _url(account: ChannelAccount, tweet_id: str) -> str:
    return f"https://x.com/{account.handle or 'i/web'}/status/{tweet_id}"


def _words_of(text: str) -> str:
    """Text as X gives it back compared with what we sent: links become t.co links (so any link is
    one marker), &, < and > come back escaped, and spacing may differ."""
    return " ".join(LINK.sub("\x00", unescape(text)).split())


def same_text(sent: str, on_x: str) -> bool:
    ours, theirs = _words_of(sent), _words_of(on_x)
    # A post with an image ends with the image's own t.co link.
    return theirs == ours or (theirs.startswith(ours) and not theirs[len(ours) :].replace("\x00", "").strip())


def _check(response: httpx.Response) -> Any:
    """The body of a successful answer; X's refusals in plain words otherwise."""
    if response.is_success:
        return rest.json_of(response)
    words = rest.words(response)
    if response.status_code == 429:
        raise _limited(response)
    if response.status_code == 403 and "duplicate content" in words.lower():
        raise _Duplicate(words)
    if response.status_code == 404:
        raise base.DoNotRetry(f"not found on X ({words})")
    errors = rest.json_of(response).get("errors") if isinstance(rest.json_of(response), dict) else None
    if errors and isinstance(errors, list) and errors[0].get("message"):
        words = str(errors[0]["message"])
    raise base.DoNotRetry(f"X refused it: {words}")


def _limited(response: httpx.Response) -> base.RetryLater:
    headers = response.headers
    now = time.time()
    if headers.get("x-app-limit-24hour-remaining") == "0":
        reset = float(headers.get("x-app-limit-24hour-reset") or now + 3600)
        return base.RetryLater(
            "X's daily limit for carecast as a whole", retry_after=max(reset - now, 1), scope="app"
        )
    if headers.get("x-user-limit-24hour-remaining") == "0":
        reset = float(headers.get("x-user-limit-24hour-reset") or now + 3600)
        return base.RetryLater("X's daily limit for this account", retry_after=max(reset - now, 1))
    reset = float(headers.get("x-rate-limit-reset") or now + 900)
    return base.RetryLater("X's rate limit", retry_after=max(reset - now, 1))


class XConnector(base.BaseConnector):
    name = "x"
    supports_threads = True
    supports_replies = True
    supports_images = True
    supports_alt_text = True
    supports_delete = True
    supports_metrics = True

    def connect(self, account: ChannelAccount) -> None:
        with rest.client(account, API) as http:
            me = _check(self._call(http, "GET", "/2/users/me", sent=False))["data"]
        account.external_id, account.handle = str(me["id"]), me["username"]

    def publish(self, job: PublishJob, payload: base.Payload) -> base.PublishResult:
        account = rest.account_of(job)
        parts = [payload.text, *payload.thread]
        if len(parts) > MAX_PARTS:
            raise base.DoNotRetry(f"an X thread here has at most {MAX_PARTS} posts")
        for number, text in enumerate(parts[1:], start=2):  # the engine checks the first part
            too_long = profiles.problems(text, "x")
            if too_long:  # refused before anything is sent, not half a thread later
                raise base.DoNotRetry(f"part {number} of the thread: {too_long[0]}")
        if len(payload.media) > MAX_IMAGES:
            raise base.DoNotRetry(f"X takes {MAX_IMAGES} images at most")
        if any(item.kind != "image" for item in payload.media):
            raise base.DoNotRetry("carecast sends images to X, not videos")
        above = _tweet_id(payload.reply_to) if payload.reply_to else ""
        with rest.client(account, API) as http:
            media_ids = [self._upload(http, item) for item in payload.media]
            first: dict[str, Any] | None = None
            for index, text in enumerate(parts):
                body: dict[str, Any] = {"text": text}
                if index == 0 and media_ids:
                    body["media"] = {"media_ids": media_ids}
                if above:
                    body["reply"] = {"in_reply_to_tweet_id": above}
                tweet = self._post(http, account, body, since=job.created_at.timestamp())
                first = first or tweet
                above = str(tweet["id"])
        assert first is not None
        return base.PublishResult(external_id=str(first["id"]), url=_url(account, str(first["id"])))

    def lookup(self, job: PublishJob, payload: base.Payload | None = None) -> base.PublishResult | None:
        """The job's post (every part of a thread) among the account's posts since the job was made."""
        account = rest.account_of(job)
        assert payload is not None
        parts = [payload.text, *payload.thread]
        with rest.client(account, API) as http:
            found = self._find(http, account, parts, since=job.created_at.timestamp())
        if len(found) < len(parts):
            return None
        return base.PublishResult(external_id=found[0], url=_url(account, found[0]))

    def delete(self, job: PublishJob) -> None:
        account = rest.account_of(job)
        with rest.client(account, API) as http:
            response = self._call(http, "DELETE", f"/2/tweets/{job.external_id}", sent=True)
        if response.status_code == 404:
            return  # already gone counts as deleted
        _check(response)

    def metrics(self, job: PublishJob) -> base.Metrics | None:
        account = rest.account_of(job)
        with rest.client(account, API) as http:
            response = self._call(
                http,
                "GET",
                f"/2/tweets/{job.external_id}",
                sent=False,
                params={"tweet.fields": "public_metrics"},
            )
        counts = _check(response)["data"].get("public_metrics") or {}
        return base.Metrics(
            likes=counts.get("like_count"),
            reposts=counts.get("retweet_count"),
            replies=counts.get("reply_count"),
            quotes=counts.get("quote_count"),
            impressions=counts.get("impression_count"),
        )

    # ------------------------------------------------------------------ helpers

    def _call(
        self, http: httpx.Client, method: str, url: str, *, sent: bool, **kwargs: Any
    ) -> httpx.Response:
        return rest.call(http, method, url, network=NAME, sent=sent, **kwargs)

    def _post(
        self, http: httpx.Client, account: ChannelAccount, body: dict[str, Any], *, since: float
    ) -> dict[str, Any]:
        """Send one post. X's "duplicate content" answer means a post with these words exists: when it
        was made for this job (since the job was created: an earlier attempt whose answer was lost),
        it is the post; an older one is someone's earlier post, and this one needs other words."""
        try:
            return _check(self._call(http, "POST", "/2/tweets", sent=True, json=body))["data"]
        except _Duplicate as exc:
            above = (body.get("reply") or {}).get("in_reply_to_tweet_id", "")
            found = self._find(http, account, [body["text"]], since=since, replying_to=above)
            if found:
                return {"id": found[0]}
            raise base.DoNotRetry(
                "X refuses the same words twice and has them from an earlier post; change the wording"
            ) from exc

    def _find(
        self,
        http: httpx.Client,
        account: ChannelAccount,
        parts: list[str],
        *,
        since: float | None = None,
        replying_to: str = "",
    ) -> list[str]:
        """The ids of the posts carrying `parts` in order (each later part replying to the one before),
        as far as they exist."""
        params: dict[str, Any] = {"max_results": READ_BACK, "tweet.fields": "created_at,referenced_tweets"}
        if since is not None:
            params["start_time"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(since - 1))
        response = self._call(
            http, "GET", f"/2/users/{account.external_id}/tweets", sent=False, params=params
        )
        recent = list(reversed(_check(response).get("data") or []))  # oldest first
        found: list[str] = []
        for text in parts:
            above = found[-1] if found else replying_to
            match = next(
                (
                    t
                    for t in recent
                    if same_text(text, t.get("text", ""))
                    and (not above or _replies_to(t) == above)
                    and str(t["id"]) not in found
                ),
                None,
            )
            if match is None:
                break
            found.append(str(match["id"]))
        return found

    def _upload(self, http: httpx.Client, item: base.Media) -> str:
        data, mime, filename = rest.media_bytes(item)
        response = self._call(
            http,
            "POST",
            "/2/media/upload",
            sent=False,  # an unused upload is harmless: X discards it within a day
            files={"media": (filename, data, mime)},
            data={"media_category": "tweet_image", "media_type": mime},
        )
        media_id = str(_check(response)["data"]["id"])
        if item.alt_text:
            body = {"id": media_id, "metadata": {"alt_text": {"text": item.alt_text[:ALT_TEXT_MAX]}}}
            _check(self._call(http, "POST", "/2/media/metadata", sent=False, json=body))
        return media_id


def _replies_to(tweet: dict[str, Any]) -> str:
    for ref in tweet.get("referenced_tweets") or []:
        if ref.get("type") == "replied_to":
            return str(ref.get("id"))
    return ""


def _tweet_id(address: str) -> str:
    """The id of the post a reply answers, given as an id or as its x.com / twitter.com address."""
    if address.isdigit():
        return address
    match = STATUS_URL.match(address)
    if not match:
        raise base.DoNotRetry(f"{address!r} is not the address of a post on X")
    return match.group(1)
