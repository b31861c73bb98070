"""Mastodon, through Mastodon.py: statuses, images with descriptions, threads, replies, deletes and
counts. Every status is sent with an `Idempotency-Key` derived from the job and the thread part, so
the server answers a repeated call with the status it already made instead of a second one."""

from __future__ import annotations

import mimetypes
import re
import time
from html import unescape
from typing import Any
from urllib.parse import urlsplit

from django.core.files.storage import default_storage
from mastodon import (
    Mastodon,
    MastodonAPIError,
    MastodonNetworkError,
    MastodonNotFoundError,
    MastodonRatelimitError,
    MastodonServerError,
    MastodonUnauthorizedError,
)

from carecast.channels.connectors import base
from carecast.channels.models import ChannelAccount, PublishJob

MAX_PARTS = 25
TIMEOUT = 20  # seconds for one call
# Mastodon keeps an Idempotency-Key for an hour: within that, sending a job again is safe.
KEY_TTL = 3600


def idempotency_key(job: PublishJob, part: int = 0) -> str:
    return f"carecast-job-{job.pk}-{job.created_at:%Y%m%d%H%M%S}-{part}"


def _client(account: ChannelAccount) -> Mastodon:
    return Mastodon(
        access_token=account.secret,
        api_base_url=account.endpoint,
        request_timeout=TIMEOUT,
        ratelimit_method="throw",
        version_check_mode="none",
    )


def _plain(html: str) -> str:
    """A status's HTML content as the words in it (to compare with what we sent)."""
    text = re.sub(r"<br\s*/?>|</p>\s*<p>", "\n", html)
    return " ".join(unescape(re.sub(r"<[^>]+>", "", text)).split())


class MastodonConnector(base.BaseConnector):
    name = "mastodon"
    supports_threads = True
    supports_replies = True
    supports_images = True
    supports_alt_text = True
    supports_idempotency = True
    supports_delete = True
    supports_metrics = True

    def connect(self, account: ChannelAccount) -> None:
        me = self._call(lambda: _client(account).account_verify_credentials(), sent=False)
        account.external_id, account.handle = str(me["id"]), me["acct"]

    def publish(self, job: PublishJob, payload: base.Payload) -> base.PublishResult:
        account = job.account
        assert account is not None
        client = _client(account)
        parts = [payload.text, *payload.thread]
        if len(parts) > MAX_PARTS:
            raise base.DoNotRetry(f"a Mastodon thread here has at most {MAX_PARTS} posts")
        media_ids = self._media(client, payload.media)
        above = self._resolve(client, payload.reply_to) if payload.reply_to else None
        first: dict[str, Any] | None = None
        for index, text in enumerate(parts):
            status = self._call(
                lambda text=text, index=index, above=above: client.status_post(
                    text,
                    in_reply_to_id=above,
                    media_ids=media_ids if index == 0 else None,
                    idempotency_key=idempotency_key(job, index),
                ),
                sent=True,
                client=client,
            )
            first = first or status
            above = status["id"]
        assert first is not None
        return base.PublishResult(external_id=str(first["id"]), url=first.get("url") or "")

    def lookup(self, job: PublishJob, payload: base.Payload | None = None) -> base.PublishResult | None:
        """Read back: the account's recent statuses, matched by text. Within the hour Mastodon keeps
        idempotency keys, "not found" is also safe to act on: sending again with the same key cannot
        make a second status."""
        account = job.account
        assert account is not None and payload is not None
        client = _client(account)
        wanted = " ".join(payload.text.split())
        recent = self._call(
            lambda: client.account_statuses(account.external_id, limit=40, exclude_reblogs=True),
            sent=False,
            client=client,
        )
        for status in recent:
            if _plain(status.get("content") or "") == wanted:
                return base.PublishResult(external_id=str(status["id"]), url=status.get("url") or "")
        if time.time() - job.created_at.timestamp() > KEY_TTL:
            raise base.DoNotRetry("too long ago to tell safely; check the account on Mastodon by hand")
        return None

    def delete(self, job: PublishJob) -> None:
        assert job.account is not None
        client = _client(job.account)
        try:
            self._call(lambda: client.status_delete(job.external_id), sent=True)
        except base.DoNotRetry as exc:
            if "not found" not in str(exc).lower():
                raise  # already gone counts as deleted

    def metrics(self, job: PublishJob) -> base.Metrics | None:
        assert job.account is not None
        client = _client(job.account)
        status = self._call(lambda: client.status(job.external_id), sent=False, client=client)
        return base.Metrics(
            likes=status.get("favourites_count"),
            reposts=status.get("reblogs_count"),
            replies=status.get("replies_count"),
        )

    # ------------------------------------------------------------------ helpers

    def _media(self, client: Mastodon, media: tuple[base.Media, ...]) -> list[Any] | None:
        if not media:
            return None
        ids = []
        for item in media[:4]:
            with default_storage.open(item.path, "rb") as handle:
                data = handle.read()
            mime = mimetypes.guess_type(item.path)[0] or "application/octet-stream"
            uploaded = self._call(
                lambda data=data, mime=mime, item=item: client.media_post(
                    data, mime_type=mime, description=item.alt_text, file_name=item.path.rsplit("/", 1)[-1]
                ),
                sent=False,  # an unused upload is harmless: the status is what counts
            )
            ids.append(uploaded["id"])
        return ids

    def _resolve(self, client: Mastodon, address: str) -> Any:
        """The id, on our instance, of the status a reply answers (an id, or its web address)."""
        if address.isdigit():
            return address
        if urlsplit(address).scheme != "https":
            raise base.DoNotRetry(f"{address!r} is not a Mastodon post address")
        found = self._call(
            lambda: client.search_v2(address, resolve=True, result_type="statuses"), sent=False
        )
        statuses = found.get("statuses") or []
        if not statuses:
            raise base.DoNotRetry("Mastodon cannot find the post this replies to; it may have been deleted")
        return statuses[0]["id"]

    def _call(self, call: Any, *, sent: bool, client: Mastodon | None = None) -> Any:
        """Run one API call; turn Mastodon.py's errors into what the engine should do. `sent`: the
        call changes something on the server, so an unclear failure means the outcome is unknown."""
        try:
            return call()
        except MastodonUnauthorizedError as exc:
            raise base.Reconnect(f"Mastodon refused the access token ({_words(exc)})") from exc
        except MastodonRatelimitError as exc:
            raise base.RetryLater("Mastodon's rate limit", retry_after=_reset_in(client)) from exc
        except MastodonNotFoundError as exc:
            raise base.DoNotRetry(f"not found on Mastodon ({_words(exc)})") from exc
        except MastodonServerError as exc:
            if sent:
                raise base.OutcomeUnknown(f"Mastodon answered {_status(exc)}") from exc
            raise base.RetryLater(f"Mastodon answered {_status(exc)}") from exc
        except MastodonNetworkError as exc:
            if sent:
                raise base.OutcomeUnknown("the connection to Mastodon failed during the call") from exc
            raise base.RetryLater("could not reach Mastodon") from exc
        except MastodonAPIError as exc:
            if _status(exc) == 429:
                raise base.RetryLater("Mastodon's rate limit", retry_after=60) from exc
            raise base.DoNotRetry(f"Mastodon refused it: {_words(exc)}") from exc


def _status(exc: Exception) -> int | None:
    args: tuple[Any, ...] = exc.args
    return args[1] if len(args) > 1 and isinstance(args[1], int) else None


def _words(exc: Exception) -> str:
    """The server's own message (Mastodon.py passes status, reason and error text as arguments)."""
    args = [a for a in getattr(exc, "args", ()) if a]
    return str(args[-1]) if len(args) > 1 else exc.__class__.__name__


def _reset_in(client: Mastodon | None) -> float:
    """Seconds until the limit resets, from the X-RateLimit-Reset header Mastodon.py keeps."""
    reset = getattr(client, "ratelimit_reset", None)
    return max(float(reset) - time.time(), 1.0) if reset else 60.0
