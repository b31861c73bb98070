from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from carecast.channels.models import PublishJob
from carecast.compliance import services as review
from carecast.content import services
from carecast.content.models import ContentItem
from carecast.core.errors import InvalidTransition, PermissionDenied, ValidationError
from carecast.core.models import AuditEntry
from tests.factories import approved_item

Status = ContentItem.Status


def png(name="photo.png", size=(40, 30)):
    buffer = io.BytesIO()
    Image.new("RGB", size, "teal").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def test_draft_with_image_needs_alt_text(people, brand, settings):
    with pytest.raises(ValidationError, match="alt text") as exc:
        services.content_item_create(
            actor=people["contributor"], brand=brand, title="T", text="Hello", image=png()
        )
    assert exc.value.field == "alt_text"
    assert not ContentItem.objects.exists()
    assert not (settings.MEDIA_ROOT / "content").exists()
    item = services.content_item_create(
        actor=people["contributor"],
        brand=brand,
        title="T",
        text="Hello",
        image=png(),
        alt_text="A teal square",
    )
    assert item.image.name.startswith("content/") and item.image.name.endswith(".png")
    assert item.revisions.get().alt_text == "A teal square"


def test_non_image_and_oversized_uploads_are_refused_and_nothing_is_stored(people, brand, settings):
    fake = SimpleUploadedFile("x.png", b"%PDF-1.4 not an image", content_type="image/png")
    with pytest.raises(ValidationError, match="not an image"):
        services.content_item_create(
            actor=people["contributor"], brand=brand, title="T", text="t", image=fake, alt_text="x"
        )
    settings.UPLOAD_MAX_BYTES = 100
    with pytest.raises(ValidationError, match="larger than"):
        services.content_item_create(
            actor=people["contributor"],
            brand=brand,
            title="T",
            text="t",
            image=png(size=(300, 300)),
            alt_text="x",
        )
    assert not ContentItem.objects.exists()
    assert not (settings.MEDIA_ROOT / "content").exists()


def test_submit_and_approve_by_another_person_schedules_a_job(people, brand, later):
    item = approved_item(
        author=people["contributor"], reviewer=people["legal_reviewer"], brand=brand, publish_at=later
    )
    assert item.status == Status.SCHEDULED
    assert item.approved_revision == item.revision == 1
    job = PublishJob.objects.get(content_item=item)
    assert (job.status, job.scheduled_for, job.revision) == ("scheduled", later, 1)


def test_nobody_approves_their_own_work(people, brand):
    strategist = people["admin"]
    item = services.content_item_create(actor=strategist, brand=brand, title="T", text="t")
    review.content_item_submit(actor=strategist, item=item)
    with pytest.raises(PermissionDenied, match="own work"):
        review.content_item_approve(actor=strategist, item=item, revision=1)
    item.refresh_from_db()
    assert item.status == Status.IN_REVIEW and item.approved_revision is None


def test_approval_names_the_revision_read(people, brand):
    author, reviewer = people["contributor"], people["medical_reviewer"]
    item = services.content_item_create(actor=author, brand=brand, title="T", text="v1")
    review.content_item_submit(actor=author, item=item)
    services.content_item_update(actor=author, item=item, title="T", text="v2")
    item.refresh_from_db()
    assert item.status == Status.DRAFT and item.revision == 2
    review.content_item_submit(actor=author, item=item)
    with pytest.raises(InvalidTransition, match="changed after you opened it"):
        review.content_item_approve(actor=reviewer, item=item, revision=1)
    review.content_item_approve(actor=reviewer, item=item, revision=2)


def test_an_edit_after_approval_ends_it_and_cancels_the_job(people, brand, later):
    item = approved_item(
        author=people["contributor"], reviewer=people["medical_reviewer"], brand=brand, publish_at=later
    )
    services.content_item_update(
        actor=people["contributor"], item=item, title=item.title, text="New words", publish_at=later
    )
    item.refresh_from_db()
    assert item.status == Status.DRAFT and item.approved_revision is None and item.revision == 2
    assert PublishJob.objects.get(content_item=item).status == "cancelled"


def test_moving_the_time_keeps_the_approval_and_moves_the_job(people, brand, later):
    item = approved_item(
        author=people["contributor"], reviewer=people["medical_reviewer"], brand=brand, publish_at=later
    )
    services.content_item_schedule(
        actor=people["contributor"], item=item, publish_at=later + timedelta(days=1)
    )
    item.refresh_from_db()
    assert item.status == Status.SCHEDULED and item.approval_is_current
    assert PublishJob.objects.get(content_item=item).scheduled_for == later + timedelta(days=1)


def test_rejection_needs_a_comment_and_returns_the_item(people, brand):
    author, reviewer = people["contributor"], people["regulatory_reviewer"]
    item = services.content_item_create(actor=author, brand=brand, title="T", text="t")
    review.content_item_submit(actor=author, item=item)
    with pytest.raises(ValidationError):
        review.content_item_reject(actor=reviewer, item=item, comment="  ")
    review.content_item_reject(actor=reviewer, item=item, comment="Add the disclaimer.")
    item.refresh_from_db()
    assert item.status == Status.REJECTED and item.review_comment == "Review: Add the disclaimer."
    review.content_item_submit(actor=author, item=item)


def test_past_publish_time_is_refused(people, brand):
    with pytest.raises(ValidationError, match="past"):
        services.content_item_create(
            actor=people["contributor"],
            brand=brand,
            title="T",
            text="t",
            publish_at=timezone.now() - timedelta(minutes=1),
        )


def test_every_change_is_audited(people, brand, later):
    item = approved_item(
        author=people["contributor"], reviewer=people["medical_reviewer"], brand=brand, publish_at=later
    )
    actions = list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))
    assert actions == [
        "content.create",
        "workflow.create",  # the organisation's standard workflow, made on first use
        "content.submit",
        "review.start",
        "review.step_approve",
        "content.approve",
        "publish_job.create",
    ]
    assert AuditEntry.objects.filter(object_id=str(item.pk), object_type="content.contentitem").count() == 4


def test_other_organisations_brand_is_refused(people, org):
    from tests.factories import BrandFactory

    foreign = BrandFactory()
    with pytest.raises(PermissionDenied):
        services.content_item_create(actor=people["contributor"], brand=foreign, title="T", text="t")
