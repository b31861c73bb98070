"""People who asked for a brand's newsletter, and each newsletter sent to each of them."""

from __future__ import annotations

import hashlib
import secrets

from django.db import models

from carecast.core.crypto import EncryptedTextField
from carecast.core.models import Brand, TenantModel


def address_digest(email: str) -> str:
    """Finds a subscriber by address without storing the address in the clear."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(24)


class Subscriber(TenantModel):
    """One address on one brand's newsletter list. The address is encrypted; its digest keeps the
    list free of duplicates. The token makes the unsubscribe link (no address in any URL)."""

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="subscribers")
    email = EncryptedTextField()
    email_digest = models.CharField(max_length=64)
    token = models.CharField(max_length=64, unique=True, default=new_token)
    subscribed_at = models.DateTimeField()
    unsubscribed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["brand", "email_digest"], name="one_subscription_per_address")
        ]

    def __str__(self) -> str:
        return f"subscriber #{self.pk} of {self.brand}"

    @property
    def subscribed(self) -> bool:
        return self.unsubscribed_at is None


class TextSubscriber(TenantModel):
    """A mobile number that opted in to a brand's text messages (stored encrypted; the digest keeps
    the list free of duplicates). Replying STOP, which the provider reports, ends it."""

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="text_subscribers")
    phone = EncryptedTextField(help_text="E.164, e.g. +16175550148.")
    phone_digest = models.CharField(max_length=64)
    subscribed_at = models.DateTimeField()
    stopped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["brand", "phone_digest"], name="one_text_subscription")
        ]

    def __str__(self) -> str:
        return f"text subscriber #{self.pk} of {self.brand}"


class TextDelivery(models.Model):
    """A text (a publish job) went to a number: written before the provider is called, so a repeated
    job never texts anyone twice (SMS providers have no idempotency key)."""

    job = models.ForeignKey("channels.PublishJob", on_delete=models.CASCADE, related_name="text_deliveries")
    subscriber = models.ForeignKey(TextSubscriber, on_delete=models.CASCADE, related_name="deliveries")
    provider_id = models.CharField(max_length=64, blank=True)
    outcome = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "subscriber"], name="one_text_per_job")]

    def __str__(self) -> str:
        return f"job {self.job_id} to text subscriber {self.subscriber_id}"


class NewsletterDelivery(models.Model):
    """A newsletter (a publish job) went to a subscriber: written before the mail is handed to the
    server, so a repeated or resumed job never mails anyone twice."""

    job = models.ForeignKey("channels.PublishJob", on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="deliveries")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "subscriber"], name="one_delivery_per_job")]

    def __str__(self) -> str:
        return f"job {self.job_id} to subscriber {self.subscriber_id}"
