"""An Instagram business account, through the Graph API v21.0 content publishing flow (httpx; see
graph.py for the errors), with Facebook Login: the token is the linked Facebook Page's.

Endpoints: `GET /me?fields=id,name,instagram_business_account{id,username}` (connect: the Page's
Instagram account, whose id is kept in `account.external_id`); `POST /{ig-user-id}/media` (a
container: `image_url`, `caption`, `alt_text`; a carousel's items with `is_carousel_item`, then the
carousel with `media_type=CAROUSEL` and `children`); `GET /{container-id}?fields=status_code,status`
(until FINISHED); `POST /{ig-user-id}/media_publish` (`creation_id`); `GET /{media-id}?fields=
permalink`; `GET /{ig-user-id}/media` (read back by caption); `DELETE /{media-id}`; `GET /{media-id}/
insights?metric=likes,comments,shares,views`.

Instagram fetches images itself, from a public address: the media file's absolute URL
(settings.SITE_URL and the storage's URL; JPEG only, so other images are converted first). A post
without an image is refused. A container is published at most once, so the job keeps its container
id (in the job's `network_state`, as `container:<id>:<fingerprint of what it holds>`, until the post's own id
replaces it): a retry of the same post publishes that same container, and the reconciler asks the
container whether it was published."""

from __future__ import annotations

import contextlib
import hashlib
import io
import time
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from carecast.channels.connectors import base
from carecast.channels.connectors.graph import (
    Gone,
    Graph,
    choose_page,
    graph_time,
    insight,
    normal,
    not_before,
)
from carecast.channels.models import ChannelAccount, PublishJob

LABEL = "Instagram"
MAX_IMAGES = 10
CONTAINER = "container:"
POLL_EVERY = 2.0  # seconds between looks at a container still being processed
POLL_TRIES = 10
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


def _graph(account: ChannelAccount | None) -> Graph:
    assert account is not None
    return Graph(account, LABEL)


def _ig_user(account: ChannelAccount | None) -> str:
    assert account is not None
    if not account.external_id:
        raise base.Reconnect("carecast does not know which Instagram account this is")
    return account.external_id


def fingerprint(payload: base.Payload) -> str:
    """What a container was made of (caption, images, alt texts), short: a container is reused only
    for the same post (an owner who edits the text and retries gets a new one)."""
    parts = [caption(payload), *(f"{m.path}\x1f{m.alt_text}" for m in payload.media)]
    return hashlib.sha256("\x1e".join(parts).encode()).hexdigest()[:12]


def kept_container(job: PublishJob, payload: base.Payload) -> str:
    """The container this job made earlier for this same post, if any ("" once the post's own id
    is recorded)."""
    if job.external_id or not job.network_state.startswith(CONTAINER):
        return ""
    container, _, made_of = job.network_state.removeprefix(CONTAINER).partition(":")
    return container if made_of == fingerprint(payload) else ""


def _keep_container(job: PublishJob, container: str, payload: base.Payload) -> None:
    """Remember the container across retries and for the reconciler (only this field changes: the
    engine saves the job's other fields itself)."""
    job.network_state = f"{CONTAINER}{container}:{fingerprint(payload)}"
    PublishJob.objects.filter(pk=job.pk).update(network_state=job.network_state)


def caption(payload: base.Payload) -> str:
    return (
        f"{payload.text}\n\n{payload.link}"
        if payload.link and payload.link not in payload.text
        else payload.text
    )


def image_url(media: base.Media) -> str:
    """The public address Instagram fetches the image from; a JPEG copy for other formats."""
    path = media.path
    if not path.lower().endswith((".jpg", ".jpeg")):
        path = _jpeg_copy(path)
    url = urljoin(settings.SITE_URL, default_storage.url(path))
    if (urlsplit(url).hostname or "") in LOCAL_HOSTS:
        raise base.DoNotRetry(
            "Instagram fetches images from carecast's public address, and this site has none (SITE_URL)"
        )
    return url


def _jpeg_copy(path: str) -> str:
    from PIL import Image  # installed for ImageField

    target = f"instagram/{path.rsplit('.', 1)[0]}.jpg"
    if default_storage.exists(target):
        return target
    with default_storage.open(path, "rb") as handle:
        try:
            image = Image.open(handle)
            image.load()
        except OSError as exc:
            raise base.DoNotRetry(
                "Instagram cannot use this image: it is not a picture carecast can read"
            ) from exc
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=90)
    return default_storage.save(target, ContentFile(out.getvalue()))


class InstagramConnector(base.BaseConnector):
    name = "instagram"
    supports_images = True
    supports_alt_text = True
    supports_idempotency = True  # a container publishes once
    supports_delete = True
    supports_metrics = True
    _last_status = ""  # Instagram's words about the container last looked at

    def connect(self, account: ChannelAccount) -> None:
        fields = "id,name,instagram_business_account{id,username}"
        me = choose_page(account, LABEL, fields=f"{fields},access_token")  # a person signed in
        me = me or Graph(account, LABEL).get("me", fields=fields)
        linked = me.get("instagram_business_account")
        if not linked:
            raise base.DoNotRetry(
                f"the Facebook Page {me.get('name', '')} has no Instagram business account linked to it"
            )
        account.external_id, account.handle = str(linked["id"]), linked.get("username", account.handle)

    def publish(self, job: PublishJob, payload: base.Payload) -> base.PublishResult:
        graph, ig_user = _graph(job.account), _ig_user(job.account)
        if not payload.media:
            raise base.DoNotRetry("Instagram posts need an image")
        if payload.thread:
            raise base.DoNotRetry("an Instagram post cannot be a thread; make it one post")
        if payload.reply_to:
            raise base.DoNotRetry("carecast cannot reply on Instagram yet; reply in the app")
        if any(m.kind != "image" for m in payload.media):
            raise base.DoNotRetry("carecast cannot post videos to Instagram yet")
        if len(payload.media) > MAX_IMAGES:
            raise base.DoNotRetry(f"an Instagram carousel takes at most {MAX_IMAGES} images")
        container = kept_container(job, payload)
        state = self._status(graph, container) if container else ""
        if state in ("EXPIRED", "ERROR", "GONE"):
            container, state = "", ""  # Instagram dropped it (after 24 hours): make a fresh one
        if not container:
            container = self._container(graph, ig_user, payload)
            _keep_container(job, container, payload)
            state = self._status(graph, container)
        state = self._wait(graph, container, state)
        if state == "PUBLISHED":
            return self._already_published(job, payload)
        try:
            made = graph.call("POST", f"{ig_user}/media_publish", data={"creation_id": container}, sent=True)
        except base.DoNotRetry:
            if self._status(graph, container) == "PUBLISHED":  # published before: find that post
                return self._already_published(job, payload)
            raise
        media_id = str(made["id"])
        try:
            url = graph.get(media_id, fields="permalink").get("permalink", "")
        except base.ConnectorError:
            url = ""  # the post is up; its address is a nicety
        return base.PublishResult(external_id=media_id, url=url)

    def lookup(self, job: PublishJob, payload: base.Payload | None = None) -> base.PublishResult | None:
        """Whether the job's container was published (Instagram says so), and then which post it
        became (the account's posts since the job was due, matched by caption)."""
        graph = _graph(job.account)
        if job.external_id:
            try:
                media = graph.get(job.external_id, fields="permalink")
            except Gone:
                return None
            return base.PublishResult(external_id=job.external_id, url=media.get("permalink", ""))
        assert payload is not None
        container = kept_container(job, payload)
        if container and self._status(graph, container) != "PUBLISHED":
            return None  # not published: publishing the same container again is safe
        return self._find(graph, job, payload)

    def delete(self, job: PublishJob) -> None:
        with contextlib.suppress(Gone):  # already gone counts as deleted
            _graph(job.account).call("DELETE", job.external_id, sent=True)

    def metrics(self, job: PublishJob) -> base.Metrics | None:
        insights = _graph(job.account).get(
            f"{job.external_id}/insights", metric="likes,comments,shares,views"
        )
        return base.Metrics(
            likes=insight(insights, "likes"),
            replies=insight(insights, "comments"),
            reposts=insight(insights, "shares"),
            impressions=insight(insights, "views"),
        )

    # ------------------------------------------------------------------ helpers

    def _container(self, graph: Graph, ig_user: str, payload: base.Payload) -> str:
        """Make the post's container (not public: losing its answer is harmless, it expires)."""
        if len(payload.media) == 1:
            (image,) = payload.media
            fields = {"image_url": image_url(image), "caption": caption(payload), "alt_text": image.alt_text}
            return str(graph.call("POST", f"{ig_user}/media", data=fields, sent=False)["id"])
        children = [
            str(
                graph.call(
                    "POST",
                    f"{ig_user}/media",
                    data={
                        "image_url": image_url(image),
                        "is_carousel_item": "true",
                        "alt_text": image.alt_text,
                    },
                    sent=False,
                )["id"]
            )
            for image in payload.media
        ]
        fields = {"media_type": "CAROUSEL", "children": ",".join(children), "caption": caption(payload)}
        return str(graph.call("POST", f"{ig_user}/media", data=fields, sent=False)["id"])

    def _status(self, graph: Graph, container: str) -> str:
        try:
            answer = graph.get(container, fields="status_code,status")
        except Gone:
            return "GONE"
        self._last_status = str(answer.get("status") or "")
        return str(answer.get("status_code") or "")

    def _wait(self, graph: Graph, container: str, state: str) -> str:
        """Look again while Instagram fetches and processes the image."""
        tries = 0
        while state == "IN_PROGRESS" and tries < POLL_TRIES:
            time.sleep(POLL_EVERY)
            state, tries = self._status(graph, container), tries + 1
        if state == "IN_PROGRESS":
            # No retry_after: that would hold back the whole account; the engine's backoff will do.
            raise base.RetryLater("Instagram is still processing the image; its container is kept")
        if state == "ERROR":
            raise base.DoNotRetry(
                f"Instagram could not use the image ({self._last_status or 'no reason given'})"
            )
        if state not in ("FINISHED", "PUBLISHED"):
            raise base.RetryLater(f"Instagram says the post is {state.lower() or 'not ready'}")
        return state

    def _already_published(self, job: PublishJob, payload: base.Payload) -> base.PublishResult:
        found = self._find(_graph(job.account), job, payload)
        if found is None:
            raise base.DoNotRetry(
                "Instagram says this post was published but carecast cannot find it; check the account"
            )
        return found

    def _find(self, graph: Graph, job: PublishJob, payload: base.Payload) -> base.PublishResult | None:
        wanted = normal(caption(payload))
        listing = graph.get(
            f"{_ig_user(job.account)}/media", fields="id,caption,permalink,timestamp", limit=25
        )
        for media in listing.get("data") or []:
            if normal(media.get("caption", "")) != wanted:
                continue
            if media.get("timestamp") and graph_time(media["timestamp"]) < not_before(job):
                continue
            return base.PublishResult(external_id=str(media["id"]), url=media.get("permalink", ""))
        return None
