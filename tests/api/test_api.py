"""The REST API: token authentication, the loop, clear errors, and every answer checked against the schema."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta

import pytest
from django.http import JsonResponse
from django.test import RequestFactory
from django.utils import timezone
from openapi_core import OpenAPI
from openapi_core.contrib.django import DjangoOpenAPIRequest, DjangoOpenAPIResponse
from openapi_core.exceptions import OpenAPIError
from rest_framework.test import APIClient

from carecast.accounts.services import api_token_create
from carecast.content.models import ContentItem
from tests.factories import make_user


def _strict(schema):
    """The published schema lets clients ignore new fields; the tests do not: an answer with a field
    the schema does not document fails."""
    schema = copy.deepcopy(schema)
    for component in schema["components"]["schemas"].values():
        if component.get("type") == "object" and "properties" in component:
            component.setdefault("additionalProperties", False)
    return schema


@pytest.fixture
def openapi(client, db):
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    return OpenAPI.from_dict(_strict(response.json()))


class Checked:
    """An API client whose every answer must match the published OpenAPI schema (status and body)."""

    def __init__(self, openapi, user=None, token=None):
        self.client = APIClient()
        if user is not None:
            token = api_token_create(actor=user).key
        if token is not None:
            self.client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        self.openapi = openapi

    def __call__(self, method, path, data=None):
        response = (
            getattr(self.client, method)(path, data, format="json")
            if data is not None
            else getattr(self.client, method)(path)
        )
        self.openapi.validate_response(
            DjangoOpenAPIRequest(response.wsgi_request), DjangoOpenAPIResponse(response)
        )
        return response


@pytest.fixture
def as_user(people, openapi):
    return lambda role: Checked(openapi, people[role])


def test_the_loop_through_the_api(as_user, brand):
    author, reviewer = as_user("contributor"), as_user("medical_reviewer")
    created = author(
        "post", "/api/content-items/", {"brand": brand.slug, "title": "Flu", "text": "Flu shots."}
    )
    assert created.status_code == 201
    item = created.json()
    assert (item["status"], item["revision"], item["brand"]) == ("draft", 1, brand.slug)
    assert author("post", f"/api/content-items/{item['id']}/submit/").json()["status"] == "in_review"
    approved = reviewer("post", f"/api/content-items/{item['id']}/approve/", {"revision": 1})
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert approved.json()["approved_by"] == "medical_reviewer-" + brand.organization.slug

    # A wall-clock time in the organisation's zone (America/Chicago).
    when = (
        (timezone.now() + timedelta(days=2))
        .astimezone(brand.organization.tz)
        .replace(second=0, microsecond=0)
    )
    local = when.strftime("%Y-%m-%d %H:%M")
    scheduled = author("post", f"/api/content-items/{item['id']}/schedule/", {"publish_at": local})
    assert scheduled.status_code == 200 and scheduled.json()["status"] == "scheduled"
    assert datetime.fromisoformat(scheduled.json()["publish_at"]) == when
    assert scheduled.json()["publish_at_local"] == when.isoformat()

    # An ISO 8601 time with its own offset (here UTC+05:30) means that instant, whatever the zone.
    later = (when + timedelta(hours=1)).astimezone(timezone.get_fixed_timezone(330))
    moved = author("post", f"/api/content-items/{item['id']}/schedule/", {"publish_at": later.isoformat()})
    assert moved.status_code == 200
    assert datetime.fromisoformat(moved.json()["publish_at"]) == when + timedelta(hours=1)

    jobs = author("get", "/api/publish-jobs/").json()
    assert jobs["count"] == 1 and jobs["results"][0]["status"] == "scheduled"
    assert datetime.fromisoformat(jobs["results"][0]["scheduled_for"]) == when + timedelta(hours=1)
    job = author("get", f"/api/publish-jobs/{jobs['results'][0]['id']}/").json()
    assert (job["content_item"], job["brand"]) == (item["id"], brand.slug)
    assert author("get", "/api/publish-jobs/?status=published").json()["count"] == 0
    listing = author("get", "/api/content-items/").json()
    assert [i["id"] for i in listing["results"]] == [item["id"]]
    assert author("get", f"/api/content-items/{item['id']}/").json()["status"] == "scheduled"


def test_errors_are_clear_json_with_the_right_status(as_user, openapi, brand):
    author, reviewer = as_user("contributor"), as_user("medical_reviewer")
    item = author("post", "/api/content-items/", {"brand": brand.slug, "title": "t", "text": "x"}).json()
    url = f"/api/content-items/{item['id']}"
    not_in_review = reviewer("post", f"{url}/approve/", {"revision": 1})
    assert not_in_review.status_code == 409 and "not waiting for review" in not_in_review.json()["detail"]
    author("post", f"{url}/submit/")
    role = author("post", f"{url}/approve/", {"revision": 1})
    assert role.status_code == 403 and "role does not allow" in role.json()["detail"]
    # Someone who both writes and reviews still cannot approve their own item.
    both = Checked(openapi, make_user(brand.organization, "contributor", "medical_reviewer"))
    mine = both("post", "/api/content-items/", {"brand": brand.slug, "title": "t", "text": "y"}).json()
    both("post", f"/api/content-items/{mine['id']}/submit/")
    own = both("post", f"/api/content-items/{mine['id']}/approve/", {"revision": 1})
    assert own.status_code == 403 and own.json() == {
        "detail": "You cannot approve your own work; another reviewer must."
    }
    stale = reviewer("post", f"{url}/approve/", {"revision": 7})
    assert stale.status_code == 409 and "changed after you opened it" in stale.json()["detail"]
    assert set(ContentItem.objects.values_list("status", flat=True)) == {"in_review"}  # none approved

    def create(**extra):
        return author(
            "post", "/api/content-items/", {"brand": brand.slug, "title": "t", "text": "x", **extra}
        )

    gap = create(publish_at="2027-03-14 02:30")  # clocks jump from 02:00 to 03:00 in Chicago
    assert gap.status_code == 400
    assert "does not exist in America/Chicago" in gap.json()["detail"] and gap.json()["field"] == "publish_at"
    past = create(publish_at="2020-01-01T10:00:00+00:00")
    assert past.status_code == 400 and "past" in past.json()["detail"]
    for malformed in (
        "next tuesday",
        "2027-13-01 10:00",
        "2027-02-30T10:00:00-06:00",
        "2027-12-01T10:00+25:00",
    ):
        bad = create(publish_at=malformed)
        assert bad.status_code == 400 and "not a date and time" in bad.json()["detail"], malformed
        assert bad.json()["field"] == "publish_at"
    unknown = create(brand="nope")
    assert unknown.status_code == 400 and unknown.json() == {
        "detail": "No brand with that slug in your organisation.",
        "field": "brand",
    }
    missing = author("post", "/api/content-items/", {"brand": brand.slug})
    assert missing.status_code == 400
    assert missing.json()["detail"] == "title: This field is required."
    assert missing.json()["field_errors"] == {
        "title": ["This field is required."],
        "text": ["This field is required."],
    }
    assert ContentItem.objects.count() == 2  # none of the refused writes stored anything
    gone = author("get", "/api/content-items/999999/")
    assert gone.status_code == 404 and gone.json() == {"detail": "No such content item."}
    assert author("get", "/api/publish-jobs/999999/").status_code == 404
    analyst = as_user("analyst")
    refused = analyst("post", "/api/content-items/", {"brand": brand.slug, "title": "t", "text": "x"})
    assert refused.status_code == 403 and refused.json()["detail"]


def test_without_a_valid_token_nothing_is_served(openapi, people, brand):
    nobody = Checked(openapi)
    for path in ("/api/content-items/", "/api/publish-jobs/"):
        response = nobody("get", path)
        assert response.status_code == 401 and response.json()["detail"]
    assert (
        nobody("post", "/api/content-items/", {"brand": brand.slug, "title": "t", "text": "x"}).status_code
        == 401
    )
    assert Checked(openapi, token="not-a-real-token")("get", "/api/content-items/").status_code == 401
    old = api_token_create(actor=people["contributor"]).key
    assert Checked(openapi, token=old)("get", "/api/content-items/").status_code == 200
    api_token_create(actor=people["contributor"])  # a new token ends the old one
    assert Checked(openapi, token=old)("get", "/api/content-items/").status_code == 401
    assert not ContentItem.objects.exists()


def test_the_schema_check_refuses_answers_the_schema_does_not_document(openapi):
    """Guard for the tests above: the validator would notice an undocumented status, field or shape."""
    request = DjangoOpenAPIRequest(RequestFactory().get("/api/publish-jobs/"))

    def answer(status, data):
        return DjangoOpenAPIResponse(JsonResponse(data, status=status))

    openapi.validate_response(
        request, answer(200, {"count": 0, "next": None, "previous": None, "results": []})
    )
    for status, data in [
        (409, {"detail": "x"}),  # a list never conflicts
        (200, {"count": 0, "next": None, "previous": None, "results": [], "extra": 1}),
        (403, {"detail": "x", "secret": "y"}),
        (401, {"message": "x"}),
    ]:
        with pytest.raises(OpenAPIError):
            openapi.validate_response(request, answer(status, data))


def test_schema_and_docs_are_served_locally(client, db):
    schema = client.get("/api/schema/?format=json").json()
    assert set(schema["paths"]) == {
        "/api/content-items/",
        "/api/content-items/{id}/",
        "/api/content-items/{id}/submit/",
        "/api/content-items/{id}/approve/",
        "/api/content-items/{id}/reject/",
        "/api/content-items/{id}/schedule/",
        "/api/publish-jobs/",
        "/api/publish-jobs/{id}/",
        "/api/conversions/",
    }
    approve = schema["paths"]["/api/content-items/{id}/approve/"]["post"]["responses"]
    assert set(approve) == {"200", "400", "401", "403", "404", "409"}
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    body = docs.content.decode()
    assert "swagger-ui" in body and "/api/schema/" in body
    assert "cdn" not in body.lower() and "https://" not in body  # every asset is served by the app
    assets = [a for a in body.split('"') if a.startswith("/static/") and a.endswith((".js", ".css"))]
    assert assets


def test_a_public_reply_through_the_api(as_user, brand):
    author = as_user("contributor")
    question = "https://bsky.app/profile/pat.test/post/3kabc"
    created = author(
        "post",
        "/api/content-items/",
        {
            "brand": brand.slug,
            "title": "Hours",
            "kind": "reply",
            "text": "Yes, we are open 9 to 12.",
            "reply_to": question,
            "reply_context": "Are you open Saturday?",
        },
    )
    assert created.status_code == 201
    item = created.json()
    assert (item["kind"], item["reply_to"], item["reply_context"]) == (
        "reply",
        question,
        "Are you open Saturday?",
    )
    edited = author("patch", f"/api/content-items/{item['id']}/", {"reply_context": "Open on Sunday?"})
    assert edited.status_code == 200
    assert (edited.json()["reply_context"], edited.json()["revision"], edited.json()["kind"]) == (
        "Open on Sunday?",
        2,
        "reply",
    )
    refused = author(
        "post",
        "/api/content-items/",
        {"brand": brand.slug, "title": "Hours", "kind": "reply", "text": "Yes.", "reply_context": "Open?"},
    )
    assert refused.status_code == 400 and refused.json()["field"] == "reply_to"
