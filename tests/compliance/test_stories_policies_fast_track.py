from __future__ import annotations

import io
from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone
from PIL import Image

from carecast.channels.models import BrandPagePost, PublishJob
from carecast.channels.services import publish_due_jobs
from carecast.compliance import services as review
from carecast.compliance.models import PatientAuthorization, TakedownTask
from carecast.compliance.services import Signature
from carecast.content import services
from carecast.content.models import ContentItem
from carecast.core.errors import InvalidTransition, PermissionDenied, ValidationError
from carecast.core.models import AuditEntry
from tests.factories import PASSWORD

Status = ContentItem.Status


def authorization(people, **kw):
    today = timezone.now().date()
    fields = {
        "person_name": "Maria Lopez",
        "description": "Her knee replacement story and photos",
        "channels": ["brand_page"],
        "media": ["text", "photo"],
        "signed_on": today - timedelta(days=1),
        "expires_on": today + timedelta(days=365),
    } | kw
    return review.authorization_create(actor=people["strategist"], **fields)


def story(people, brand, publish_at=None):
    item = services.content_item_create(
        actor=people["contributor"],
        brand=brand,
        title="Maria walks again",
        text="Her story of walking again.",
        publish_at=publish_at,
    )
    ContentItem.objects.filter(pk=item.pk).update(kind=ContentItem.Kind.PATIENT_STORY)
    item.refresh_from_db()
    review.content_item_submit(actor=people["contributor"], item=item)
    return item


def test_the_patients_name_is_encrypted_and_kept_out_of_the_audit_log(people):
    auth = authorization(people)
    with connection.cursor() as cursor:
        cursor.execute("SELECT person_name FROM compliance_patientauthorization WHERE id = %s", [auth.pk])
        stored = cursor.fetchone()[0]
    assert "Maria" not in stored
    assert PatientAuthorization.objects.get(pk=auth.pk).person_name == "Maria Lopez"
    entry = AuditEntry.objects.get(action="authorization.create")
    assert "Maria" not in str(entry.after) and "Maria" not in entry.object_repr


def test_a_story_without_authorisation_cannot_be_approved(people, brand):
    item = story(people, brand)
    with pytest.raises(ValidationError, match="without a linked patient authorisation"):
        review.content_item_approve(actor=people["privacy_officer"], item=item, revision=1)
    review.story_link(actor=people["strategist"], item=item, authorization=authorization(people))
    review.content_item_approve(actor=people["privacy_officer"], item=item, revision=1)
    item.refresh_from_db()
    assert item.status == Status.APPROVED


def test_an_authorisation_that_does_not_cover_the_channel_or_the_date_blocks(people, brand):
    item = story(people, brand)
    review.story_link(
        actor=people["strategist"], item=item, authorization=authorization(people, channels=["bluesky"])
    )
    with pytest.raises(ValidationError, match="does not cover the brand page channel"):
        review.content_item_approve(actor=people["privacy_officer"], item=item, revision=1)
    today = timezone.now().date()
    review.story_link(
        actor=people["strategist"],
        item=item,
        authorization=authorization(
            people, signed_on=today - timedelta(days=30), expires_on=today - timedelta(days=1)
        ),
    )
    with pytest.raises(ValidationError, match="expired"):
        review.content_item_approve(actor=people["privacy_officer"], item=item, revision=1)


def test_photos_need_an_authorisation_that_covers_photos(people, brand):
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buffer, "PNG")
    item = services.content_item_create(
        actor=people["contributor"],
        brand=brand,
        title="Photo story",
        text="Maria at home.",
        image=SimpleUploadedFile("m.png", buffer.getvalue()),
        alt_text="Maria smiling in her garden",
    )
    ContentItem.objects.filter(pk=item.pk).update(kind=ContentItem.Kind.PATIENT_STORY)
    item.refresh_from_db()
    review.content_item_submit(actor=people["contributor"], item=item)
    review.story_link(
        actor=people["strategist"], item=item, authorization=authorization(people, media=["text"])
    )
    with pytest.raises(ValidationError, match="does not cover photos"):
        review.content_item_approve(actor=people["privacy_officer"], item=item, revision=1)


def test_expiry_before_the_publish_date_stops_publishing(people, brand):
    publish_at = timezone.now() + timedelta(days=10)
    item = story(people, brand, publish_at=publish_at)
    today = timezone.now().date()
    auth = authorization(people, expires_on=today + timedelta(days=20))
    review.story_link(actor=people["strategist"], item=item, authorization=auth)
    review.content_item_approve(actor=people["privacy_officer"], item=item, revision=1)
    PatientAuthorization.objects.filter(pk=auth.pk).update(expires_on=today + timedelta(days=5))
    with time_machine.travel(publish_at + timedelta(seconds=1)):
        publish_due_jobs()
    job = PublishJob.objects.get(content_item=item)
    assert job.status == "cancelled" and "expired" in job.last_error
    assert not BrandPagePost.objects.exists()


def test_revoking_opens_a_takedown_for_every_channel_it_was_published_on(people, brand):
    publish_at = timezone.now() + timedelta(hours=1)
    item = story(people, brand, publish_at=publish_at)
    auth = authorization(people)
    review.story_link(actor=people["strategist"], item=item, authorization=auth)
    review.content_item_approve(actor=people["privacy_officer"], item=item, revision=1)
    with time_machine.travel(publish_at + timedelta(seconds=1)):
        publish_due_jobs()
    assert BrandPagePost.objects.count() == 1
    with pytest.raises(ValidationError):
        review.authorization_revoke(actor=people["privacy_officer"], authorization=auth, note=" ")
    tasks = review.authorization_revoke(
        actor=people["privacy_officer"], authorization=auth, note="Letter received"
    )
    assert [(t.channel, t.status) for t in tasks] == [("brand_page", "open")]
    with pytest.raises(InvalidTransition):
        review.authorization_revoke(actor=people["privacy_officer"], authorization=auth, note="again")
    review.takedown_complete(actor=people["strategist"], task=tasks[0])
    assert TakedownTask.objects.get().status == "done"
    assert not BrandPagePost.objects.exists()  # carecast takes its own brand-page post down
    with pytest.raises(ValidationError, match="revoked"):
        review.story_link(actor=people["strategist"], item=item, authorization=auth)


def test_contributors_cannot_see_or_manage_authorisations(people):
    with pytest.raises(PermissionDenied):
        authorization({**people, "strategist": people["contributor"]})


def test_policies_are_versioned_and_only_the_published_version_is_public(client, people, org):
    review.policy_save_draft(actor=people["admin"], kind="community-guidelines", body="Be kind.")
    with pytest.raises(InvalidTransition):
        review.policy_publish(actor=people["admin"], kind="social-media-policy")
    v1 = review.policy_publish(actor=people["admin"], kind="community-guidelines")
    draft = review.policy_save_draft(
        actor=people["admin"],
        kind="community-guidelines",
        body="Be kind. No medical advice.",
        change_note="Advice rule",
    )
    assert (v1.number, draft.number) == (1, 2)
    page = client.get(f"/policies/{org.slug}/community-guidelines/")
    assert (
        page.status_code == 200 and b"Be kind." in page.content and b"No medical advice" not in page.content
    )
    review.policy_publish(actor=people["admin"], kind="community-guidelines")
    page = client.get(f"/policies/{org.slug}/community-guidelines/")
    assert b"No medical advice" in page.content and b"Version 2" in page.content
    assert client.get(f"/policies/{org.slug}/social-media-policy/").status_code == 404
    with pytest.raises(PermissionDenied):
        review.policy_save_draft(actor=people["strategist"], kind="community-guidelines", body="x")


def test_fast_track_changes_only_the_variables_and_is_approved_at_once(people, brand):
    template = review.fast_track_template_create(
        actor=people["medical_reviewer"],
        name="Boil water",
        text="Boil-water notice for {area} until {until}. Use bottled water for drinking.",
        signature=Signature(reason="Public-health lane", password=PASSWORD),
    )
    assert review.template_variables(template.text) == ["area", "until"]
    with pytest.raises(ValidationError, match="Fill in: until"):
        review.content_item_fast_track(
            actor=people["strategist"],
            template=template,
            brand=brand,
            title="Boil water",
            values={"area": "Northside"},
        )
    with pytest.raises(ValidationError, match="no text"):
        review.content_item_fast_track(
            actor=people["strategist"],
            template=template,
            brand=brand,
            title="Boil water",
            values={"area": "N", "until": "Friday", "text": "x"},
        )
    item = review.content_item_fast_track(
        actor=people["strategist"],
        template=template,
        brand=brand,
        title="Boil water",
        values={"area": "Northside", "until": "Friday 6 pm"},
        publish_at=timezone.now() + timedelta(minutes=5),
    )
    assert item.text == "Boil-water notice for Northside until Friday 6 pm. Use bottled water for drinking."
    assert item.status == Status.SCHEDULED and item.kind == ContentItem.Kind.PUBLIC_HEALTH
    assert AuditEntry.objects.filter(action="content.fast_track").exists()
    services.content_item_update(
        actor=people["strategist"],
        item=item,
        title=item.title,
        text=item.text + " Call 311.",
        publish_at=item.publish_at,
    )
    item.refresh_from_db()
    assert item.status == Status.DRAFT and item.approved_revision is None  # edited: full review


def test_fast_track_templates_need_a_signed_reviewer(people):
    with pytest.raises(PermissionDenied):
        review.fast_track_template_create(
            actor=people["contributor"],
            name="x",
            text="y",
            signature=Signature(reason="r", password=PASSWORD),
        )
    with pytest.raises(ValidationError, match="not right"):
        review.fast_track_template_create(
            actor=people["legal_reviewer"],
            name="x",
            text="y",
            signature=Signature(reason="r", password="nope"),
        )
    assert AuditEntry.objects.filter(action="review.signature_failed").count() == 1


def test_a_story_may_name_its_patient_only_under_a_valid_authorisation(people, brand):
    item = services.content_item_create(
        actor=people["contributor"],
        brand=brand,
        title="Maria",
        text="Maria Lopez walks again after her knee replacement.",
    )
    ContentItem.objects.filter(pk=item.pk).update(kind=ContentItem.Kind.PATIENT_STORY)
    item.refresh_from_db()
    with pytest.raises(ValidationError, match="blocking problems"):
        review.content_item_submit(actor=people["contributor"], item=item)
    review.story_link(actor=people["strategist"], item=item, authorization=authorization(people))
    review.content_item_submit(actor=people["contributor"], item=item)
    review.content_item_approve(actor=people["privacy_officer"], item=item, revision=1)
    item.refresh_from_db()
    assert item.status == Status.APPROVED
