"""A LinkedIn Page (an organization), through LinkedIn's versioned REST API (Community Management),
with httpx. Base URL https://api.linkedin.com; every call carries `LinkedIn-Version: 202411` and
`X-Restli-Protocol-Version: 2.0.0`; OAuth 2 member token of a Page administrator (scopes
w_organization_social, r_organization_social, rw_organization_admin).

- GET    /rest/organizationAcls?q=roleAssignee&state=APPROVED   connect: the Pages this member may
                                                                post for (account.external_id: its id)
- GET    /rest/organizations/{id}                               the Page's vanity name (the handle)
- POST   /rest/images?action=initializeUpload, then PUT uploadUrl   an image; its alt text goes in the post
- POST   /rest/posts                                            a post: author urn:li:organization:{id},
                                                                commentary, visibility PUBLIC,
                                                                distribution, lifecycleState PUBLISHED;
                                                                201 with the new URN in `x-restli-id`
- GET    /rest/posts?author=...&q=author                        read back, matched by commentary
- DELETE /rest/posts/{urn, URL-encoded}
- GET    /rest/organizationalEntityShareStatistics?q=organizationalEntity&shares=List(...)
         metrics: chosen over socialActions because it also gives impressions (likes, comments,
         shares and impressions of one post, in one call)

The commentary is in LinkedIn's "little text" format: the reserved characters | { } @ [ ] ( ) < > # \\
* _ ~ must be escaped or LinkedIn cuts the text short there; hashtags become hashtag templates.
LinkedIn has no idempotency key but refuses the same commentary twice ("duplicate"): that answer
is read back, never posted again. Its limits are daily and reset at midnight UTC; a 429 whose
message names the APPLICATION limit holds every account (scope "app").
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import httpx

from carecast.channels.connectors import base, rest
from carecast.channels.models import ChannelAccount, PublishJob

API = "https://api.linkedin.com"
NAME = "LinkedIn"
VERSION = "202411"
HEADERS = {"LinkedIn-Version": VERSION, "X-Restli-Protocol-Version": "2.0.0"}
MAX_IMAGES = 20
READ_BACK = 50
POSTING_ROLES = {"ADMINISTRATOR", "CONTENT_ADMINISTRATOR"}
RESERVED = re.compile(r"([|{}@\[\]()<>#\\*_~])")
HASHTAG = re.compile(r"(?<![\w#])#(\w+)")
HASHTAG_TEMPLATE = re.compile(r"\{hashtag\|\\?#\|([^}]*)\}")
MENTION_TEMPLATE = re.compile(r"@\[([^\]]*)\]\([^)]*\)")
UNESCAPE = re.compile(r"\\([|{}@\[\]()<>#\\*_~])")
POST_URN = re.compile(r"urn:li:(?:share|ugcPost):\d+")


def commentary(text: str) -> str:
    """Plain text in LinkedIn's little text format: reserved characters escaped, #words as hashtags."""
    out, last = [], 0
    for match in HASHTAG.finditer(text):
        out.append(RESERVED.sub(r"\\\1", text[last : match.start()]))
        out.append("{hashtag|\\#|" + match.group(1) + "}")
        last = match.end()
    out.append(RESERVED.sub(r"\\\1", text[last:]))
    return "".join(out)


def plain(little: str) -> str:
    """Little text format back to the words a reader sees (to compare with what we sent)."""
    text = HASHTAG_TEMPLATE.sub(r"#\1", little)
    text = MENTION_TEMPLATE.sub(r"\1", text)
    return " ".join(UNESCAPE.sub(r"\1", text).split())


def _org(account: ChannelAccount) -> str:
    return f"urn:li:organization:{account.external_id}"


def _url(urn: str) -> str:
    return f"https://www.linkedin.com/feed/update/{urn}/"


def _check(response: httpx.Response) -> Any:
    """The body of a successful answer; LinkedIn's refusals in plain words otherwise."""
    if response.is_success:
        return rest.json_of(response)
    words = rest.words(response)
    status = response.status_code
    if status == 429:
        raise _limited(response, words)
    if status in (400, 409, 422) and "duplicate" in words.lower():
        raise _Duplicate(words)
    if status == 403:
        raise base.Reconnect(f"LinkedIn says this sign-in may not do that for the Page any more ({words})")
    if status == 404:
        raise base.DoNotRetry(f"not found on LinkedIn ({words})")
    raise base.DoNotRetry(f"LinkedIn refused it: {words}")


class _Duplicate(base.DoNotRetry):
    """LinkedIn already has a post with this commentary."""


def _limited(response: httpx.Response, words: str) -> base.RetryLater:
    """LinkedIn's limits are per day (reset at midnight UTC) per member and per application; it says
    which in the message. A Retry-After header, when given, is honoured."""
    retry_after = response.headers.get("Retry-After")
    if retry_after and retry_after.isdigit():
        wait = float(retry_after)
    elif "DAY" in words.upper():
        wait = rest.seconds_until_midnight("UTC")
    else:
        wait = 60.0
    if "APPLICATION" in words.upper():
        return base.RetryLater(
            "LinkedIn's daily limit for carecast as a whole", retry_after=wait, scope="app"
        )
    return base.RetryLater("LinkedIn's rate limit for this account", retry_after=wait)


class LinkedInConnector(base.BaseConnector):
    name = "linkedin"
    supports_images = True
    supports_alt_text = True
    supports_delete = True
    supports_metrics = True

    def connect(self, account: ChannelAccount) -> None:
        """Check the token and find the Page: the one named by external_id (or an id given as the
        handle), else the only Page the member may post for."""
        with rest.client(account, API, HEADERS) as http:
            acls = _check(
                self._call(
                    http,
                    "GET",
                    "/rest/organizationAcls",
                    sent=False,
                    params={"q": "roleAssignee", "state": "APPROVED"},
                )
            )
            pages = [
                str(acl["organization"]).rsplit(":", 1)[-1]
                for acl in acls.get("elements") or []
                if acl.get("role") in POSTING_ROLES and acl.get("state", "APPROVED") == "APPROVED"
            ]
            wanted = account.external_id or account.handle.rsplit(":", 1)[-1]
            if wanted.isdigit():
                if wanted not in pages:
                    raise base.Reconnect(f"this LinkedIn member is not an administrator of Page {wanted}")
                page = wanted
            elif len(pages) == 1:
                page = pages[0]
            elif not pages:
                raise base.Reconnect("this LinkedIn member administers no Page")
            else:
                raise base.DoNotRetry(
                    f"this LinkedIn member administers several Pages ({', '.join(pages)}); give the Page's id"
                )
            org = _check(self._call(http, "GET", f"/rest/organizations/{page}", sent=False))
        account.external_id = page
        account.handle = org.get("vanityName") or org.get("localizedName") or page

    def publish(self, job: PublishJob, payload: base.Payload) -> base.PublishResult:
        account = rest.account_of(job)
        if payload.thread:
            raise base.DoNotRetry("LinkedIn has no threads; put it in one post")
        if payload.reply_to:
            raise base.DoNotRetry("carecast cannot post a reply on a LinkedIn Page")
        if any(item.kind != "image" for item in payload.media):
            raise base.DoNotRetry("carecast sends images to LinkedIn, not videos")
        if len(payload.media) > MAX_IMAGES:
            raise base.DoNotRetry(f"LinkedIn takes {MAX_IMAGES} images at most")
        body: dict[str, Any] = {
            "author": _org(account),
            "commentary": commentary(payload.text),
            "visibility": "PUBLIC",
            "distribution": {
                "feedDistribution": "MAIN_FEED",
                "targetEntities": [],
                "thirdPartyDistributionChannels": [],
            },
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": False,
        }
        with rest.client(account, API, HEADERS) as http:
            images = [
                {"id": self._upload(http, account, item), "altText": item.alt_text} for item in payload.media
            ]
            if len(images) == 1:
                body["content"] = {"media": images[0]}
            elif images:
                body["content"] = {"multiImage": {"images": images}}
            response = self._call(http, "POST", "/rest/posts", sent=True, json=body)
            try:
                _check(response)
            except _Duplicate as exc:
                # An earlier attempt's answer was lost: the post is there. One older than the job is
                # someone's earlier post, and this one needs other words.
                found = self._find(http, account, payload.text, since=job.created_at.timestamp())
                if found is not None:
                    return found
                raise base.DoNotRetry(
                    "LinkedIn refuses the same words twice and has them from an earlier post; "
                    "change the wording"
                ) from exc
        urn = response.headers.get("x-restli-id", "")
        if not urn:
            raise base.OutcomeUnknown("LinkedIn accepted the post without saying its id")
        return base.PublishResult(external_id=urn, url=_url(urn))

    def lookup(self, job: PublishJob, payload: base.Payload | None = None) -> base.PublishResult | None:
        account = rest.account_of(job)
        assert payload is not None
        with rest.client(account, API, HEADERS) as http:
            return self._find(http, account, payload.text, since=job.created_at.timestamp())

    def delete(self, job: PublishJob) -> None:
        account = rest.account_of(job)
        with rest.client(account, API, {**HEADERS, "X-RestLi-Method": "DELETE"}) as http:
            response = self._call(http, "DELETE", f"/rest/posts/{quote(job.external_id, safe='')}", sent=True)
        if response.status_code in (404, 410):
            return  # already gone counts as deleted
        _check(response)

    def metrics(self, job: PublishJob) -> base.Metrics | None:
        account = rest.account_of(job)
        kind = "ugcPosts" if ":ugcPost:" in job.external_id else "shares"
        # Rest.li 2.0 lists are written List(...) with each URN encoded; built by hand so the
        # parentheses are not encoded as well.
        url = (
            f"/rest/organizationalEntityShareStatistics?q=organizationalEntity"
            f"&organizationalEntity={quote(_org(account), safe='')}"
            f"&{kind}=List({quote(job.external_id, safe='')})"
        )
        with rest.client(account, API, HEADERS) as http:
            elements = _check(self._call(http, "GET", url, sent=False)).get("elements") or []
        if not elements:
            return None
        counts = elements[0].get("totalShareStatistics") or {}
        return base.Metrics(
            likes=counts.get("likeCount"),
            reposts=counts.get("shareCount"),
            replies=counts.get("commentCount"),
            impressions=counts.get("impressionCount"),
        )

    # ------------------------------------------------------------------ helpers

    def _call(
        self, http: httpx.Client, method: str, url: str, *, sent: bool, **kwargs: Any
    ) -> httpx.Response:
        return rest.call(http, method, url, network=NAME, sent=sent, **kwargs)

    def _find(
        self, http: httpx.Client, account: ChannelAccount, text: str, *, since: float
    ) -> base.PublishResult | None:
        """The Page's post with this text, made since `since` (epoch seconds), if any."""
        response = self._call(
            http,
            "GET",
            "/rest/posts",
            sent=False,
            params={"author": _org(account), "q": "author", "count": READ_BACK, "sortBy": "CREATED"},
            headers={"X-RestLi-Method": "FINDER"},
        )
        wanted = " ".join(text.split())
        for post in _check(response).get("elements") or []:
            made = (post.get("createdAt") or post.get("publishedAt") or 0) / 1000
            if made >= since - 1 and plain(post.get("commentary") or "") == wanted:
                return base.PublishResult(external_id=post["id"], url=_url(post["id"]))
        return None

    def _upload(self, http: httpx.Client, account: ChannelAccount, item: base.Media) -> str:
        """Register an image with LinkedIn, then send its bytes to the address LinkedIn gives. An
        upload the post never uses is harmless."""
        data, mime, _ = rest.media_bytes(item)
        started = _check(
            self._call(
                http,
                "POST",
                "/rest/images",
                sent=False,
                params={"action": "initializeUpload"},
                json={"initializeUploadRequest": {"owner": _org(account)}},
            )
        )["value"]
        # The upload address is absolute (LinkedIn's upload host), and takes the same token.
        put = self._call(
            http, "PUT", started["uploadUrl"], sent=False, content=data, headers={"Content-Type": mime}
        )
        _check(put)
        return str(started["image"])
