"""Public reply drafts: checked against what the person wrote, sent only where they wrote it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from carecast.channels.connectors.bluesky import post_address
from carecast.channels.connectors.dummy import DummyConnector
from carecast.channels.models import ChannelAccount, PublishJob
from carecast.channels.services import publish_due_jobs, publish_target_set
from carecast.compliance import services as review
from carecast.compliance.checks import content_findings
from carecast.content import services
from carecast.content.models import ContentItem
from carecast.core.errors import ValidationError
from carecast.core.models import AuditEntry
from tests.factories import make_due

QUESTION = "at://did:plc:patient123/app.bsky.feed.post/3kabc"


@pytest.fixture(autouse=True)
def network():
    DummyConnector.reset()
    yield DummyConnector
    DummyConnector.reset()


def _reply(people, brand, text, context="Is the clinic open on Saturday?", **kw):
    return services.content_item_create(
        actor=people["contributor"],
        brand=brand,
        title="Reply",
        text=text,
        kind="reply",
        reply_to=kw.pop("reply_to", QUESTION),
        reply_context=context,
        **kw,
    )


def _account(brand, network="dummy"):
    return ChannelAccount.objects.create(
        organization=brand.organization, brand=brand, network=network, name=f"Clinic {network}", secret="k"
    )


def test_a_reply_that_confirms_a_patient_relationship_is_blocked(people, brand):
    item = _reply(
        people,
        brand,
        "So glad your knee surgery with us went well, see you at your follow-up!",
        context="Had my knee replaced at your hospital last week, feeling great",
    )
    labels = {f.label for f in content_findings(item)}
    assert "REPLY_CONFIRMS_PATIENT" in labels
    with pytest.raises(ValidationError, match="blocking problems"):
        review.content_item_submit(actor=people["contributor"], item=item)
    assert ContentItem.objects.get(pk=item.pk).status == "draft"


def test_a_reply_that_repeats_a_detail_from_the_thread_is_found(people, brand):
    item = _reply(
        people,
        brand,
        "We are sorry to hear about the wait, Margaret Okafor. Please send us a direct message.",
        context="I'm Margaret Okafor and I waited 5 hours in your ER with chest pain",
    )
    assert "REPLY_ECHOES_PHI" in {f.label for f in content_findings(item)}


def test_the_same_words_as_a_post_are_not_checked_as_a_reply(people, brand):
    """The reply rules need what the person wrote: a post has no thread to echo."""
    post = services.content_item_create(
        actor=people["contributor"], brand=brand, title="Post", text="Thanks for choosing us for your care!"
    )
    reply = _reply(people, brand, "Thanks for choosing us for your care!", context="Loved my nurse today")
    assert "REPLY_CONFIRMS_PATIENT" not in {f.label for f in content_findings(post)}
    assert "REPLY_CONFIRMS_PATIENT" in {f.label for f in content_findings(reply)}


def test_a_reply_needs_the_post_it_answers_and_what_was_said(people, brand):
    before = ContentItem.objects.count()
    with pytest.raises(ValidationError) as missing_address:
        _reply(people, brand, "Thanks for asking!", reply_to="")
    assert missing_address.value.field == "reply_to"
    with pytest.raises(ValidationError) as bad_address:
        _reply(people, brand, "Thanks for asking!", reply_to="their post from yesterday")
    assert bad_address.value.field == "reply_to"
    with pytest.raises(ValidationError) as missing_context:
        _reply(people, brand, "Thanks for asking!", context="  ")
    assert missing_context.value.field == "reply_context"
    assert ContentItem.objects.count() == before


def test_what_the_person_wrote_is_reviewed_but_never_logged(people, brand):
    item = _reply(people, brand, "Thanks for asking! We open at 9.", context="Jane Roe here: open Saturday?")
    services.content_item_update(
        actor=people["contributor"],
        item=item,
        title="Reply",
        text=item.text,
        reply_context="Jane Roe here: open Sunday?",
    )
    item.refresh_from_db()
    assert item.revision == 2 and item.reply_context == "Jane Roe here: open Sunday?"
    entries = AuditEntry.objects.filter(object_id=str(item.pk))
    assert entries.count() == 2
    assert not any("Jane Roe" in str(e.before) + str(e.after) for e in entries)


def test_a_reply_goes_only_to_a_channel_that_takes_replies(people, brand, later):
    item = _reply(people, brand, "Yes, 9 to 12. No appointment needed.")
    with pytest.raises(ValidationError, match="cannot post replies"):
        publish_target_set(actor=people["contributor"], item=item, accounts=[_account(brand, "webhook")])
    review.content_item_submit(actor=people["contributor"], item=item)
    item = review.content_item_approve(actor=people["medical_reviewer"], item=item, revision=item.revision)
    with pytest.raises(ValidationError, match="choose that channel"):
        services.content_item_schedule(actor=people["contributor"], item=item, publish_at=later)
    assert ContentItem.objects.get(pk=item.pk).status == "approved" and not PublishJob.objects.exists()

    publish_target_set(actor=people["contributor"], item=item, accounts=[_account(brand)])
    services.content_item_schedule(actor=people["contributor"], item=item, publish_at=later)
    assert list(PublishJob.objects.values_list("channel", flat=True)) == ["dummy"]  # no brand page
    make_due(item)
    publish_due_jobs()
    job = PublishJob.objects.get()
    assert job.status == "published"
    assert DummyConnector.replies_to == {job.pk: QUESTION}
    assert ContentItem.objects.get(pk=item.pk).status == "published"


def test_a_reply_cannot_repeat(people, brand):
    item = _reply(people, brand, "Yes, 9 to 12.")
    with pytest.raises(ValidationError, match="cannot repeat"):
        services.content_item_repeat(
            actor=people["contributor"],
            item=item,
            every_days=7,
            until=(timezone.now() + timedelta(days=30)).date(),
        )


def test_bluesky_post_addresses_are_read_from_both_forms():
    assert post_address(QUESTION) == ("did:plc:patient123", "app.bsky.feed.post", "3kabc")
    assert post_address("https://bsky.app/profile/pat.test/post/3kabc") == (
        "pat.test",
        "app.bsky.feed.post",
        "3kabc",
    )
    assert post_address("https://bsky.app/profile/pat.test") is None
    assert post_address("at://did:plc:x/app.bsky.feed.post") is None


def test_the_editor_offers_a_reply_and_the_item_page_shows_what_it_answers(client, people, brand):
    client.force_login(people["contributor"])
    form = client.get("/create/")
    assert b"Replying to" in form.content and b"What they wrote" in form.content
    response = client.post(
        "/create/",
        {
            "brand": brand.pk,
            "title": "Saturday hours",
            "kind": "reply",
            "reply_to": QUESTION,
            "reply_context": "Is the clinic open on Saturday?",
            "text": "Yes, 9 to 12.",
        },
    )
    item = ContentItem.objects.get(title="Saturday hours")
    assert response.status_code == 302 and item.kind == "reply" and item.reply_to == QUESTION
    page = client.get(f"/content/{item.pk}/")
    assert b"Public reply" in page.content and b"Is the clinic open on Saturday?" in page.content
