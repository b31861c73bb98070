"""Meta's Graph API (v21.0) over httpx, shared by the Facebook Page and Instagram connectors: one call,
its answer, and Graph's error codes turned into what the engine should do.

Graph errors come as `{"error": {"message", "type", "code", "error_subcode", "is_transient"}}`:
code 190 (and 102, 200-299: an expired or revoked token, a permission taken back) asks for a
reconnect; 4 is the app's own rate limit (every account waits), 17/32/613/80001/80002 and HTTP 429
an account's or Page's; the wait comes from the `X-App-Usage`, `X-Business-Use-Case-Usage` and
`X-Page-Usage` headers' `estimated_time_to_regain_access` (minutes). A 502/503/504, or code 2
("service temporarily unavailable"), means the call was not taken: safe to retry. Any other 5xx on a
call that creates something may have created it, so its outcome is unknown."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from carecast.channels.connectors import base
from carecast.channels.models import ChannelAccount, PublishJob
from carecast.channels.oauth import access_token

GRAPH_URL = "https://graph.facebook.com"
VERSION = "v21.0"
TIMEOUT = 20.0  # seconds for one call
APP_LIMIT = {4}
ACCOUNT_LIMITS = {17, 32, 613, 80001, 80002}
PUBLISH_LIMIT = (9, 2207042)  # Instagram: 100 API-published posts in 24 hours
RECONNECT = {102, 190}
DUPLICATE = 506
NOT_TAKEN = {502, 503, 504}
USAGE_HEADERS = ("X-App-Usage", "X-Business-Use-Case-Usage", "X-Page-Usage")
DEFAULT_WAIT = 300.0  # seconds, when a rate-limited answer says nothing about when it ends
# A post found by reading back must be no older than its job's due time less this (clocks differ).
CLOCK_SLACK = timedelta(minutes=10)


class Gone(base.DoNotRetry):
    """The object is not (or no longer) on the network."""


class Duplicate(base.DoNotRetry):
    """Facebook refused a post as the same as one just made (code 506): it may be this job's own."""


def normal(text: str) -> str:
    """Text as compared with what the network shows back: whitespace runs count as one space."""
    return " ".join((text or "").split())


def not_before(job: PublishJob) -> datetime:
    """A post of this job cannot be older than this (a repeated post with the same text may be)."""
    return job.scheduled_for - CLOCK_SLACK


def graph_time(value: str) -> datetime:
    """Graph's timestamps, `2026-11-22T14:00:00+0000`."""
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z").astimezone(UTC)


class Graph:
    """Calls to the Graph API for one account, with its token, on its base URL (`account.endpoint`
    in tests, else graph.facebook.com)."""

    def __init__(self, account: ChannelAccount, label: str) -> None:
        self.base = f"{(account.endpoint or GRAPH_URL).rstrip('/')}/{VERSION}"
        # A person's sign-in (OAuth) gives a user token; posts go with the chosen Page's own token,
        # kept (encrypted) in `session`. An account connected with a Page token has none.
        self.token = account.session or access_token(account)
        self.label = label

    def get(self, path: str, **params: Any) -> Any:
        return self.call("GET", path, params=params, sent=False)

    def call(
        self,
        method: str,
        path: str,
        *,
        sent: bool,
        params: dict[str, Any] | None = None,
        data: dict[str, Any] | None = None,
        files: dict[str, Any] | None = None,
    ) -> Any:
        """One call. `sent`: it creates or changes something the public sees, so an answer that does
        not come back leaves the outcome unknown (for anything else, retrying is safe)."""
        try:
            with httpx.Client(timeout=TIMEOUT) as client:
                response = client.request(
                    method,
                    f"{self.base}/{path.lstrip('/')}",
                    params=params,
                    data=data,
                    files=files,
                    headers={"Authorization": f"Bearer {self.token}"},
                )
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise base.RetryLater(f"could not reach {self.label}") from exc
        except httpx.TransportError as exc:
            if sent:
                raise base.OutcomeUnknown(f"the answer from {self.label} never came back") from exc
            raise base.RetryLater(f"{self.label} did not answer") from exc
        if response.is_success:
            try:
                return response.json()
            except ValueError as exc:
                if sent:
                    raise base.OutcomeUnknown(f"{self.label} answered something unreadable") from exc
                raise base.RetryLater(f"{self.label} answered something unreadable") from exc
        raise self.error(response, sent=sent)

    def error(self, response: httpx.Response, *, sent: bool) -> base.ConnectorError:
        try:
            error = response.json().get("error") or {}
        except (ValueError, AttributeError):
            error = {}
        code, subcode = error.get("code"), error.get("error_subcode")
        words = error.get("message") or f"HTTP {response.status_code}"
        if code in RECONNECT or response.status_code == 401:
            return base.Reconnect(f"{self.label} refused the access token ({words})")
        if isinstance(code, int) and 200 <= code <= 299:
            return base.Reconnect(f"{self.label} says carecast lacks a permission it needs ({words})")
        if code in APP_LIMIT:
            return base.RetryLater(
                f"{self.label}'s limit on carecast's calls ({words})",
                retry_after=_regain_in(response),
                scope="app",
            )
        if code in ACCOUNT_LIMITS or response.status_code == 429:
            return base.RetryLater(f"{self.label}'s rate limit ({words})", retry_after=_regain_in(response))
        if (code, subcode) == PUBLISH_LIMIT:
            return base.RetryLater(f"{self.label}'s limit of posts a day ({words})", retry_after=3600.0)
        if response.status_code in NOT_TAKEN or code == 2:
            return base.RetryLater(f"{self.label} is unavailable for now ({words})")
        if response.status_code >= 500 or error.get("is_transient") or code == 1:
            if sent:
                return base.OutcomeUnknown(f"{self.label} answered {response.status_code} ({words})")
            return base.RetryLater(f"{self.label} answered {response.status_code} ({words})")
        if code == DUPLICATE:
            return Duplicate(f"{self.label} refused it as a repeat of a post just made ({words})")
        if response.status_code == 404 or (code == 100 and subcode == 33):
            return Gone(f"not found on {self.label} ({words})")
        return base.DoNotRetry(f"{self.label} refused it: {words}")


def choose_page(account: ChannelAccount, label: str, fields: str = "id,name,access_token") -> Any:
    """For a person's sign-in: the Page this account posts as, among those they manage (the one named
    in `handle` by its name or id, or the only one); its token is kept in `session`. None when the
    token is a Page's own (it manages no Pages itself)."""
    graph = Graph(account, label)
    try:
        pages = graph.get("me/accounts", fields=fields, limit=100).get("data") or []
    except base.Reconnect:
        raise
    except base.ConnectorError:
        return None  # a Page token has no "accounts" of its own
    if not pages:
        raise base.DoNotRetry(f"this {label} sign-in manages no Facebook Page; sign in as a Page admin")
    wanted = account.handle.strip().casefold()
    chosen = [p for p in pages if wanted in (str(p["id"]), str(p.get("name", "")).casefold())]
    if not wanted and len(pages) == 1:
        chosen = pages
    if len(chosen) != 1:
        names = ", ".join(sorted(str(p.get("name", p["id"])) for p in pages))
        raise base.DoNotRetry(f"you manage these Pages: {names}. Give the Page's name to choose one")
    account.session = str(chosen[0]["access_token"])
    return chosen[0]


def _regain_in(response: httpx.Response) -> float:
    """Seconds until the limit lifts: the longest `estimated_time_to_regain_access` (minutes) in the
    usage headers, else a default."""
    minutes: list[float] = []
    for name in USAGE_HEADERS:
        raw = response.headers.get(name)
        if not raw:
            continue
        try:
            minutes.extend(_estimates(json.loads(raw)))
        except ValueError:
            continue
    wait = max(minutes, default=0.0) * 60
    return wait if wait > 0 else DEFAULT_WAIT


def _estimates(usage: Any) -> list[float]:
    """Every `estimated_time_to_regain_access` in a usage header, at any depth (the Business Use
    Case header nests them by business id and use case)."""
    if isinstance(usage, list):
        return [m for item in usage for m in _estimates(item)]
    if not isinstance(usage, dict):
        return []
    found = [float(v) for k, v in usage.items() if k == "estimated_time_to_regain_access" and v]
    return found + [
        m for k, v in usage.items() if k != "estimated_time_to_regain_access" for m in _estimates(v)
    ]


def since_param(job: PublishJob) -> int:
    """`since` for Graph's lists: the oldest moment a post of this job can have."""
    return int(not_before(job).timestamp())


def insight(insights: Any, name: str) -> int | None:
    """One metric's latest value from an /insights answer (None: the network gave none)."""
    for row in insights.get("data") or []:
        if row.get("name") == name and row.get("values"):
            return int(row["values"][-1].get("value") or 0)
    return None
