"""The whole role-by-action matrix, walked through the services that enforce it.

The expected table is written out here, independently of `permissions.ALLOWED`: a change to who may
do what must change this table too.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.db import transaction

from carecast.accounts import permissions
from carecast.accounts.models import Role
from carecast.accounts.permissions import Action
from carecast.accounts.services import api_token_create, organization_update, user_create
from carecast.compliance import services as review
from carecast.content import selectors, services
from carecast.core.errors import PermissionDenied
from tests.factories import OrganizationFactory, make_user

A, S, C, LR, RR, MR, PO, CM, AN, AD = (
    "admin",
    "strategist",
    "contributor",
    "legal_reviewer",
    "regulatory_reviewer",
    "medical_reviewer",
    "privacy_officer",
    "community_manager",
    "analyst",
    "advocate",
)
EVERYONE = {A, S, C, LR, RR, MR, PO, CM, AN, AD}
EXPECTED = {
    Action.CONTENT_VIEW: EVERYONE,
    Action.CONTENT_CREATE: {A, S, C},
    Action.CONTENT_EDIT_ANY: {A, S},
    Action.CONTENT_SUBMIT: {A, S, C},
    Action.CONTENT_APPROVE: {A, LR, RR, MR, PO},
    Action.CONTENT_SCHEDULE: {A, S, C},
    Action.PUBLISH_JOB_VIEW: EVERYONE - {AD},
    Action.AUDIT_VIEW: {A, PO, LR},
    Action.AUDIT_EXPORT: {A, PO},
    Action.ORG_MANAGE: {A},
    Action.USERS_MANAGE: {A},
    Action.API_TOKEN: EVERYONE - {AD},
    Action.INBOX_REPLY: {A, S, CM},
    Action.COMMUNITY_MODERATE: {A, CM},
    Action.ANALYTICS_VIEW: {A, S, AN},
    Action.ADVOCACY_SHARE: {A, S, AD},
    Action.STORIES_MANAGE: {A, S, PO},
    Action.COMPLIANCE_OVERRIDE: {A, PO},
}


def test_the_table_covers_every_action_and_role():
    assert set(EXPECTED) == set(Action)
    assert set(Role.values) == EVERYONE


def _attempt(action, actor, ctx):
    """Do the action through its real service (or page); True if allowed, False if refused."""
    brand, other_item, submitted = ctx["brand"], ctx["other_item"], ctx["submitted"]
    calls = {
        Action.CONTENT_VIEW: lambda: list(selectors.content_items_visible(user=actor)),
        Action.CONTENT_CREATE: lambda: services.content_item_create(
            actor=actor, brand=brand, title="t", text="x"
        ),
        Action.CONTENT_EDIT_ANY: lambda: services.content_item_update(
            actor=actor, item=other_item, title="t2", text="changed"
        ),
        Action.CONTENT_SUBMIT: lambda: review.content_item_submit(
            actor=actor, item=services.content_item_create(actor=actor, brand=brand, title="t", text="x")
        ),
        Action.CONTENT_APPROVE: lambda: review.content_item_approve(actor=actor, item=submitted, revision=1),
        Action.CONTENT_SCHEDULE: lambda: services.content_item_schedule(
            actor=actor, item=ctx["approved"](actor), publish_at=None
        ),
        Action.PUBLISH_JOB_VIEW: lambda: _api_ok(ctx["client"], actor, "/api/publish-jobs/"),
        Action.AUDIT_VIEW: lambda: _page_ok(ctx["client"], actor, "/audit/"),
        Action.AUDIT_EXPORT: lambda: _page_ok(ctx["client"], actor, "/audit/export.csv"),
        Action.ORG_MANAGE: lambda: organization_update(
            actor=actor, organization=actor.organization, idle_timeout_minutes=20
        ),
        Action.USERS_MANAGE: lambda: user_create(
            actor=actor,
            organization=actor.organization,
            username=f"new-{actor.pk}",
            email=f"new-{actor.pk}@example.org",
            password=None,
            roles=["analyst"],
        ),
        Action.API_TOKEN: lambda: api_token_create(actor=actor),
        Action.COMPLIANCE_OVERRIDE: lambda: review.compliance_override(
            actor=actor, item=ctx["blocked"], reason="Our own switchboard number"
        ),
        Action.STORIES_MANAGE: lambda: review.authorization_create(
            actor=actor,
            person_name="P",
            description="D",
            channels=["brand_page"],
            media=["text"],
            signed_on=date(2026, 1, 1),
            expires_on=date(2027, 1, 1),
        ),
    }
    if action not in calls:  # inbox, community, analytics, advocacy: their services come with their issues
        return permissions.can(actor, action)
    try:
        with transaction.atomic():
            result = calls[action]()
            if result is False:
                raise PermissionDenied("refused by the page")
            transaction.set_rollback(True)  # leave nothing behind for the next role
        return True
    except PermissionDenied:
        return False


def _page_ok(client, actor, url):
    client.force_login(actor)
    return client.get(url).status_code == 200


def _api_ok(client, actor, url):
    client.force_login(actor)
    return client.get(url).status_code == 200


@pytest.fixture
def ctx(client, people, brand):
    from carecast.compliance import services as review

    owner = people["contributor"]
    other_item = services.content_item_create(actor=people["admin"], brand=brand, title="theirs", text="x")
    submitted = services.content_item_create(
        actor=people["strategist"], brand=brand, title="in review", text="x"
    )
    review.content_item_submit(actor=people["strategist"], item=submitted)

    def approved(actor):
        item = services.content_item_create(
            actor=people["strategist"], brand=brand, title="approved", text="x"
        )
        review.content_item_submit(actor=people["strategist"], item=item)
        item = review.content_item_approve(actor=people["medical_reviewer"], item=item, revision=1)
        item.author = actor  # schedule as if the actor wrote it: the role decides
        item.save(update_fields=["author"])
        return item

    blocked = services.content_item_create(
        actor=people["strategist"],
        brand=brand,
        title="blocked",
        text="Call Jane Doe on 617-555-0148 about her results",
    )
    return {
        "blocked": blocked,
        "client": client,
        "brand": brand,
        "other_item": other_item,
        "submitted": submitted,
        "approved": approved,
        "owner": owner,
    }


@pytest.mark.parametrize("action", list(Action), ids=str)
def test_each_role_may_do_exactly_what_the_table_says(action, people, ctx):
    for role, actor in people.items():
        assert _attempt(action, actor, ctx) is (role in EXPECTED[action]), f"{role} may {action}?"


def test_people_outside_the_organisation_or_inactive_can_do_nothing(people, brand):
    outsider = make_user(OrganizationFactory(), "admin", username="outsider")
    nobody = make_user(None, "admin", username="no-org")
    inactive = people["admin"]
    inactive.is_active = False
    inactive.save()
    for actor in (outsider, nobody, inactive):
        with pytest.raises(PermissionDenied):
            services.content_item_create(actor=actor, brand=brand, title="t", text="x")
        assert not permissions.can(actor, Action.CONTENT_VIEW, brand.organization)
