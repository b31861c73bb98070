from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from carecast.content.models import ContentItem


def _png(size):
    buffer = io.BytesIO()
    Image.new("RGB", size, "navy").save(buffer, "PNG")
    return SimpleUploadedFile("photo.png", buffer.getvalue(), content_type="image/png")


def _stored(settings):
    """Every file under MEDIA_ROOT (the tests give each run its own)."""
    return [p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()] if settings.MEDIA_ROOT.exists() else []


def _create(client, brand, image):
    return client.post(
        "/create/", {"brand": brand.pk, "title": "t", "text": "x", "image": image, "alt_text": "a photo"}
    )


def test_a_real_image_is_stored(client, people, brand, settings):
    """Control for the refusals below: the same post with an acceptable image stores the item and file."""
    client.force_login(people["contributor"])
    response = _create(client, brand, _png((200, 200)))
    assert response.status_code == 302
    item = ContentItem.objects.get()
    assert item.image and _stored(settings) == [settings.MEDIA_ROOT / item.image.name]


def test_a_non_image_is_refused_with_a_clear_message_and_nothing_is_stored(client, people, brand, settings):
    client.force_login(people["contributor"])
    fake = SimpleUploadedFile("photo.png", b"MZ\x90\x00 not a picture", content_type="image/png")
    response = _create(client, brand, fake)
    assert response.status_code == 200
    assert "That file is not an image we can read (use JPEG, PNG, GIF or WebP)." in response.content.decode()
    assert not ContentItem.objects.exists()
    assert _stored(settings) == []


def test_an_oversized_image_is_refused_with_a_clear_message_and_nothing_is_stored(
    client, people, brand, settings
):
    settings.UPLOAD_MAX_BYTES = 500
    client.force_login(people["contributor"])
    response = _create(client, brand, _png((200, 200)))
    assert response.status_code == 200
    assert "The image is larger than 500\xa0bytes; make it smaller." in response.content.decode()
    assert not ContentItem.objects.exists()
    assert _stored(settings) == []


def test_a_dst_gap_or_past_time_in_the_form_is_refused(client, people, brand):
    client.force_login(people["contributor"])
    gap = client.post(
        "/create/", {"brand": brand.pk, "title": "t", "text": "x", "publish_at": "2027-03-14T02:30"}
    )
    assert "does not exist in America/Chicago" in gap.content.decode()
    past = client.post(
        "/create/", {"brand": brand.pk, "title": "t", "text": "x", "publish_at": "2020-01-01T09:00"}
    )
    assert "in the past" in past.content.decode()
    assert not ContentItem.objects.exists()


def test_the_settings_page_changes_the_organisation_for_admins_only(client, people, org):
    client.force_login(people["admin"])
    response = client.post(
        "/settings/",
        {"save_org": "1", "name": org.name, "time_zone": "America/Denver", "idle_timeout_minutes": "30"},
    )
    assert response.status_code == 302
    org.refresh_from_db()
    assert (org.time_zone, org.idle_timeout_minutes) == ("America/Denver", 30)
    bad = client.post(
        "/settings/",
        {"save_org": "1", "name": org.name, "time_zone": "Mars/Olympus", "idle_timeout_minutes": "30"},
    )
    assert bad.status_code == 200 and "time zone" in bad.content.decode()
    client.post(
        "/settings/",
        {
            "save_org": "1",
            "name": org.name,
            "time_zone": "America/Denver",
            "require_two_factor": "on",
            "idle_timeout_minutes": "30",
        },
    )
    org.refresh_from_db()
    assert org.require_two_factor
    assert client.get("/settings/")["Location"].startswith(
        "/accounts/two-factor/"
    )  # the admin must set it up
    client.force_login(people["strategist"])
    assert (
        client.post(
            "/settings/", {"save_org": "1", "name": "x", "time_zone": "UTC", "idle_timeout_minutes": "5"}
        ).status_code
        == 403
    )
    org.refresh_from_db()
    assert org.name != "x"
