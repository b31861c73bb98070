"""The REST API: token authentication, the loop, clear errors, and every answer checked against the schema."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from openapi_core import OpenAPI
from openapi_core.contrib.django import DjangoOpenAPIRequest, DjangoOpenAPIResponse
from rest_framework.test import APIClient

from carecast.accounts.services import api_token_create

JSON = "application/json"


@pytest.fixture
def openapi(client, db):
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    return OpenAPI.from_dict(response.json())


class Checked:
    """An API client whose every answer must match the published OpenAPI schema."""

    def __init__(self, user, openapi):
        self.client = APIClient()
        self.client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_create(actor=user).key}")
        self.openapi = openapi
        self.checked = 0

    def __call__(self, method, path, data=None):
        response = (
            getattr(self.client, method)(path, data, format="json")
            if data is not None
            else getattr(self.client, method)(path)
        )
        self.openapi.validate_response(
            DjangoOpenAPIRequest(response.wsgi_request), DjangoOpenAPIResponse(response)
        )
        self.checked += 1
        return response


@pytest.fixture
def as_user(people, openapi):
    return lambda role: Checked(people[role], openapi)


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
    when = (timezone.now() + timedelta(days=2)).astimezone(brand.organization.tz)
    local = when.strftime("%Y-%m-%d %H:%M")
    scheduled = author("post", f"/api/content-items/{item['id']}/schedule/", {"publish_at": local})
    assert scheduled.json()["status"] == "scheduled"
    assert scheduled.json()["publish_at_local"].startswith(when.strftime("%Y-%m-%dT%H:%M"))
    moved = author(
        "post",
        f"/api/content-items/{item['id']}/schedule/",
        {"publish_at": (when + timedelta(hours=1)).isoformat()},
    )
    assert moved.status_code == 200
    jobs = author("get", "/api/publish-jobs/").json()
    assert jobs["count"] == 1 and jobs["results"][0]["status"] == "scheduled"
    job = author("get", f"/api/publish-jobs/{jobs['results'][0]['id']}/").json()
    assert job["content_item"] == item["id"]
    listing = author("get", "/api/content-items/").json()
    assert [i["id"] for i in listing["results"]] == [item["id"]]


def test_errors_are_clear_json_with_the_right_status(as_user, brand):
    author, reviewer = as_user("contributor"), as_user("medical_reviewer")
    item = author("post", "/api/content-items/", {"brand": brand.slug, "title": "t", "text": "x"}).json()
    own = author("post", f"/api/content-items/{item['id']}/approve/", {"revision": 1})
    assert own.status_code == 403
    not_in_review = reviewer("post", f"/api/content-items/{item['id']}/approve/", {"revision": 1})
    assert not_in_review.status_code == 409 and "not waiting for review" in not_in_review.json()["detail"]
    author("post", f"/api/content-items/{item['id']}/submit/")
    stale = reviewer("post", f"/api/content-items/{item['id']}/approve/", {"revision": 7})
    assert stale.status_code == 409 and "changed after you opened it" in stale.json()["detail"]
    gap = author(
        "post",
        "/api/content-items/",
        {"brand": brand.slug, "title": "t", "text": "x", "publish_at": "2027-03-14 02:30"},
    )
    assert gap.status_code == 400 and "does not exist in America/Chicago" in gap.json()["detail"]
    assert gap.json()["field"] == "publish_at"
    past = author(
        "post",
        "/api/content-items/",
        {"brand": brand.slug, "title": "t", "text": "x", "publish_at": "2020-01-01T10:00:00+00:00"},
    )
    assert past.status_code == 400 and "past" in past.json()["detail"]
    bad = author(
        "post",
        "/api/content-items/",
        {"brand": brand.slug, "title": "t", "text": "x", "publish_at": "next tuesday"},
    )
    assert bad.status_code == 400 and "not a date and time" in bad.json()["detail"]
    unknown = author("post", "/api/content-items/", {"brand": "nope", "title": "t", "text": "x"})
    assert unknown.status_code == 400 and unknown.json()["field"] == "brand"
    missing = author("post", "/api/content-items/", {"brand": brand.slug})
    assert missing.status_code == 400 and "title" in missing.json()
    assert author("get", "/api/content-items/999999/").status_code == 404


def test_without_a_token_nothing_is_served(client, db):
    response = client.get("/api/content-items/")
    assert response.status_code == 401
    bogus = APIClient()
    bogus.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert bogus.get("/api/content-items/").status_code == 401


def test_schema_and_docs_are_served_locally(client, db):
    schema = client.get("/api/schema/?format=json").json()
    assert {"/api/content-items/", "/api/publish-jobs/", "/api/conversions/"} <= set(schema["paths"])
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content and b"cdn" not in docs.content.lower()
