"""Text messages through a Twilio-compatible REST API (POST .../Accounts/{sid}/Messages.json with
basic auth): one message to each opted-in number of the brand, with "Reply STOP to opt out".

SMS providers take no idempotency key, so a delivery row is written before each number is called:
a repeated or resumed job never texts anyone twice (an unclear answer for one number is recorded
as such, not sent again)."""

from __future__ import annotations

from typing import Any

import httpx

from carecast.audiences.models import TextDelivery, TextSubscriber
from carecast.audiences.services import text_subscriber_stop
from carecast.channels.connectors import base
from carecast.channels.models import ChannelAccount, PublishJob

DEFAULT_API = "https://api.twilio.com"
OPT_OUT = "\nReply STOP to opt out."
# Provider error codes that are about one number, not the message or the account.
STOPPED = {21610}  # the number replied STOP
BAD_NUMBER = {21211, 21614, 21612, 21408}  # not a valid or reachable mobile number, or region blocked


class SmsConnector(base.BaseConnector):
    name = "sms"
    supports_idempotency = True  # one delivery row per job and number

    def connect(self, account: ChannelAccount) -> None:
        sid, _, token = account.secret.partition(":")
        with httpx.Client(timeout=15) as client:
            answer = self._request(
                client,
                "GET",
                f"{account.endpoint or DEFAULT_API}/2010-04-01/Accounts/{sid}.json",
                (sid, token),
            )
        if answer.status_code in (401, 403, 404):
            raise base.Reconnect("the account SID and auth token were refused")
        if answer.status_code >= 400:
            raise base.RetryLater(f"the provider answered {answer.status_code}")

    def publish(self, job: PublishJob, payload: base.Payload) -> base.PublishResult:
        account = job.account
        assert account is not None
        sid, _, token = account.secret.partition(":")
        url = f"{account.endpoint or DEFAULT_API}/2010-04-01/Accounts/{sid}/Messages.json"
        waiting = TextSubscriber.objects.filter(brand=job.brand, stopped_at=None).exclude(deliveries__job=job)
        with httpx.Client(timeout=15) as client:
            for subscriber in waiting.iterator():
                delivery, created = TextDelivery.objects.get_or_create(job=job, subscriber=subscriber)
                if not created:
                    continue
                body = {"To": subscriber.phone, "From": account.handle, "Body": payload.text + OPT_OUT}
                try:
                    answer = self._request(client, "POST", url, (sid, token), data=body)
                except httpx.TransportError as exc:
                    delivery.outcome = "unknown: the connection failed during the call; not sent again"
                    delivery.save(update_fields=["outcome"])
                    raise base.OutcomeUnknown("the connection to the text provider failed") from exc
                self._settle(delivery, subscriber, answer)
        sent = TextDelivery.objects.filter(job=job).exclude(provider_id="").count()
        return base.PublishResult(external_id=f"sms-{job.pk}", extra={"sent": str(sent)})

    def lookup(self, job: PublishJob, payload: base.Payload | None = None) -> base.PublishResult | None:
        missing = TextSubscriber.objects.filter(brand=job.brand, stopped_at=None).exclude(deliveries__job=job)
        return None if missing.exists() else base.PublishResult(external_id=f"sms-{job.pk}")

    def _request(
        self, client: httpx.Client, method: str, url: str, auth: tuple[str, str], **kwargs: Any
    ) -> httpx.Response:
        return client.request(method, url, auth=auth, **kwargs)

    def _settle(self, delivery: TextDelivery, subscriber: TextSubscriber, answer: httpx.Response) -> None:
        try:
            data = answer.json()
        except ValueError:
            data = {}
        code = data.get("code")
        if answer.status_code in (200, 201):
            delivery.provider_id, delivery.outcome = (
                str(data.get("sid", "")),
                str(data.get("status", "queued")),
            )
            delivery.save(update_fields=["provider_id", "outcome"])
            return
        if code in STOPPED:
            text_subscriber_stop(
                subscriber=subscriber, reason=f"provider error {code}: {data.get('message', '')}"
            )
            delivery.outcome = "opted out (STOP)"
            delivery.save(update_fields=["outcome"])
            return
        if code in BAD_NUMBER:
            delivery.outcome = f"refused for this number: {data.get('message', code)}"[:200]
            delivery.save(update_fields=["outcome"])
            return
        words = data.get("message") or answer.reason_phrase
        if answer.status_code >= 500:  # it may have been queued: this number is not texted again
            delivery.outcome = f"unknown: the provider answered {answer.status_code}"
            delivery.save(update_fields=["outcome"])
            raise base.OutcomeUnknown(f"the provider answered {answer.status_code}")
        delivery.delete()  # refused before sending: this number may be tried again
        if answer.status_code in (401, 403):
            raise base.Reconnect(f"the provider refused the credentials ({words})")
        if answer.status_code == 429:
            retry = answer.headers.get("Retry-After")
            raise base.RetryLater(
                f"the provider's rate limit ({words})", retry_after=float(retry) if retry else 60
            )
        raise base.DoNotRetry(f"the provider refused the message: {words}")
