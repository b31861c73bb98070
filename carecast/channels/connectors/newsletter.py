"""The brand's email newsletter, sent with Django's mail framework to everyone subscribed.

Each message carries the unsubscribe link in the body and in `List-Unsubscribe` with one-click
`List-Unsubscribe-Post` (RFC 8058), and a footer that names the sender and its postal address
(CAN-SPAM). A delivery row is written before each message is handed to the mail server, so a
repeated or resumed job never mails anyone twice."""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core import mail
from django.db import IntegrityError

from carecast.audiences.models import NewsletterDelivery, Subscriber
from carecast.channels.connectors import base
from carecast.channels.models import PublishJob


def _subject(text: str, brand: str) -> str:
    first = text.strip().splitlines()[0] if text.strip() else ""
    return (first[:77] + "…") if len(first) > 78 else (first or f"News from {brand}")


def _footer(job: PublishJob, link: str) -> str:
    org = job.organization
    return (
        f"\n\n--\nYou get this because you signed up for news from {job.brand.name}.\n"
        f"Unsubscribe (one click): {link}\n"
        f"{org.name}, {' '.join(org.postal_address.split())}"
    )


class NewsletterConnector(base.BaseConnector):
    name = "newsletter"
    supports_idempotency = True  # one delivery row per job and subscriber

    def publish(self, job: PublishJob, payload: base.Payload) -> base.PublishResult:
        org = job.organization
        if not org.postal_address.strip():
            raise base.DoNotRetry("a newsletter must show the sender's postal address; add it in Settings")
        sender = (job.account.handle if job.account else "") or settings.DEFAULT_FROM_EMAIL
        waiting = Subscriber.objects.filter(brand=job.brand, unsubscribed_at=None).exclude(
            deliveries__job=job
        )
        sent = 0
        try:
            mailer = mail.mailers.default
            with mailer:  # one connection to the mail server for the whole list
                for subscriber in waiting.iterator():
                    try:
                        delivery = NewsletterDelivery.objects.create(job=job, subscriber=subscriber)
                    except IntegrityError:
                        continue  # another try of this job has it
                    link = f"{settings.SITE_URL}/u/{subscriber.token}"
                    message = mail.EmailMessage(
                        subject=_subject(payload.text, job.brand.name),
                        body=payload.text + _footer(job, link),
                        from_email=sender,
                        to=[subscriber.email],
                        headers={
                            "List-Unsubscribe": f"<{link}>",
                            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                        },
                    )
                    try:
                        mailer.send_messages([message])
                    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused) as exc:
                        delivery.delete()  # refused before any mail was taken: safe to try later
                        raise base.RetryLater(f"the mail server refused the message ({exc})") from exc
                    sent += 1
        except (smtplib.SMTPConnectError, ConnectionRefusedError) as exc:
            raise base.RetryLater(f"the mail server could not be reached ({exc})") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise base.OutcomeUnknown(f"the mail server stopped answering ({exc})") from exc
        total = NewsletterDelivery.objects.filter(job=job).count()
        return base.PublishResult(
            external_id=f"newsletter-{job.pk}", extra={"sent": str(total), "now": str(sent)}
        )

    def lookup(self, job: PublishJob, payload: base.Payload | None = None) -> base.PublishResult | None:
        """Sent when every subscriber who was due it has a delivery; otherwise the engine sends
        again, and the deliveries already written keep those people from a second copy."""
        missing = Subscriber.objects.filter(brand=job.brand, unsubscribed_at=None).exclude(
            deliveries__job=job
        )
        if missing.exists():
            return None
        return base.PublishResult(external_id=f"newsletter-{job.pk}")
