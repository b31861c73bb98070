"""CSRF: a signed-in browser session cannot be used by another site to change anything.

Each form is posted twice from a session: without the CSRF token it is refused and nothing changes;
with the token the same post does change something, so the refusal is CSRF's doing and not the
form's (the control would fail if a case posted something the form refuses anyway).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from carecast.accounts.services import api_token_create
from carecast.compliance import services as review
from carecast.content import services
from carecast.content.models import ContentItem
from carecast.core.models import AuditEntry, Organization
from tests.factories import approved_item

CASES = {
    # name: (path, role, item the path is about, form data)
    "create": ("/create/", "contributor", None, {"title": "New", "text": "x"}),
    "edit": ("/content/{id}/edit/", "contributor", "draft", {"title": "t", "text": "changed"}),
    "submit": ("/content/{id}/submit/", "contributor", "draft", {}),
    "review": (
        "/content/{id}/review/",
        "medical_reviewer",
        "in_review",
        {"revision": 1, "decision": "approve"},
    ),
    "schedule": ("/content/{id}/schedule/", "contributor", "approved", {"publish_at": "{soon}"}),
    "publish_now": ("/content/{id}/publish-now/", "contributor", "approved", {}),
    "settings": (
        "/settings/",
        "admin",
        None,
        {"save_org": "1", "name": "Hijacked", "time_zone": "UTC", "idle_timeout_minutes": "60"},
    ),
    "logout": ("/accounts/logout/", "contributor", None, {}),
    "workflows": (
        "/compliance/workflows/",
        "admin",
        None,
        {
            "name": "x",
            "content_kind": "post",
            "approval_valid_days": 30,
            "step1_name": "x",
            **{f"step{i}_mode": "any" for i in range(1, 7)},
        },
    ),
    "campaigns": (
        "/campaigns/",
        "strategist",
        None,
        {
            "name": "x",
            "goal": "g",
            "starts_on": "2030-01-01",
            "ends_on": "2030-02-01",
            "budget": 0,
            "spend": 0,
        },
    ),
}


@pytest.fixture
def items(people, brand, later):
    author = people["contributor"]
    in_review = services.content_item_create(actor=author, brand=brand, title="r", text="in review")
    review.content_item_submit(actor=author, item=in_review)
    return {
        "draft": services.content_item_create(actor=author, brand=brand, title="t", text="x"),
        "in_review": in_review,
        "approved": approved_item(
            author=author, reviewer=people["medical_reviewer"], brand=brand, publish_at=later
        ),
    }


def _state(client, org):
    """Everything a forged post could change: the audit log, the items, the organisation, the session."""
    items = tuple(
        ContentItem.objects.order_by("pk").values_list("pk", "text", "status", "revision", "publish_at")
    )
    return (
        AuditEntry.objects.count(),
        items,
        Organization.objects.get(pk=org.pk).name,
        "_auth_user_id" in client.session,
    )


@pytest.mark.parametrize("with_token", [False, True], ids=["forged", "control"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_web_forms_refuse_posts_without_the_token(name, with_token, people, items, brand, org):
    path, role, which, data = CASES[name]
    client = Client(enforce_csrf_checks=True)
    client.force_login(people[role])
    soon = (timezone.now() + timedelta(days=1)).astimezone(org.tz).strftime("%Y-%m-%dT%H:%M")
    data = {k: (soon if v == "{soon}" else v) for k, v in data.items()}
    if "title" in data:
        data["brand"] = brand.pk
    if with_token:
        token = _get_new_csrf_string()
        client.cookies["csrftoken"] = token
        data["csrfmiddlewaretoken"] = token
    before = _state(client, org)
    response = client.post(path.format(id=items[which].pk if which else 0), data)
    if with_token:
        assert response.status_code in (200, 302), response.status_code
        assert _state(client, org) != before, "the control post changed nothing; the case proves nothing"
    else:
        assert response.status_code == 403
        assert b"CSRF" in response.content
        assert _state(client, org) == before


def test_session_authenticated_api_posts_need_the_token_but_api_tokens_do_not(people, items):
    draft = items["draft"]
    session = APIClient(enforce_csrf_checks=True)
    session.force_login(people["contributor"])
    before = AuditEntry.objects.count()
    assert session.get(f"/api/content-items/{draft.pk}/").status_code == 200  # reading needs no token
    refused = session.post(f"/api/content-items/{draft.pk}/submit/")
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    patched = session.patch(f"/api/content-items/{draft.pk}/", {"text": "forged"}, format="json")
    assert patched.status_code == 403 and "CSRF" in patched.json()["detail"]
    draft.refresh_from_db()
    assert (draft.status, draft.text, AuditEntry.objects.count()) == ("draft", "x", before)

    token = APIClient(enforce_csrf_checks=True)
    token.credentials(HTTP_AUTHORIZATION=f"Token {api_token_create(actor=people['contributor']).key}")
    assert token.post(f"/api/content-items/{draft.pk}/submit/").status_code == 200
    assert ContentItem.objects.get(pk=draft.pk).status == "in_review"
