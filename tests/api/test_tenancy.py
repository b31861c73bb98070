"""A person of one organisation never reads or changes another's data, on any route.

`test_every_route_has_a_tenancy_case` walks the URL configuration, so a new route without a case
here fails the suite.
"""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLResolver, get_resolver
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from carecast.accounts.services import api_token_create
from carecast.audiences.models import Subscriber, TextSubscriber
from carecast.channels.models import ChannelAccount, PublishJob
from carecast.compliance import services as review
from carecast.compliance.models import PatientAuthorization, TakedownTask
from carecast.content import library, links, services
from carecast.content.models import (
    BlogSuggestion,
    Campaign,
    ContentImport,
    ContentItem,
    EvergreenQueue,
    MediaAsset,
)
from carecast.core.models import AuditEntry
from tests.factories import BrandFactory, OrganizationFactory, approved_item, make_user

PUBLIC = {  # served to anyone by design, or part of signing in
    "healthz",
    "login",
    "login_code",
    "logout",
    "two_factor_setup",
    "session",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "brand",
    "feed",
    "post",
    "post_image",
    "short_link",
    "calendar_ics",
    "unsubscribe",
    "text_inbound",
    "policy",
    "api-root",
    "api-schema",
    "api-docs",
}


@pytest.fixture
def world(people, brand, later):
    """Organisation B with one of everything; `people` are organisation A."""
    org_b = OrganizationFactory()
    brand_b = BrandFactory(organization=org_b)
    b = {
        r: make_user(org_b, r, username=f"b-{r}")
        for r in ("admin", "strategist", "contributor", "medical_reviewer", "privacy_officer", "analyst")
    }
    item = approved_item(
        author=b["contributor"], reviewer=b["medical_reviewer"], brand=brand_b, publish_at=later
    )
    draft = services.content_item_create(
        actor=b["contributor"],
        brand=brand_b,
        title="B draft",
        text="B secret",
        image=_png(),
        alt_text="B photo",
    )
    suggestion = BlogSuggestion.objects.create(
        organization=org_b, guid="b-1", title="B blog post", link="https://b.example/post"
    )
    review.workflow_save(
        actor=b["admin"], name="B workflow", content_kind="post", steps=[review.StepSpec(name="B step")]
    )
    in_review = services.content_item_create(
        actor=b["contributor"], brand=brand_b, title="B review", text="B"
    )
    review.content_item_submit(actor=b["contributor"], item=in_review)
    campaign = services.campaign_save(
        actor=b["strategist"],
        name="B campaign",
        goal="g",
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
    )
    auth = review.authorization_create(
        actor=b["strategist"],
        person_name="B patient",
        description="d",
        channels=["brand_page"],
        media=["text"],
        signed_on=date(2026, 1, 1),
        expires_on=date(2027, 1, 1),
    )
    task = TakedownTask.objects.create(
        organization=org_b, authorization=auth, item=item, channel="brand_page"
    )
    links.tracked_link_create(actor=b["strategist"], destination="https://b.example/", campaign=campaign)
    asset = library.media_asset_upload(
        actor=b["contributor"], upload=_png(), name="B asset", alt_text="B alt"
    )
    template = library.content_template_save(actor=b["strategist"], name="B template", text="B {x}")
    csv_import = ContentImport.objects.create(
        organization=org_b, created_by=b["strategist"], data="", status="done", total=3, created=3
    )
    return {
        "csv_import": csv_import,
        "asset": asset,
        "template": template,
        "org": org_b,
        "brand": brand_b,
        "people": b,
        "item": item,
        "draft": draft,
        "in_review": in_review,
        "job": PublishJob.objects.get(content_item=item),
        "campaign": campaign,
        "auth": auth,
        "task": task,
        "account": ChannelAccount.objects.create(
            organization=org_b, brand=brand_b, network="webhook", name="B hook", secret="k-b"
        ),
        "suggestion": suggestion,
        "a_item": services.content_item_create(
            actor=people["contributor"], brand=brand, title="A", text="A", image=_png(), alt_text="A photo"
        ),
    }


def _png():
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), "navy").save(buffer, "PNG")
    return SimpleUploadedFile("photo.png", buffer.getvalue(), content_type="image/png")


def _unchanged(world):
    item = ContentItem.objects.get(pk=world["draft"].pk)
    return item.text == "B secret" and item.revision == 1 and item.status == "draft"


def web(client, people, path, method="get", data=None, role="admin"):
    client.force_login(people[role])
    return getattr(client, method)(path, data or {})


CASES = {
    # name: (description, check(client, people, world) -> None)
    "home": lambda c, p, w: _absent(web(c, p, "/"), "B draft", "B review"),
    "calendar": lambda c, p, w: _absent(
        web(c, p, "/calendar/?week=0"), "B draft", str(w["item"].title) + " B"
    ),
    "create": lambda c, p, w: _absent(web(c, p, "/create/"), w["brand"].name),
    "item": lambda c, p, w: _status(web(c, p, f"/content/{w['draft'].pk}/"), 404),
    "item_image": lambda c, p, w: (
        _status(web(c, p, f"/content/{w['a_item'].pk}/image"), 200),  # control: A's own image is served
        _status(web(c, p, f"/content/{w['draft'].pk}/image"), 404),  # B's draft has one too
    ),
    "edit": lambda c, p, w: (
        _status(
            web(
                c,
                p,
                f"/content/{w['draft'].pk}/edit/",
                "post",
                {"brand": w["brand"].pk, "title": "x", "text": "pwned"},
            ),
            404,
        ),
        _check(_unchanged(w)),
    ),
    "submit": lambda c, p, w: (
        _status(web(c, p, f"/content/{w['draft'].pk}/submit/", "post"), 404),
        _check(_unchanged(w)),
    ),
    "review": lambda c, p, w: (
        _status(
            web(
                c,
                p,
                f"/content/{w['in_review'].pk}/review/",
                "post",
                {"revision": 1, "decision": "approve"},
                role="medical_reviewer",
            ),
            404,
        ),
        _check(ContentItem.objects.get(pk=w["in_review"].pk).status == "in_review"),
    ),
    "schedule": lambda c, p, w: (
        _status(web(c, p, f"/content/{w['item'].pk}/schedule/", "post", {"publish_at": ""}), 404),
        _check(ContentItem.objects.get(pk=w["item"].pk).status == "scheduled"),
    ),
    "move": lambda c, p, w: (
        _status(web(c, p, f"/content/{w['item'].pk}/move/", "post", {"day": "2031-01-01"}), 404),
        _check(ContentItem.objects.get(pk=w["item"].pk).publish_at.year != 2031),
    ),
    "publish_now": lambda c, p, w: (
        _status(web(c, p, f"/content/{w['item'].pk}/publish-now/", "post"), 404),
        _check(ContentItem.objects.get(pk=w["item"].pk).publish_at > timezone.now() + timedelta(hours=1)),
    ),
    "apply_fix": lambda c, p, w: (
        _status(web(c, p, f"/content/{w['draft'].pk}/fix/", "post", {"finding": 0}), 404),
        _check(_unchanged(w)),
    ),
    "override_checks": lambda c, p, w: (
        _status(web(c, p, f"/content/{w['draft'].pk}/override/", "post", {"reason": "x"}), 404),
        _check(not w["draft"].compliance_overrides.exists()),
    ),
    "retry": lambda c, p, w: _status(web(c, p, f"/content/{w['item'].pk}/retry/", "post"), 404),
    "crisis": lambda c, p, w: (
        _status(web(c, p, "/settings/crisis/", "post", {"action": "pause", "reason": "drill"}), 302),
        _check(PublishJob.objects.get(pk=w["job"].pk).status == "scheduled"),  # B's posts are untouched
        web(c, p, "/settings/crisis/", "post", {"action": "resume", "confirm": "on"}),
    ),
    "library": lambda c, p, w: _absent(web(c, p, "/library/"), w["item"].title, "B template"),
    "content_import_status": lambda c, p, w: (
        _status(web(c, p, f"/content/import/{w['csv_import'].pk}/"), 404),
        _status(web(c, p, f"/content/import/{w['csv_import'].pk}/?fragment=1"), 404),
    ),
    "campaign_set": lambda c, p, w: (
        _status(web(c, p, f"/content/{w['draft'].pk}/campaign/", "post", {"campaign": ""}), 404),
        web(c, p, f"/content/{w['a_item'].pk}/campaign/", "post", {"campaign": w["campaign"].pk}),
        _check(_unchanged(w) and ContentItem.objects.get(pk=w["a_item"].pk).campaign_id is None),
    ),
    "version": lambda c, p, w: (
        _status(web(c, p, f"/content/{w['draft'].pk}/versions/brand_page/", "post", {"text": "A says"}), 404),
        _check(_unchanged(w) and w["draft"].variants.get().text == "B secret"),
    ),
    "media_library": lambda c, p, w: _absent(web(c, p, "/library/media/"), "B asset", "B alt"),
    "media_asset": lambda c, p, w: (
        _status(web(c, p, f"/library/media/{w['asset'].pk}/"), 404),
        _status(web(c, p, f"/library/media/{w['asset'].pk}/", "post", {"alt_text": "A says"}), 404),
        _check(MediaAsset.objects.get(pk=w["asset"].pk).alt_text == "B alt"),
    ),
    "media_file": lambda c, p, w: _status(web(c, p, f"/library/media/{w['asset'].pk}/file"), 404),
    "item_assets": lambda c, p, w: (
        _status(web(c, p, f"/content/{w['draft'].pk}/assets/", "post", {"asset": w["asset"].pk}), 404),
        web(c, p, f"/content/{w['a_item'].pk}/assets/", "post", {"asset": w["asset"].pk}),
        _check(not w["a_item"].asset_links.exists() and not w["asset"].uses.exists()),
    ),
    "content_templates": lambda c, p, w: _absent(web(c, p, "/library/templates/"), "B template"),
    "template_use": lambda c, p, w: (
        _status(web(c, p, f"/library/templates/{w['template'].pk}/use/"), 404),
        _status(
            web(c, p, f"/library/templates/{w['template'].pk}/use/", "post", {"title": "T", "var_x": "y"}),
            404,
        ),
        _check(not ContentItem.objects.filter(text="B y").exists()),
    ),
    "library_copy": lambda c, p, w: (
        _status(web(c, p, f"/library/{w['item'].pk}/copy/", "post"), 404),
        _check(not ContentItem.objects.filter(title__startswith="Copy of").exists()),
    ),
    "evergreen_queue": lambda c, p, w: (
        _status(
            web(
                c,
                p,
                "/calendar/evergreen/",
                "post",
                {"brand": w["brand"].pk, "slots": "Tue 10:00", "cooldown_days": 7},
            ),
            302,
        ),
        _check(not EvergreenQueue.objects.filter(brand=w["brand"]).exists()),
    ),
    "evergreen_mark": lambda c, p, w: (
        _status(web(c, p, f"/content/{w['item'].pk}/evergreen/", "post", {"on": "1"}), 404),
        _check(not ContentItem.objects.get(pk=w["item"].pk).evergreen),
    ),
    "cadence": lambda c, p, w: (
        _status(web(c, p, "/calendar/cadence/", "post", {"brand": w["brand"].pk, "posts_per_week": 9}), 302),
        _check(not w["brand"].cadence_targets.exists()),
    ),
    "suggestions": lambda c, p, w: (
        _absent(web(c, p, "/suggestions/"), "B blog post"),
        web(c, p, "/suggestions/", "post", {"id": w["suggestion"].pk, "dismiss": "1"}),
        _check(BlogSuggestion.objects.get(pk=w["suggestion"].pk).status == "new"),
    ),
    "subscriber_add": lambda c, p, w: (
        _status(
            web(c, p, "/settings/subscribers/", "post", {"brand": w["brand"].pk, "email": "b@x.example"}), 302
        ),
        _check(not Subscriber.objects.filter(brand=w["brand"]).exists()),
    ),
    "text_subscriber_add": lambda c, p, w: (
        _status(
            web(
                c, p, "/settings/text-subscribers/", "post", {"brand": w["brand"].pk, "phone": "+16175550148"}
            ),
            302,
        ),
        _check(not TextSubscriber.objects.filter(brand=w["brand"]).exists()),
    ),
    "channel_connect": lambda c, p, w: (
        _status(
            web(
                c,
                p,
                "/settings/channels/",
                "post",
                {
                    "brand": w["brand"].pk,
                    "network": "webhook",
                    "name": "x",
                    "endpoint": "https://x.example",
                    "secret": "k",
                },
            ),
            302,
        ),
        _check(not w["brand"].channel_accounts.filter(name="x").exists()),
    ),
    "channel_reconnect": lambda c, p, w: (
        _status(web(c, p, f"/settings/channels/{w['account'].pk}/reconnect/", "post", {"secret": "x"}), 404),
        _check(ChannelAccount.objects.get(pk=w["account"].pk).secret == "k-b"),
    ),
    "channel_oauth_start": lambda c, p, w: (
        _status(web(c, p, "/channels/oauth/linkedin/connect/", "post", {"brand": w["brand"].pk}), 302),
        _check(not c.session.get("carecast_oauth")),  # no sign-in started for B's brand
        _status(web(c, p, "/channels/oauth/x/connect/", "post", {"account": w["account"].pk}), 404),
    ),
    "channel_oauth_callback": lambda c, p, w: (
        _status(web(c, p, "/channels/oauth/linkedin/callback/", data={"code": "c", "state": "s"}), 302),
        _check(not w["brand"].channel_accounts.exclude(pk=w["account"].pk).exists()),
    ),
    "take_down": lambda c, p, w: _status(
        web(c, p, f"/content/{w['item'].pk}/jobs/{w['job'].pk}/take-down/", "post", {"reason": "x"}), 404
    ),
    "targets": lambda c, p, w: _status(web(c, p, f"/content/{w['item'].pk}/channels/", "post"), 404),
    "bulk": lambda c, p, w: (
        _status(web(c, p, "/content/bulk/", "post", {"item": [w["draft"].pk], "action": "duplicate"}), 200),
        _check(ContentItem.objects.filter(title__startswith="Copy of").count() == 0),
    ),
    "repeat": lambda c, p, w: (
        _status(
            web(c, p, f"/content/{w['item'].pk}/repeat/", "post", {"every_days": 7, "until": "2030-01-01"}),
            404,
        ),
        _check(ContentItem.objects.get(pk=w["item"].pk).repeat_every_days == 0),
    ),
    "reviews": lambda c, p, w: _absent(web(c, p, "/reviews/", role="medical_reviewer"), "B review"),
    "settings": lambda c, p, w: _absent(web(c, p, "/settings/"), "b-admin", "b-strategist"),
    "section": lambda c, p, w: _status(web(c, p, "/inbox/"), 200),
    "campaigns": lambda c, p, w: _absent(web(c, p, "/campaigns/"), "B campaign"),
    "campaign": lambda c, p, w: _status(web(c, p, f"/campaigns/{w['campaign'].pk}/"), 404),
    "calendar_feed_reset": lambda c, p, w: _status(web(c, p, "/calendar/feed/reset/", "post"), 302),
    "content_export": lambda c, p, w: _absent(web(c, p, "/content/export.csv"), "B secret", "B review"),
    "content_import": lambda c, p, w: _status(web(c, p, "/content/import/"), 200),
    "audit": lambda c, p, w: _check(
        all(
            e.organization_id == p["admin"].organization_id
            for e in web(c, p, "/audit/").context["page"].object_list
        )
    ),
    "audit_export": lambda c, p, w: _absent(web(c, p, "/audit/export.csv"), "B draft", "B campaign"),
    "workflows": lambda c, p, w: _absent(web(c, p, "/compliance/workflows/"), "B workflow", "B step"),
    "authorizations": lambda c, p, w: _absent(web(c, p, "/compliance/authorizations/"), "B patient"),
    "authorization_revoke": lambda c, p, w: (
        _status(web(c, p, f"/compliance/authorizations/{w['auth'].pk}/revoke/", "post", {"note": "x"}), 404),
        _check(PatientAuthorization.objects.get(pk=w["auth"].pk).revoked_at is None),
    ),
    "takedown_done": lambda c, p, w: (
        _status(web(c, p, f"/compliance/takedowns/{w['task'].pk}/done/", "post"), 404),
        _check(TakedownTask.objects.get(pk=w["task"].pk).status == "open"),
    ),
    "story_link": lambda c, p, w: _status(
        web(c, p, f"/compliance/stories/{w['draft'].pk}/link/", "post", {"authorization": w["auth"].pk}), 404
    ),
    "policies": lambda c, p, w: _status(web(c, p, "/compliance/policies/"), 200),
    "fast_track": lambda c, p, w: _absent(web(c, p, "/compliance/fast-track/"), w["brand"].name),
    "content-item-list": lambda c, p, w: _check(
        {i["id"] for i in _api(p)("get", "/api/content-items/").json()["results"]} == {w["a_item"].pk}
    ),
    "content-item-detail": lambda c, p, w: (
        _status(_api(p)("get", f"/api/content-items/{w['draft'].pk}/"), 404),
        _status(_api(p)("patch", f"/api/content-items/{w['draft'].pk}/", {"text": "pwned"}), 404),
        _check(_unchanged(w)),
    ),
    "content-item-submit": lambda c, p, w: _status(
        _api(p)("post", f"/api/content-items/{w['draft'].pk}/submit/"), 404
    ),
    "content-item-approve": lambda c, p, w: _status(
        _api(p, "medical_reviewer")(
            "post", f"/api/content-items/{w['in_review'].pk}/approve/", {"revision": 1}
        ),
        404,
    ),
    "content-item-reject": lambda c, p, w: _status(
        _api(p, "medical_reviewer")(
            "post", f"/api/content-items/{w['in_review'].pk}/reject/", {"comment": "x"}
        ),
        404,
    ),
    "content-item-schedule": lambda c, p, w: _status(
        _api(p)("post", f"/api/content-items/{w['item'].pk}/schedule/", {"publish_at": None}), 404
    ),
    "publish-job-list": lambda c, p, w: _check(_api(p)("get", "/api/publish-jobs/").json()["count"] == 0),
    "publish-job-detail": lambda c, p, w: _status(_api(p)("get", f"/api/publish-jobs/{w['job'].pk}/"), 404),
    "conversions": lambda c, p, w: _status(
        _api(p, "analyst")(
            "post",
            "/api/conversions/",
            {"code": w["campaign"].links.get().code, "kind": "sign_up", "occurred_on": "2026-11-01"},
        ),
        400,
    ),
}


def _api(people, role="admin"):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_create(actor=people[role]).key}")
    return lambda method, path, data=None: getattr(client, method)(path, data, format="json")


def _status(response, expected):
    assert response.status_code == expected, (response.status_code, expected)


def _check(condition):
    assert condition


def _absent(response, *texts):
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode() if response.streaming else response.content.decode()
    for text in texts:
        assert text not in body, text


def _route_names(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            if str(p.pattern).startswith("operator/"):
                continue  # Django admin, for operators only
            yield from _route_names(p.url_patterns, prefix + str(p.pattern))
        else:
            yield p.name or f"unnamed route {prefix}{p.pattern}", p.lookup_str


def test_every_route_has_a_tenancy_case():
    routes = set(_route_names(get_resolver().url_patterns))  # DRF's format suffixes repeat a (name, view)
    names = [name for name, _view in routes]
    assert len(names) > 50
    assert sorted({n for n in names if names.count(n) > 1}) == [], "a name used by two views would hide one"
    assert set(names) - PUBLIC - set(CASES) == set(), "add a tenancy case for these routes"
    assert set(CASES) - set(names) == set(), "a case for a route that no longer exists"


@pytest.mark.parametrize("name", sorted(CASES))
def test_other_organisations_data_is_out_of_reach(name, client, people, world):
    before = AuditEntry.objects.filter(organization=world["org"]).count()
    CASES[name](client, people, world)
    assert _unchanged(world)
    assert AuditEntry.objects.filter(organization=world["org"]).count() == before  # nothing happened to B
    assert Campaign.objects.get(pk=world["campaign"].pk).name == "B campaign"
