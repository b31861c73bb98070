"""A signed (HMAC-SHA256) webhook: carecast POSTs each post as JSON to the organisation's endpoint.

Headers: `X-Carecast-Signature: sha256=<hex HMAC of the body with the shared key>` and
`X-Carecast-Delivery: <job id>` (the same on every try, so the receiver can drop repeats).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import urllib.error
import urllib.request

from carecast.channels.connectors import base
from carecast.channels.models import PublishJob

TIMEOUT = 10


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class WebhookConnector(base.BaseConnector):
    name = "webhook"
    supports_images = True
    supports_alt_text = True
    supports_idempotency = True  # the delivery id repeats on every try

    def publish(self, job: PublishJob, payload: base.Payload) -> base.PublishResult:
        account = job.account
        if account is None or not account.endpoint:
            raise base.DoNotRetry("this job has no webhook account with an endpoint")
        body = json.dumps(
            {
                "delivery": job.pk,
                "brand": job.brand.slug,
                "text": payload.text,
                "media": [{"path": m.path, "alt_text": m.alt_text} for m in payload.media],
                "scheduled_for": job.scheduled_for.isoformat(),
            }
        ).encode()
        if not account.endpoint.startswith(("https://", "http://")):
            raise base.DoNotRetry("the webhook address must start with https://")
        request = urllib.request.Request(  # noqa: S310  (http(s) only, checked above)
            account.endpoint,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "User-Agent": "carecast-webhook/1",
                "X-Carecast-Delivery": str(job.pk),
                "X-Carecast-Signature": signature(account.secret or "", body),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310  (the org's own URL)
                answer = response.read()
        except urllib.error.HTTPError as exc:
            if exc.code in (401, 403):
                raise base.Reconnect(f"the endpoint refused our signature (HTTP {exc.code})") from exc
            if exc.code == 429 or exc.code >= 500:
                retry_after = exc.headers.get("Retry-After")
                raise base.RetryLater(
                    f"the endpoint answered HTTP {exc.code}",
                    retry_after=float(retry_after) if retry_after and retry_after.isdigit() else None,
                ) from exc
            raise base.DoNotRetry(f"the endpoint refused the post (HTTP {exc.code})") from exc
        except TimeoutError as exc:
            raise base.OutcomeUnknown("the endpoint did not answer in time") from exc
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, ConnectionRefusedError | socket.gaierror):
                raise base.RetryLater(f"the endpoint could not be reached ({exc.reason})") from exc
            raise base.OutcomeUnknown(f"the connection failed ({exc.reason})") from exc
        try:
            external = str(json.loads(answer or b"{}").get("id", job.pk))
        except (ValueError, AttributeError):
            external = str(job.pk)
        return base.PublishResult(external_id=external, url="")
