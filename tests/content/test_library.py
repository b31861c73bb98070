"""The media library (images and video reused across items) and the template library."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from carecast.channels.models import BrandPagePost
from carecast.channels.services import publish_due_jobs
from carecast.compliance import services as review
from carecast.compliance.services import Signature
from carecast.content import library
from carecast.content.models import ContentItem, MediaAsset
from carecast.core.errors import ValidationError
from carecast.core.models import AuditEntry
from tests.factories import PASSWORD, approved_item, make_due
from tests.media_samples import mp4, png, webm

HOUR = timedelta(hours=1)


def _file(data: bytes, name: str = "upload.bin", content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


# ---------------------------------------------------------------- media library


def test_images_and_videos_are_checked_by_their_content(people):
    author = people["contributor"]
    image = library.media_asset_upload(
        actor=author, upload=_file(png(400, 300)), name="Clinic front", alt_text="x"
    )
    assert (image.kind, image.file_format, image.width, image.height) == ("image", "png", 400, 300)
    video = library.media_asset_upload(actor=author, upload=_file(mp4(1280, 720, 12), "a.jpg"), name="Tour")
    assert (video.kind, video.file_format, video.width, video.height, video.duration_seconds) == (
        "video",
        "mp4",
        1280,
        720,
        12.0,
    )
    mov = library.media_asset_upload(actor=author, upload=_file(mp4(brand=b"qt  ")), name="Mov")
    clip = library.media_asset_upload(actor=author, upload=_file(webm(640, 360, 8.0)), name="Clip")
    assert (mov.file_format, clip.file_format, clip.width, clip.duration_seconds) == ("mov", "webm", 640, 8.0)
    assert AuditEntry.objects.filter(action="media.upload").count() == 4


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"%PDF-1.4 not a picture at all", "not an image we can read"),
        (mp4()[:40], "not a video we can read"),
        (mp4(9000, 720), "9000 by 720 pixels; the limit is 8192"),
        (mp4(seconds=3600), "runs 3600 seconds; the limit is 600"),
        (png(8, 8), "at least 16 pixels"),
    ],
)
def test_bad_files_get_a_clear_message_and_nothing_is_stored(people, data, message):
    with pytest.raises(ValidationError, match=message):
        library.media_asset_upload(actor=people["contributor"], upload=_file(data, "movie.mp4", "video/mp4"))
    assert MediaAsset.objects.count() == 0
    assert not AuditEntry.objects.filter(action="media.upload").exists()


def test_a_video_over_the_size_limit_is_refused(people, settings):
    settings.MEDIA_VIDEO_MAX_BYTES = 100
    with pytest.raises(ValidationError, match="larger than 100"):
        library.media_asset_upload(actor=people["contributor"], upload=_file(mp4()))
    assert MediaAsset.objects.count() == 0


def test_an_item_cannot_go_to_review_until_its_assets_have_alt_text_and_captions(people, brand):
    author = people["contributor"]
    photo = library.media_asset_upload(actor=author, upload=_file(png()), name="Flu clinic photo")
    tour = library.media_asset_upload(actor=author, upload=_file(mp4()), name="Ward tour", alt_text="A ward")
    item = library.content_item_create(actor=author, brand=brand, title="Flu", text="Flu shots this week.")
    library.content_item_attach_asset(actor=author, item=item, asset=photo)
    library.content_item_attach_asset(actor=author, item=item, asset=tour)
    with pytest.raises(
        ValidationError, match="“Flu clinic photo” needs alt text; “Ward tour” needs captions"
    ):
        review.content_item_submit(actor=author, item=item)
    item.refresh_from_db()
    assert item.status == ContentItem.Status.DRAFT
    library.media_asset_update(
        actor=author, asset=photo, name=photo.name, alt_text="Nurse with a vaccine", caption=""
    )
    library.media_asset_update(
        actor=author, asset=tour, name=tour.name, alt_text="A ward", caption="Welcome to 4B."
    )
    assert review.content_item_submit(actor=author, item=item).status == ContentItem.Status.IN_REVIEW


def test_phi_in_an_assets_alt_text_blocks_submission(people, brand):
    author = people["contributor"]
    photo = library.media_asset_upload(
        actor=author, upload=_file(png()), name="Bedside", alt_text="John Smith, MRN 12345678, in room 4"
    )
    item = library.content_item_create(actor=author, brand=brand, title="Care", text="Our nurses care.")
    library.content_item_attach_asset(actor=author, item=item, asset=photo)
    with pytest.raises(ValidationError, match="blocking problems"):
        review.content_item_submit(actor=author, item=item)


def test_one_asset_is_reused_and_attaching_it_ends_an_approval(people, brand):
    author, reviewer = people["contributor"], people["medical_reviewer"]
    photo = library.media_asset_upload(
        actor=author, upload=_file(png()), name="Lobby", alt_text="Hospital lobby"
    )
    first = approved_item(author=author, reviewer=reviewer, brand=brand)
    second = library.content_item_create(actor=author, brand=brand, title="Two", text="Visit us.")
    library.content_item_attach_asset(actor=author, item=first, asset=photo)
    library.content_item_attach_asset(actor=author, item=second, asset=photo)
    first.refresh_from_db()
    assert first.status == ContentItem.Status.DRAFT and not first.approval_is_current
    assert photo.uses.count() == 2
    with pytest.raises(ValidationError, match="already attached"):
        library.content_item_attach_asset(actor=author, item=second, asset=photo)
    assert [a.name for a in library.media_assets_search(user=author, query="lobby")] == ["Lobby"]
    assert list(library.media_assets_search(user=author, query="parking")) == []


def test_a_library_image_is_published_with_its_alt_text(people, brand):
    author = people["contributor"]
    photo = library.media_asset_upload(
        actor=author, upload=_file(png()), name="Lobby", alt_text="The bright hospital lobby"
    )
    item = library.content_item_create(
        actor=author, brand=brand, title="Visit", text="Come and see us.", publish_at=timezone.now() + HOUR
    )
    library.content_item_attach_asset(actor=author, item=item, asset=photo)
    review.content_item_submit(actor=author, item=item)
    item.refresh_from_db()
    review.content_item_approve(actor=people["medical_reviewer"], item=item, revision=item.revision)
    make_due(item)
    publish_due_jobs()
    post = BrandPagePost.objects.get()
    assert (post.image, post.alt_text) == (photo.file.name, "The bright hospital lobby")


def test_a_copy_keeps_the_library_assets_and_gets_its_own_versions(people, brand):
    from carecast.content import services

    author = people["contributor"]
    photo = library.media_asset_upload(actor=author, upload=_file(png()), name="Lobby", alt_text="The lobby")
    item = library.content_item_create(actor=author, brand=brand, title="Visit", text="Come and see us.")
    library.content_item_attach_asset(actor=author, item=item, asset=photo)
    copy = services.content_item_duplicate(actor=author, item=item)
    assert [link.asset for link in copy.asset_links.all()] == [photo] and photo.uses.count() == 2
    assert list(copy.variants.values_list("network", "text")) == [("brand_page", "Come and see us.")]


# ---------------------------------------------------------------- templates


def test_an_evergreen_template_starts_a_draft_that_needs_review(people, brand):
    strategist = people["strategist"]
    template = library.content_template_save(
        actor=strategist,
        name="Walk-in hours",
        text="Walk-in hours at {site}: {hours}.",
        tags=["Hours", "clinic"],
    )
    with pytest.raises(ValidationError, match="Fill in: hours"):
        library.content_item_from_template(
            actor=strategist, template=template, brand=brand, title="Hours", values={"site": "Northside"}
        )
    item = library.content_item_from_template(
        actor=strategist,
        template=template,
        brand=brand,
        title="Hours",
        values={"site": "Northside", "hours": "8-6"},
    )
    assert item.text == "Walk-in hours at Northside: 8-6." and item.status == ContentItem.Status.DRAFT
    assert [t.name for t in library.content_templates_search(user=strategist, tag="hours")] == [
        "Walk-in hours"
    ]


def test_a_pre_approved_template_follows_the_fast_track_rules(people, brand):
    fast = review.fast_track_template_create(
        actor=people["medical_reviewer"],
        name="Boil water",
        text="Boil-water notice for {area} until {until}.",
        signature=Signature(reason="Public-health lane", password=PASSWORD),
    )
    template = library.content_template_save(actor=people["strategist"], name="Boil water", fast_track=fast)
    assert template.kind == "pre_approved" and template.text == fast.text
    item = library.content_item_from_template(
        actor=people["strategist"],
        template=template,
        brand=brand,
        title="Boil water",
        values={"area": "Northside", "until": "Friday"},
    )
    assert item.approval_is_current and item.kind == ContentItem.Kind.PUBLIC_HEALTH
    with pytest.raises(ValidationError, match="no text"):  # only the variables may change
        library.content_item_from_template(
            actor=people["strategist"],
            template=template,
            brand=brand,
            title="x",
            values={"area": "N", "until": "F", "text": "anything"},
        )
