"""The check pipeline inside the app: findings on every save, blocks on submit, overrides, one-click fixes."""

from __future__ import annotations

import pytest

from carecast.compliance import services as review
from carecast.compliance.checks import content_findings, unresolved_blocks
from carecast.content import services
from carecast.core.errors import PermissionDenied, ValidationError
from carecast.core.models import AuditEntry


@pytest.fixture
def leaky(people, brand):
    return services.content_item_create(
        actor=people["contributor"],
        brand=brand,
        title="Thanks",
        text="Get well soon Jane Doe, call us at 617-555-0148 #hearthealth",
    )


def test_findings_are_computed_for_the_saved_text(leaky):
    labels = [f.label for f in content_findings(leaky)]
    assert {"PERSON", "PHONE", "HASHTAG_CASE"} <= set(labels)


def test_a_blocking_finding_stops_submission(people, leaky):
    with pytest.raises(ValidationError, match="blocking problems"):
        review.content_item_submit(actor=people["contributor"], item=leaky)
    leaky.refresh_from_db()
    assert leaky.status == "draft"


def test_only_a_permitted_person_overrides_with_a_reason(people, leaky):
    with pytest.raises(PermissionDenied):
        review.compliance_override(actor=people["strategist"], item=leaky, reason="fine")
    with pytest.raises(ValidationError, match="reason"):
        review.compliance_override(actor=people["privacy_officer"], item=leaky, reason=" ")
    review.compliance_override(
        actor=people["privacy_officer"],
        item=leaky,
        reason="Jane asked us publicly to thank her; consent on file",
    )
    entry = AuditEntry.objects.get(action="compliance.override")
    assert entry.actor == people["privacy_officer"] and "consent on file" in entry.reason
    assert unresolved_blocks(leaky) == []
    review.content_item_submit(actor=people["contributor"], item=leaky)


def test_an_override_covers_one_revision_only(people, leaky):
    review.compliance_override(actor=people["privacy_officer"], item=leaky, reason="ok")
    services.content_item_update(
        actor=people["contributor"], item=leaky, title="Thanks", text=leaky.text + " See you soon."
    )
    leaky.refresh_from_db()
    assert unresolved_blocks(leaky)


def test_one_click_fixes_redact_and_camel_case(people, leaky):
    findings = content_findings(leaky)
    phone = next(i for i, f in enumerate(findings) if f.label == "PHONE")
    review.content_item_apply_fix(actor=people["contributor"], item=leaky, index=phone)
    leaky.refresh_from_db()
    assert "617-555-0148" not in leaky.text and "[removed]" in leaky.text and leaky.revision == 2
    tag = next(i for i, f in enumerate(content_findings(leaky)) if f.label == "HASHTAG_CASE")
    review.content_item_apply_fix(actor=people["contributor"], item=leaky, index=tag)
    leaky.refresh_from_db()
    assert leaky.text.endswith("#HeartHealth")


def test_the_item_page_shows_highlighted_findings_and_the_override_form(client, people, leaky):
    client.force_login(people["privacy_officer"])
    page = client.get(f"/content/{leaky.pk}/").content.decode()
    assert "<mark" in page and "617-555-0148</mark>" in page
    assert "blocks submission" in page and "Override the blocking findings" in page
    client.force_login(people["contributor"])
    page = client.get(f"/content/{leaky.pk}/").content.decode()
    assert "Override the blocking findings" not in page and "Remove it" in page
    client.post(f"/content/{leaky.pk}/fix/", {"finding": 0})
    leaky.refresh_from_db()
    assert leaky.revision == 2


def test_the_organisations_allow_list_suppresses_its_own_details(people, org, brand):
    org.phi_allow_list = "617-555-0148"
    org.save()
    item = services.content_item_create(
        actor=people["contributor"],
        brand=brand,
        title="Hours",
        text="Questions? Call 617-555-0148. General information, not medical advice.",
    )
    assert unresolved_blocks(item) == []


def test_phi_in_the_alt_text_blocks_too(people, brand):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, "PNG")
    item = services.content_item_create(
        actor=people["contributor"],
        brand=brand,
        title="Photo",
        text="Our new lobby is open.",
        image=SimpleUploadedFile("p.png", buffer.getvalue()),
        alt_text="Nurse with patient Jane Doe, MRN 00123456",
    )
    blocks = unresolved_blocks(item)
    assert {f.label for f in blocks} >= {"MRN"} and all(f.rule.startswith("alt_text.") for f in blocks)
    with pytest.raises(ValidationError, match="blocking problems"):
        review.content_item_submit(actor=people["contributor"], item=item)
