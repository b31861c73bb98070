"""The email newsletter through a real SMTP server (aiosmtpd on a free port): who gets it, what
each message carries, one-click unsubscribe, and never a second copy."""

from __future__ import annotations

import email

import pytest

from carecast.audiences.models import NewsletterDelivery, Subscriber
from carecast.audiences.services import subscriber_add
from carecast.channels.models import PublishJob
from carecast.channels.services import channel_account_create, publish_due_jobs
from carecast.core.errors import PermissionDenied, ValidationError
from carecast.core.models import AuditEntry
from tests.factories import due_item_on

ADDRESS = "Riverside Health, 100 Main Street, Springfield, IL 62701"


@pytest.fixture
def newsletter(people, brand):
    org = brand.organization
    org.postal_address = ADDRESS
    org.save(update_fields=["postal_address"])
    return channel_account_create(
        actor=people["admin"],
        brand=brand,
        network="newsletter",
        name="Riverside news",
        handle="news@riverside.example",
    )


def _due_newsletter(people, brand, account, text="Flu shots are here\nWalk in Saturday 9 to 12."):
    item = due_item_on(
        account, author=people["contributor"], reviewer=people["medical_reviewer"], brand=brand, text=text
    )
    return PublishJob.objects.get(content_item=item, channel="newsletter")


def _parsed(envelope):
    return email.message_from_bytes(envelope.content)


def test_each_subscriber_gets_one_message_with_the_unsubscribe_header_and_footer(
    people, brand, newsletter, smtp_server
):
    ann = subscriber_add(actor=people["admin"], brand=brand, email="ann@example.org")
    subscriber_add(actor=people["admin"], brand=brand, email="bob@example.org")
    job = _due_newsletter(people, brand, newsletter)
    publish_due_jobs()
    job.refresh_from_db()
    assert job.status == "published"
    assert sorted(m.rcpt_tos[0] for m in smtp_server.messages) == ["ann@example.org", "bob@example.org"]
    to_ann = next(_parsed(m) for m in smtp_server.messages if m.rcpt_tos == ["ann@example.org"])
    link = to_ann["List-Unsubscribe"].strip("<>")
    assert link.endswith(f"/u/{ann.token}") and "ann" not in link
    assert to_ann["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert to_ann["Subject"] == "Flu shots are here" and to_ann["From"] == "news@riverside.example"
    body = to_ann.get_payload(decode=True).decode()
    assert "Walk in Saturday 9 to 12." in body and ADDRESS in body and f"/u/{ann.token}" in body
    # The job runs again (a repeated task, a read-back): nobody gets a second copy.
    from carecast.channels.connectors.base import Payload
    from carecast.channels.connectors.newsletter import NewsletterConnector

    NewsletterConnector().publish(job, Payload(text="Flu shots are here"))
    assert len(smtp_server.messages) == 2 and NewsletterDelivery.objects.filter(job=job).count() == 2


def test_one_click_unsubscribe_stops_the_next_newsletter(client, people, brand, newsletter, smtp_server):
    ann = subscriber_add(actor=people["admin"], brand=brand, email="ann@example.org")
    subscriber_add(actor=people["admin"], brand=brand, email="bob@example.org")
    page = client.get(f"/u/{ann.token}")
    assert page.status_code == 200 and b"Unsubscribe" in page.content
    assert Subscriber.objects.get(pk=ann.pk).subscribed  # looking is not unsubscribing
    done = client.post(f"/u/{ann.token}", {"List-Unsubscribe": "One-Click"})  # what mail clients send
    assert done.status_code == 200 and b"You are unsubscribed" in done.content
    assert not Subscriber.objects.get(pk=ann.pk).subscribed
    assert AuditEntry.objects.filter(action="subscriber.unsubscribe").count() == 1
    assert client.post(f"/u/{ann.token}").status_code == 200  # twice is fine, audited once
    assert AuditEntry.objects.filter(action="subscriber.unsubscribe").count() == 1
    assert client.get("/u/not-a-token").status_code == 404
    _due_newsletter(people, brand, newsletter)
    publish_due_jobs()
    assert [m.rcpt_tos for m in smtp_server.messages] == [["bob@example.org"]]
    with pytest.raises(ValidationError, match="only its owner"):
        subscriber_add(actor=people["admin"], brand=brand, email="ANN@example.org")


def test_no_postal_address_no_newsletter(people, brand, newsletter, smtp_server):
    subscriber_add(actor=people["admin"], brand=brand, email="ann@example.org")
    org = brand.organization
    org.postal_address = ""
    org.save(update_fields=["postal_address"])
    job = _due_newsletter(people, brand, newsletter)
    publish_due_jobs()
    job.refresh_from_db()
    assert job.status == "failed" and "postal address" in job.last_error
    assert smtp_server.messages == []


def test_addresses_are_checked_encrypted_and_kept_once(people, brand, newsletter):
    with pytest.raises(PermissionDenied):
        subscriber_add(actor=people["contributor"], brand=brand, email="ann@example.org")
    with pytest.raises(ValidationError, match="not an email"):
        subscriber_add(actor=people["admin"], brand=brand, email="ann at example")
    first = subscriber_add(actor=people["admin"], brand=brand, email="ann@example.org")
    again = subscriber_add(actor=people["admin"], brand=brand, email=" Ann@Example.org ")
    assert first.pk == again.pk and Subscriber.objects.count() == 1
    assert Subscriber.objects.filter(email="ann@example.org").count() == 0  # ciphertext at rest
    entry = AuditEntry.objects.get(action="subscriber.add")
    assert "ann" not in str(entry.before) + str(entry.after) + entry.object_repr


def test_settings_connects_the_newsletter_and_adds_subscribers(client, people, brand):
    client.force_login(people["admin"])
    page = client.get("/settings/").content.decode()
    assert "Email newsletter" in page and "Add subscriber" in page
    client.post("/settings/subscribers/", {"brand": brand.pk, "email": "ann@example.org"})
    assert Subscriber.objects.filter(brand=brand).count() == 1
    assert "Subscribed now" in client.get("/settings/").content.decode()
    client.post(
        "/settings/channels/",
        {"brand": brand.pk, "network": "newsletter", "name": "News", "handle": "not an address"},
    )
    assert not brand.channel_accounts.exists()  # refused with a message, nothing saved
    client.post(
        "/settings/channels/",
        {"brand": brand.pk, "network": "newsletter", "name": "News", "handle": "news@riverside.example"},
    )
    assert brand.channel_accounts.get().network == "newsletter"
    client.force_login(people["contributor"])
    client.post("/settings/subscribers/", {"brand": brand.pk, "email": "eve@example.org"})
    assert Subscriber.objects.filter(brand=brand).count() == 1
