"""A Facebook Page, through the Graph API v21.0 (httpx; see graph.py for the errors).

Endpoints: `GET /me?fields=id,name` (connect: the Page token's Page, whose id is kept in
`account.external_id`); `POST /{page-id}/feed` (message, link; several photos as `attached_media`);
`POST /{page-id}/photos` (one photo: `source` uploaded with `caption` and `alt_text_custom`; for
several, each uploaded with `published=false` first); `GET /{post-id}?fields=id,permalink_url` (read a
known post back); `GET /{page-id}/published_posts` (read back a post whose answer was lost, matched
by its text); `DELETE /{post-id}`; `GET /{post-id}?fields=
reactions.summary(true),comments.summary(true),shares` and `GET /{post-id}/insights?metric=
post_impressions` (counts). The Graph API has no idempotency key: a lost answer leaves the job
unconfirmed until the reconciler has read the Page's posts back."""

from __future__ import annotations

import contextlib
import mimetypes
from typing import Any

from django.core.files.storage import default_storage

from carecast.channels.connectors import base
from carecast.channels.connectors.graph import (
    Duplicate,
    Gone,
    Graph,
    choose_page,
    graph_time,
    insight,
    normal,
    not_before,
    since_param,
)
from carecast.channels.models import ChannelAccount, PublishJob

LABEL = "Facebook"
MAX_PHOTOS = 10


def _graph(account: ChannelAccount | None) -> Graph:
    assert account is not None
    return Graph(account, LABEL)


def _page(account: ChannelAccount | None) -> str:
    assert account is not None
    if not account.external_id:
        raise base.Reconnect("carecast does not know which Facebook Page this is")
    return account.external_id


def post_url(post_id: str) -> str:
    return f"https://www.facebook.com/{post_id}"


def with_link(text: str, link: str) -> str:
    """A caption that carries the link (photos take no `link` of their own)."""
    return f"{text}\n\n{link}" if link and link not in text else text


class FacebookConnector(base.BaseConnector):
    name = "facebook"
    supports_images = True
    supports_alt_text = True
    supports_delete = True
    supports_metrics = True

    def connect(self, account: ChannelAccount) -> None:
        page = choose_page(account, LABEL)
        if page is not None:  # a person signed in: post as the Page they chose
            account.external_id, account.handle = str(page["id"]), str(page.get("name", ""))
            return
        me = Graph(account, LABEL).get("me", fields="id,name")
        account.external_id = str(me["id"])
        account.handle = account.handle or me.get("name", "")

    def publish(self, job: PublishJob, payload: base.Payload) -> base.PublishResult:
        try:
            return self._publish(job, payload)
        except Duplicate:
            # Facebook refuses the same words twice in a row: if the post is this job's own (made by
            # a call whose answer was lost), it is published; if not, a person must look.
            found = self.lookup(job, payload)
            if found is None:
                raise
            return found

    def _publish(self, job: PublishJob, payload: base.Payload) -> base.PublishResult:
        graph, page = _graph(job.account), _page(job.account)
        if payload.thread:
            raise base.DoNotRetry("a Facebook Page post cannot be a thread; make it one post")
        if payload.reply_to:
            raise base.DoNotRetry("carecast cannot reply to Facebook posts yet; reply on Facebook")
        if any(m.kind != "image" for m in payload.media):
            raise base.DoNotRetry("carecast cannot post videos to Facebook yet")
        if len(payload.media) > MAX_PHOTOS:
            raise base.DoNotRetry(f"a Facebook post here takes at most {MAX_PHOTOS} photos")
        if len(payload.media) == 1:
            (photo,) = payload.media
            made = graph.call(
                "POST",
                f"{page}/photos",
                data={
                    "caption": with_link(payload.text, payload.link),
                    "alt_text_custom": photo.alt_text,
                    "published": "true",
                },
                files={"source": _file(photo)},
                sent=True,
            )
            post_id = str(made.get("post_id") or made["id"])
            return base.PublishResult(external_id=post_id, url=post_url(post_id))
        fields: dict[str, str] = {"message": payload.text}
        if payload.link:
            fields["link"] = payload.link
        for index, photo in enumerate(payload.media):
            uploaded = graph.call(
                "POST",
                f"{page}/photos",
                data={"published": "false", "alt_text_custom": photo.alt_text},
                files={"source": _file(photo)},
                sent=False,  # an unpublished photo shows nowhere: losing its answer is harmless
            )
            fields[f"attached_media[{index}]"] = f'{{"media_fbid":"{uploaded["id"]}"}}'
        made = graph.call("POST", f"{page}/feed", data=fields, sent=True)
        return base.PublishResult(external_id=str(made["id"]), url=post_url(str(made["id"])))

    def lookup(self, job: PublishJob, payload: base.Payload | None = None) -> base.PublishResult | None:
        """The job's post by its id when it has one; else the Page's posts since the job was due,
        matched by text (a photo's caption is the post's message, with the link when it was added)."""
        graph, page = _graph(job.account), _page(job.account)
        if job.external_id:
            try:
                post = graph.get(job.external_id, fields="id,permalink_url")
            except Gone:
                return None
            return base.PublishResult(external_id=str(post["id"]), url=post.get("permalink_url", ""))
        assert payload is not None
        wanted = {normal(payload.text), normal(with_link(payload.text, payload.link))}
        listing = graph.get(
            f"{page}/published_posts",
            fields="id,message,created_time,permalink_url",
            since=since_param(job),
            limit=50,
        )
        for post in listing.get("data") or []:
            if normal(post.get("message", "")) not in wanted:
                continue
            if post.get("created_time") and graph_time(post["created_time"]) < not_before(job):
                continue
            return base.PublishResult(
                external_id=str(post["id"]), url=post.get("permalink_url") or post_url(str(post["id"]))
            )
        return None

    def delete(self, job: PublishJob) -> None:
        with contextlib.suppress(Gone):  # already gone counts as deleted
            _graph(job.account).call("DELETE", job.external_id, sent=True)

    def metrics(self, job: PublishJob) -> base.Metrics | None:
        graph = _graph(job.account)
        post = graph.get(
            job.external_id,
            fields="reactions.summary(true).limit(0),comments.summary(true).limit(0),shares",
        )
        impressions = None
        try:
            insights = graph.get(f"{job.external_id}/insights", metric="post_impressions")
            impressions = insight(insights, "post_impressions")
        except base.DoNotRetry:
            pass  # insights need `read_insights`; the counts above do not
        return base.Metrics(
            likes=_total(post, "reactions"),
            replies=_total(post, "comments"),
            reposts=int((post.get("shares") or {}).get("count", 0)),
            impressions=impressions,
        )


def _file(media: base.Media) -> tuple[str, bytes, str]:
    with default_storage.open(media.path, "rb") as handle:
        data = handle.read()
    mime = mimetypes.guess_type(media.path)[0] or "application/octet-stream"
    return media.path.rsplit("/", 1)[-1], data, mime


def _total(post: Any, edge: str) -> int | None:
    summary = (post.get(edge) or {}).get("summary") or {}
    return int(summary["total_count"]) if "total_count" in summary else None
