"""Bluesky (AT Protocol), through the `atproto` SDK, on bsky.social or any PDS.

Each post is written with `com.atproto.repo.createRecord` under a record key derived from the job
(`record_key`), so a repeated call finds the record already there instead of posting twice, and the
reconciler settles an unknown outcome by reading that record back. Accounts connect with an app
password; the session tokens are kept (encrypted) so posting does not sign in every time.
"""

from __future__ import annotations

import base64
import json
import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx
from atproto import Client, models
from atproto_client.exceptions import (
    BadRequestError,
    InvokeTimeoutError,
    NetworkError,
    RateLimitExceededError,
    RequestErrorBase,
    RequestException,
    UnauthorizedError,
)
from atproto_client.request import Request
from django.core.files.storage import default_storage

from carecast.channels.connectors import base
from carecast.channels.models import ChannelAccount, PublishJob

POST = "app.bsky.feed.post"
TIMEOUT = 15
MAX_IMAGE_BYTES = 1_000_000  # Bluesky refuses larger images
MAX_PARTS = 32
TID_CHARS = "234567abcdefghijklmnopqrstuvwxyz"
LINK = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]", re.IGNORECASE)
T = TypeVar("T")
log = logging.getLogger(__name__)


def record_key(job: PublishJob, part: int = 0) -> str:
    """A TID (the record key Bluesky posts must have) that is the same on every call for this job and
    thread part: the job's creation second in the timestamp, the job id in the microseconds and the
    clock id, the part number in the clock id. Distinct for job ids below 32 million created within
    the same second, and close to the real creation time (Bluesky sorts by it)."""
    if not 0 <= part < MAX_PARTS:
        raise base.DoNotRetry(f"a Bluesky thread here has at most {MAX_PARTS} posts")
    micros = int(job.created_at.timestamp()) * 1_000_000 + job.pk % 1_000_000
    clock = (job.pk // 1_000_000 % 32) << 5 | part
    value = micros << 10 | clock
    return "".join(TID_CHARS[(value >> (5 * i)) & 31] for i in reversed(range(13)))


def web_url(job: PublishJob) -> str:
    account = job.account
    assert account is not None
    return f"https://bsky.app/profile/{account.handle or account.external_id}/post/{record_key(job)}"


def link_facets(text: str) -> list[models.AppBskyRichtextFacet.Main] | None:
    """Bluesky shows links only where a facet marks them, by byte offsets in UTF-8."""
    facets = []
    for match in LINK.finditer(text):
        start = len(text[: match.start()].encode())
        facets.append(
            models.AppBskyRichtextFacet.Main(
                index=models.AppBskyRichtextFacet.ByteSlice(
                    byte_start=start, byte_end=start + len(match.group().encode())
                ),
                features=[models.AppBskyRichtextFacet.Link(uri=match.group())],
            )
        )
    return facets or None


def _password_scope(access_jwt: str) -> str:
    try:
        body = access_jwt.split(".")[1]
        return str(json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))).get("scope", ""))
    except (IndexError, ValueError):
        return ""


def _error_name(exc: RequestErrorBase) -> tuple[str, str]:
    content = exc.response.content if exc.response is not None else None
    return str(getattr(content, "error", "") or ""), str(getattr(content, "message", "") or "")


def translate(exc: Exception) -> base.ConnectorError:
    """What an SDK error means for the engine: safe to retry, refused, reconnect, or unknown."""
    if isinstance(exc, base.ConnectorError):
        return exc
    if isinstance(exc, RateLimitExceededError):
        wait = exc.retry_after
        if wait is None and exc.reset_at is not None:
            wait = max((exc.reset_at - datetime.now(UTC)).total_seconds(), 0.0)
        return base.RetryLater("Bluesky's rate limit for this account was reached", retry_after=wait)
    if isinstance(exc, UnauthorizedError):
        return base.Reconnect("Bluesky no longer accepts this account's app password")
    if isinstance(exc, BadRequestError):
        error, message = _error_name(exc)
        if error in ("AccountTakedown", "AccountDeactivated", "ExpiredToken", "InvalidToken"):
            return base.Reconnect(f"Bluesky says {error}: {message}".rstrip(": "))
        return base.DoNotRetry(f"Bluesky refused it: {message or error or 'invalid request'}")
    cause = exc.__cause__
    if isinstance(cause, httpx.ConnectError | httpx.ConnectTimeout):
        return base.RetryLater(f"Bluesky could not be reached ({cause.__class__.__name__})")
    if isinstance(exc, InvokeTimeoutError):
        return base.OutcomeUnknown("Bluesky did not answer in time")
    if isinstance(exc, NetworkError | RequestException) and exc.response is not None:
        status = exc.response.status_code
        if status == 413:
            return base.DoNotRetry("Bluesky says the post or its image is too large")
        if status == 503:
            return base.RetryLater("Bluesky is unavailable for now (HTTP 503)")
        return base.OutcomeUnknown(f"Bluesky answered HTTP {status}")
    return base.OutcomeUnknown(f"the call to Bluesky broke off ({exc.__class__.__name__})")


def post_address(uri: str) -> tuple[str, str, str] | None:
    """(repo, collection, record key) from an at:// address or a post's web link (the repo may be a
    handle: the PDS resolves it)."""
    if uri.startswith("at://"):
        parts = uri.removeprefix("at://").split("/")
        return (parts[0], parts[1], parts[2]) if len(parts) == 3 and all(parts) else None
    web = urlsplit(uri)
    path = web.path.strip("/").split("/")
    if web.scheme == "https" and len(path) == 4 and path[0] == "profile" and path[2] == "post":
        return (path[1], POST, path[3]) if path[1] and path[3] else None
    return None


class BlueskyConnector(base.BaseConnector):
    name = "bluesky"
    supports_threads = True
    supports_replies = True
    supports_images = True
    supports_alt_text = True
    supports_idempotency = True  # a record key derived from the job
    supports_delete = True
    supports_metrics = True  # through the AppView (getPosts); a PDS alone has none

    # ------------------------------------------------------------------ sessions

    def _client(self, account: ChannelAccount) -> Client:
        url = (account.endpoint or "https://bsky.social").rstrip("/")
        url = url if url.endswith("/xrpc") else url + "/xrpc"
        return Client(base_url=url, request=Request(timeout=TIMEOUT))

    def _save_session(self, account: ChannelAccount, client: Client) -> None:
        account.session = client.export_session_string()
        ChannelAccount.objects.filter(pk=account.pk).update(session=account.session)

    def _sign_in(self, account: ChannelAccount, *, save: bool = True) -> Client:
        client = self._client(account)
        try:
            client.login(account.handle, account.secret, fetch_bsky_profile=False)
        except Exception as exc:
            client.request.close()
            raise translate(exc) from exc
        if save and account.pk:
            self._save_session(account, client)
        return client

    def _call(self, account: ChannelAccount, call: Callable[[Client], T]) -> T:
        """Run `call` with a signed-in client: the saved session first; if Bluesky refuses it (a
        refusal writes nothing), sign in again with the app password and repeat once."""
        if account.session:
            client = self._client(account)
            try:
                try:
                    client.login(session_string=account.session, fetch_bsky_profile=False)
                except Exception:  # an unreadable or expired session: sign in afresh below
                    log.info("saved Bluesky session of account %s unusable; signing in", account.pk)
                else:
                    client.on_session_change(lambda *_: self._save_session(account, client))
                    return call(client)
            except UnauthorizedError:
                pass
            except BadRequestError as exc:
                if _error_name(exc)[0] not in ("ExpiredToken", "InvalidToken"):
                    raise translate(exc) from exc
            except Exception as exc:
                raise translate(exc) from exc
            finally:
                client.request.close()
        fresh = self._sign_in(account)
        try:
            return call(fresh)
        except Exception as exc:
            raise translate(exc) from exc
        finally:
            fresh.request.close()

    def connect(self, account: ChannelAccount) -> None:
        client = self._sign_in(account, save=False)  # nothing is kept until the caller saves the account
        client.request.close()
        session = client._session  # the SDK keeps the sign-in's answer here
        assert session is not None
        if _password_scope(session.access_jwt) == "com.atproto.access":
            raise base.DoNotRetry(
                "that is the account's main password; create an app password in Bluesky's settings "
                "(Privacy and security → App passwords) and use it instead"
            )
        account.external_id, account.handle = session.did, session.handle
        account.session = client.export_session_string()

    # ------------------------------------------------------------------ posting

    def _get(self, client: Client, uri: str) -> Any:
        parts = post_address(uri)
        if parts is None:
            raise base.DoNotRetry(
                f"{uri!r} is not a Bluesky post address (at://… or https://bsky.app/profile/…/post/…)"
            )
        return client.com.atproto.repo.get_record(
            {"repo": parts[0], "collection": parts[1], "rkey": parts[2]}
        )

    def _existing(self, client: Client, did: str, rkey: str) -> models.ComAtprotoRepoStrongRef.Main | None:
        try:
            found = client.com.atproto.repo.get_record({"repo": did, "collection": POST, "rkey": rkey})
        except BadRequestError as exc:
            if _error_name(exc)[0] == "RecordNotFound":
                return None
            raise
        return models.ComAtprotoRepoStrongRef.Main(uri=found.uri, cid=found.cid or "")

    def _images(self, client: Client, media: tuple[base.Media, ...]) -> Any:
        if not media:
            return None
        if any(m.kind != "image" for m in media):
            raise base.DoNotRetry("carecast posts only images to Bluesky, not video")
        images = []
        for item in media[:4]:
            with default_storage.open(item.path, "rb") as handle:
                data = handle.read()
            if len(data) > MAX_IMAGE_BYTES:
                raise base.DoNotRetry(
                    f"the image is {len(data) / 1e6:.1f} MB; Bluesky takes at most 1 MB. Use a smaller one"
                )
            blob = client.upload_blob(data).blob  # content-addressed: uploading again is harmless
            images.append(models.AppBskyEmbedImages.Image(alt=item.alt_text, image=blob))
        return models.AppBskyEmbedImages.Main(images=images)

    def _write(self, job: PublishJob, payload: base.Payload, client: Client) -> base.PublishResult:
        account = job.account
        assert account is not None
        did = account.external_id
        parent = root = None
        if payload.reply_to:
            above = self._get(client, payload.reply_to)
            parent = models.ComAtprotoRepoStrongRef.Main(uri=above.uri, cid=above.cid or "")
            reply = getattr(above.value, "reply", None)
            root = reply.root if reply is not None else parent
        texts = [payload.text, *payload.thread]
        refs = []
        for index, text in enumerate(texts):
            rkey = record_key(job, index)
            ref = self._existing(client, did, rkey)  # written by an earlier call whose answer was lost
            if ref is None:
                record = models.AppBskyFeedPost.Record(
                    text=text,
                    created_at=client.get_current_time_iso(),
                    facets=link_facets(text),
                    embed=self._images(client, payload.media) if index == 0 else None,
                    reply=models.AppBskyFeedPost.ReplyRef(root=root, parent=parent) if parent else None,
                )
                data = models.ComAtprotoRepoCreateRecord.Data(
                    repo=did, collection=POST, rkey=rkey, record=record
                )
                created = client.com.atproto.repo.create_record(data)
                ref = models.ComAtprotoRepoStrongRef.Main(uri=created.uri, cid=created.cid)
            refs.append(ref)
            parent = ref
            root = root or ref
        first = refs[0]
        return base.PublishResult(
            external_id=first.uri, url=web_url(job), extra={"cid": first.cid, "parts": str(len(refs))}
        )

    def publish(self, job: PublishJob, payload: base.Payload) -> base.PublishResult:
        account = job.account
        if account is None or not account.external_id:
            raise base.Reconnect("this job has no connected Bluesky account")
        return self._call(account, lambda client: self._write(job, payload, client))

    def lookup(self, job: PublishJob, payload: base.Payload | None = None) -> base.PublishResult | None:
        account = job.account
        assert account is not None
        parts = 1 + len(payload.thread) if payload else 1

        def read(client: Client) -> base.PublishResult | None:
            refs = [self._existing(client, account.external_id, record_key(job, i)) for i in range(parts)]
            if any(ref is None for ref in refs):
                return None
            first = refs[0]
            assert first is not None
            return base.PublishResult(external_id=first.uri, url=web_url(job))

        return self._call(account, read)

    def delete(self, job: PublishJob) -> None:
        """Delete the post and any thread parts after it (deleting a missing record is a no-op)."""
        account = job.account
        assert account is not None

        def remove(client: Client) -> None:
            for index in range(MAX_PARTS):
                rkey = record_key(job, index)
                if index and self._existing(client, account.external_id, rkey) is None:
                    break
                data = models.ComAtprotoRepoDeleteRecord.Data(
                    repo=account.external_id, collection=POST, rkey=rkey
                )
                client.com.atproto.repo.delete_record(data)

        self._call(account, remove)

    def metrics(self, job: PublishJob) -> base.Metrics | None:
        """Counts come from the AppView (`app.bsky.feed.getPosts`, proxied by the PDS). A PDS with no
        AppView behind it has none: then None."""
        account = job.account
        assert account is not None

        def read(client: Client) -> base.Metrics | None:
            try:
                posts = client.app.bsky.feed.get_posts({"uris": [job.external_id]}).posts
            except BadRequestError as exc:
                if "No service configured" in _error_name(exc)[1]:
                    return None
                raise
            if not posts:
                return None
            post = posts[0]
            return base.Metrics(
                likes=post.like_count,
                reposts=post.repost_count,
                replies=post.reply_count,
                quotes=post.quote_count,
            )

        return self._call(account, read)
