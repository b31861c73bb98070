from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from carecast.compliance import services as review
from carecast.compliance.models import PatientAuthorization, StoryAuthorization, Workflow
from carecast.content import services
from tests.factories import PASSWORD


def test_admin_sets_up_a_three_step_workflow_in_the_browser_form(client, people):
    client.force_login(people["admin"])
    response = client.post(
        "/compliance/workflows/",
        {
            "name": "MLR",
            "content_kind": "post",
            "approval_valid_days": "14",
            "step1_name": "Medical",
            "step1_role": "medical_reviewer",
            "step1_mode": "any",
            "step1_signature": "on",
            "step2_name": "Legal",
            "step2_role": "legal_reviewer",
            "step2_mode": "all",
            "step3_name": "",
            "step3_role": "",
            "step3_mode": "any",
            **{f"step{i}_mode": "any" for i in range(4, 7)},
        },
    )
    assert response.status_code == 302
    workflow = Workflow.objects.get(active=True, organization=people["admin"].organization)
    assert [(s.name, s.reviewer_role, s.mode, s.require_signature) for s in workflow.steps.all()] == [
        ("Medical", "medical_reviewer", "any", True),
        ("Legal", "legal_reviewer", "all", False),
    ]
    assert workflow.approval_valid_days == 14
    assert b"Medical: Medical reviewer" in client.get("/compliance/workflows/").content


def test_only_admins_reach_the_workflow_and_policy_pages(client, people):
    client.force_login(people["strategist"])
    assert client.get("/compliance/workflows/").status_code == 403
    assert client.get("/compliance/policies/").status_code == 403
    client.force_login(people["contributor"])
    assert client.get("/compliance/authorizations/").status_code == 403


def test_record_link_and_revoke_an_authorisation(client, people, brand):
    client.force_login(people["strategist"])
    today = timezone.now().date()
    response = client.post(
        "/compliance/authorizations/",
        {
            "person_name": "Maria Lopez",
            "description": "Knee story",
            "channels": ["brand_page"],
            "media_kinds": ["text"],
            "signed_on": today.isoformat(),
            "expires_on": (today + timedelta(days=30)).isoformat(),
        },
    )
    assert response.status_code == 302
    auth = PatientAuthorization.objects.get()
    item = services.content_item_create(
        actor=people["contributor"], brand=brand, title="Story", text="Maria.", kind="patient_story"
    )
    page = client.get(f"/content/{item.pk}/")
    assert b"cannot be approved or published until it is linked" in page.content
    client.post(f"/compliance/stories/{item.pk}/link/", {"authorization": auth.pk})
    assert StoryAuthorization.objects.get(item=item).authorization == auth
    client.post(f"/compliance/authorizations/{auth.pk}/revoke/", {"note": "Phone call"})
    auth.refresh_from_db()
    assert auth.revoked_at is not None


def test_another_organisations_authorisation_cannot_be_linked_or_revoked(client, people, brand):
    from tests.factories import OrganizationFactory, make_user

    other = make_user(OrganizationFactory(), "strategist", username="other-strategist")
    today = timezone.now().date()
    foreign = review.authorization_create(
        actor=other,
        person_name="X",
        description="Y",
        channels=["brand_page"],
        media=["text"],
        signed_on=today,
        expires_on=today + timedelta(days=9),
    )
    item = services.content_item_create(actor=people["contributor"], brand=brand, title="S", text="t")
    client.force_login(people["strategist"])
    assert client.post(f"/compliance/authorizations/{foreign.pk}/revoke/", {"note": "x"}).status_code == 404
    assert (
        client.post(f"/compliance/stories/{item.pk}/link/", {"authorization": foreign.pk}).status_code == 404
    )
    foreign.refresh_from_db()
    assert foreign.revoked_at is None and not StoryAuthorization.objects.exists()


def test_publish_a_policy_from_the_editor(client, people, org):
    client.force_login(people["admin"])
    client.post(
        "/compliance/policies/",
        {
            "kind": "social-media-policy",
            "body": "Staff may share approved posts.",
            "change_note": "",
            "publish": "1",
        },
    )
    assert (
        b"Staff may share approved posts." in client.get(f"/policies/{org.slug}/social-media-policy/").content
    )


def test_use_a_fast_track_template(client, people, brand):
    template = review.fast_track_template_create(
        actor=people["medical_reviewer"],
        name="Heat",
        text="Cooling centre open at {site} today.",
        signature=review.Signature(reason="Heat plan", password=PASSWORD),
    )
    client.force_login(people["strategist"])
    response = client.post(
        "/compliance/fast-track/",
        {
            "use_template": "1",
            "template": template.pk,
            "brand": brand.pk,
            "title": "Heat",
            "var_site": "Main St",
        },
    )
    assert response.status_code == 302
    item = template.uses.get().item
    assert item.text == "Cooling centre open at Main St today." and item.status == "approved"
