"""The media and template library pages, through the web client."""

from __future__ import annotations

from datetime import UTC, datetime

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from carecast.content import library
from carecast.content.models import ContentItem, ContentTemplate, MediaAsset
from tests.media_samples import mp4


def test_upload_search_attach_and_the_review_gate_on_the_pages(client, people, brand):
    client.force_login(people["contributor"])
    bad = client.post(
        "/library/media/", {"file": SimpleUploadedFile("x.mp4", b"not a video", "video/mp4")}, follow=True
    )
    assert "Nothing was uploaded: That file is not an image we can read" in bad.content.decode()
    assert MediaAsset.objects.count() == 0
    done = client.post(
        "/library/media/",
        {"file": SimpleUploadedFile("t.mp4", mp4(), "video/mp4"), "name": "Ward tour"},
        follow=True,
    )
    page = done.content.decode()
    assert "“Ward tour” is in the library. It still needs alt text" in page and "Needs alt text" in page
    asset = MediaAsset.objects.get()
    assert "Ward tour" in client.get("/library/media/?q=ward").content.decode()
    assert "Ward tour" not in client.get("/library/media/?q=parking").content.decode()
    item = library.content_item_create(
        actor=people["contributor"], brand=brand, title="Tour", text="Come see 4B."
    )
    client.post(f"/content/{item.pk}/assets/", {"asset": asset.pk})
    refused = client.post(f"/content/{item.pk}/submit/", follow=True).content.decode()
    assert "“Ward tour” needs alt text" in refused
    client.post(
        f"/library/media/{asset.pk}/", {"name": "Ward tour", "alt_text": "Ward 4B", "caption": "Welcome."}
    )
    client.post(f"/content/{item.pk}/submit/")
    item.refresh_from_db()
    assert item.status == ContentItem.Status.IN_REVIEW
    assert client.get(f"/library/media/{asset.pk}/file").status_code == 200


@time_machine.travel(datetime(2026, 10, 26, 12, 0, tzinfo=UTC), tick=False)
def test_a_template_with_variables_starts_a_draft_on_the_pages(client, people, brand):
    client.force_login(people["strategist"])
    client.post(
        "/library/templates/", {"name": "Hours", "text": "Open at {site} until {time}.", "tags": "hours"}
    )
    template = ContentTemplate.objects.get()
    page = client.post(
        f"/library/templates/{template.pk}/use/",
        {"title": "Hours", "brand": brand.pk, "var_site": "Northside", "var_time": "8 pm"},
        follow=True,
    ).content.decode()
    assert "Started “Hours”: a draft for review." in page
    assert ContentItem.objects.get().text == "Open at Northside until 8 pm."
