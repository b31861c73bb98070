"""CSRF: a signed-in browser session cannot be used by another site to change anything."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from carecast.accounts.services import api_token_create
from carecast.compliance import services as review
from carecast.content import services
from carecast.content.models import ContentItem
from carecast.core.models import AuditEntry


@pytest.fixture
def draft(people, brand):
    return services.content_item_create(actor=people["contributor"], brand=brand, title="t", text="x")


@pytest.mark.parametrize(
    ("path", "role", "data"),
    [
        ("/create/", "contributor", {"title": "t", "text": "x"}),
        ("/content/{id}/submit/", "contributor", {}),
        ("/content/{id}/edit/", "contributor", {"title": "t", "text": "changed"}),
        ("/content/{id}/schedule/", "contributor", {"publish_at": ""}),
        ("/content/{id}/publish-now/", "contributor", {}),
        (
            "/settings/",
            "admin",
            {"save_org": "1", "name": "Hijacked", "time_zone": "UTC", "idle_timeout_minutes": "60"},
        ),
        ("/accounts/logout/", "contributor", {}),
        ("/compliance/workflows/", "admin", {"name": "x", "content_kind": "post", "step1_name": "x"}),
        ("/campaigns/", "strategist", {"name": "x"}),
    ],
)
def test_web_forms_refuse_posts_without_the_token(path, role, data, people, draft, brand):
    client = Client(enforce_csrf_checks=True)
    client.force_login(people[role])
    before = (AuditEntry.objects.count(), ContentItem.objects.count())
    data = {**data, "brand": brand.pk} if "title" in data else data
    response = client.post(path.format(id=draft.pk), data)
    assert response.status_code == 403
    assert (AuditEntry.objects.count(), ContentItem.objects.count()) == before
    draft.refresh_from_db()
    assert (draft.text, draft.status) == ("x", "draft")
    assert people["admin"].organization.name != "Hijacked"


def test_session_authenticated_api_posts_need_the_token_but_api_tokens_do_not(people, draft):
    session = APIClient(enforce_csrf_checks=True)
    session.force_login(people["contributor"])
    refused = session.post(f"/api/content-items/{draft.pk}/submit/")
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    draft.refresh_from_db()
    assert draft.status == "draft"
    token = APIClient(enforce_csrf_checks=True)
    token.credentials(HTTP_AUTHORIZATION=f"Token {api_token_create(actor=people['contributor']).key}")
    assert token.post(f"/api/content-items/{draft.pk}/submit/").status_code == 200
    assert review.current_run(ContentItem.objects.get(pk=draft.pk)) is not None
