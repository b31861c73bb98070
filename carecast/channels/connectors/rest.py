"""What the connectors for plain REST APIs (LinkedIn, X, YouTube) share: a client on the account's
base URL with its OAuth token, and one rule for turning a failed call into what the engine should do.

The rule: a call that never left this machine (no connection) is safe to try later; a call that
changes something on the network and then fails without a clear answer (a lost or cut connection,
a 5xx) may have worked, so its outcome is unknown; a call that reads or prepares (an upload before
the post) can always be tried later. 401 means the token no longer works: the owner must reconnect.
Everything else (4xx, 429) each connector reads in its network's own words first."""

from __future__ import annotations

import mimetypes
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from django.core.files.storage import default_storage

from carecast.channels.connectors import base
from carecast.channels.models import ChannelAccount, PublishJob
from carecast.channels.oauth import access_token

TIMEOUT = httpx.Timeout(20.0, connect=10.0)
CHUNK = 1024 * 1024
# Failures that certainly sent nothing: the request never reached the network.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)


def client(account: ChannelAccount, default_url: str, headers: dict[str, str] | None = None) -> httpx.Client:
    """A client on the account's endpoint (tests point it at a loopback server), else the network's
    real base URL, carrying the account's current access token (renewed by oauth when due)."""
    return httpx.Client(
        base_url=(account.endpoint or default_url).rstrip("/"),
        headers={"Authorization": f"Bearer {access_token(account)}", **(headers or {})},
        timeout=TIMEOUT,
    )


def account_of(job: PublishJob) -> ChannelAccount:
    if job.account is None:
        raise base.DoNotRetry("the post has no connected account to go to")
    return job.account


def call(
    http: httpx.Client, method: str, url: str, *, network: str, sent: bool, **kwargs: Any
) -> httpx.Response:
    """One API call. Raises for transport failures, 401 and 5xx; returns every other answer (2xx, 4xx,
    429) for the connector to read. `sent`: the call creates or changes something on the network."""
    try:
        response = http.request(method, url, **kwargs)
    except NOT_SENT as exc:
        raise base.RetryLater(f"could not reach {network}") from exc
    except httpx.TransportError as exc:
        if sent:
            raise base.OutcomeUnknown(f"the connection to {network} broke during the call") from exc
        raise base.RetryLater(f"the connection to {network} broke") from exc
    if response.status_code == 401:
        raise base.Reconnect(f"{network} refused the access token ({words(response)})")
    if response.status_code >= 500:
        if sent:
            raise base.OutcomeUnknown(f"{network} answered {response.status_code}")
        raise base.RetryLater(f"{network} answered {response.status_code}")
    return response


def json_of(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return {}


def words(response: httpx.Response) -> str:
    """The network's own explanation of a refusal (X: detail, LinkedIn: message, Google: error.message)."""
    body = json_of(response)
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict) and error.get("message"):
            return str(error["message"])
        for key in ("detail", "message", "error_description", "title"):
            if body.get(key):
                return str(body[key])
    return response.reason_phrase or f"HTTP {response.status_code}"


def media_bytes(item: base.Media) -> tuple[bytes, str, str]:
    """A stored image: its bytes, MIME type and file name."""
    with default_storage.open(item.path, "rb") as handle:
        data = handle.read()
    name = item.path.rsplit("/", 1)[-1]
    return data, mimetypes.guess_type(item.path)[0] or "application/octet-stream", name


def stream(path: str) -> Iterator[bytes]:
    """A stored file in 1 MiB pieces, so a large video is never held in memory whole."""
    with default_storage.open(path, "rb") as handle:
        while piece := handle.read(CHUNK):
            yield piece


def seconds_until_midnight(zone: str, now: datetime | None = None) -> float:
    """Seconds from now until the next midnight in `zone` (when daily quotas start again)."""
    here = (now or datetime.now(ZoneInfo("UTC"))).astimezone(ZoneInfo(zone))
    midnight = datetime.combine(here.date() + timedelta(days=1), datetime.min.time(), ZoneInfo(zone))
    return max((midnight - here).total_seconds(), 1.0)
