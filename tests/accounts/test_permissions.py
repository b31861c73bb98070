"""The whole role-by-action matrix, walked through the services that enforce it.

The expected table is written out here, independently of `permissions.ALLOWED`: a change to who may
do what must change this table too. Each (role, action) is tried through the real service (or the
page or API that is the only door to it); an allowed attempt must have its effect, a refused one
must raise `PermissionDenied` (or answer 403) and leave every table exactly as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.apps import apps
from django.db import transaction
from django.test import Client
from rest_framework.authtoken.models import Token

from carecast.accounts import permissions
from carecast.accounts.models import Role, User
from carecast.accounts.permissions import Action
from carecast.accounts.services import api_token_create, organization_update, user_create
from carecast.channels.models import PublishJob
from carecast.compliance import services as review
from carecast.content import links, selectors, services
from carecast.content.models import ContentItem
from carecast.core.errors import NotFound, PermissionDenied, ValidationError
from carecast.core.models import AuditEntry, Organization
from tests.factories import OrganizationFactory, approved_item, make_user

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
# Their services come with their own issues; until then the table is checked through `can`.
NOT_BUILT_YET = {Action.INBOX_REPLY, Action.COMMUNITY_MODERATE, Action.ADVOCACY_SHARE}


def test_the_table_covers_every_action_and_role():
    assert set(EXPECTED) == set(Action)
    assert set(Role.values) == EVERYONE


# ------------------------------------------------------------------------------- the world


class World:
    """One organisation with something of everything for the actions to touch."""

    def __init__(self, org: Organization, people: dict[str, User], brand: Any, later: Any) -> None:
        self.org, self.people, self.brand, self.later = org, people, brand, later
        self.client = Client()
        # Everyone already holds an API token, so a refused attempt that dropped one would show.
        for person in people.values():
            Token.objects.create(user=person)
        self.seen = services.content_item_create(
            actor=people[S], brand=brand, title="Flu clinic hours", text="Open Saturday."
        )
        self.in_review = services.content_item_create(
            actor=people[S], brand=brand, title="In review", text="Vaccines save lives."
        )
        review.content_item_submit(actor=people[S], item=self.in_review)
        scheduled = approved_item(author=people[S], reviewer=people[MR], brand=brand)
        services.content_item_schedule(actor=people[S], item=scheduled, publish_at=later)
        self.job = PublishJob.objects.get(content_item=scheduled)
        self.blocked = services.content_item_create(
            actor=people[S],
            brand=brand,
            title="blocked",
            text="Call Jane Doe on 617-555-0148 about her results",
        )
        campaign = services.campaign_save(
            actor=people[S],
            name="Flu season",
            goal="g",
            starts_on=date(2026, 1, 1),
            ends_on=date(2026, 12, 31),
        )
        self.link = links.tracked_link_create(
            actor=people[S], destination="https://clinic.example/flu", campaign=campaign
        )

    def item_by_someone_else(self, actor: User) -> ContentItem:
        """A draft written by another author (a contributor's, or a strategist's for a contributor)."""
        author = self.people[S] if actor.pk == self.people[C].pk else self.people[C]
        return services.content_item_create(actor=author, brand=self.brand, title="theirs", text="x")

    def as_if_written_by(self, actor: User, item: ContentItem) -> ContentItem:
        """Hand an item to `actor` as its author, so only the role decides (not authorship)."""
        ContentItem.objects.filter(pk=item.pk).update(author=actor)
        return ContentItem.objects.get(pk=item.pk)

    def sign_in(self, actor: User) -> None:
        self.client.force_login(actor)  # before the attempt: signing in writes `last_login`

    def get(self, url: str) -> Any:
        """A page or API read by whoever is signed in: 200 is allowed; 401, 403 or being sent to sign
        in is refused."""
        response = self.client.get(url)
        if response.status_code in (401, 403) or (
            response.status_code == 302 and response["Location"].startswith("/accounts/login/")
        ):
            raise PermissionDenied(f"{url} answered {response.status_code}")
        assert response.status_code == 200, f"{url} answered {response.status_code}"
        return response


# Each entry prepares what the attempt needs, then returns the attempt itself: the state is
# compared between the two, so only the attempt's own writes count.
Attempt = Callable[[World, User], Callable[[], None]]


def _view(w: World, actor: User) -> Callable[[], None]:
    def act() -> None:
        assert w.seen in selectors.content_items_visible(user=actor)
        assert selectors.access_content_item(user=actor, content_item_id=w.seen.pk) == w.seen

    return act


def _create(w: World, actor: User) -> Callable[[], None]:
    def act() -> None:
        item = services.content_item_create(actor=actor, brand=w.brand, title="mine", text="New post")
        assert ContentItem.objects.get(pk=item.pk).author == actor

    return act


def _edit_any(w: World, actor: User) -> Callable[[], None]:
    item = w.item_by_someone_else(actor)

    def act() -> None:
        services.content_item_update(actor=actor, item=item, title="theirs", text="changed")
        assert ContentItem.objects.get(pk=item.pk).text == "changed"

    return act


def _submit(w: World, actor: User) -> Callable[[], None]:
    item = w.as_if_written_by(
        actor, services.content_item_create(actor=w.people[S], brand=w.brand, title="t", text="x")
    )

    def act() -> None:
        review.content_item_submit(actor=actor, item=item)
        assert ContentItem.objects.get(pk=item.pk).status == ContentItem.Status.IN_REVIEW

    return act


def _approve(w: World, actor: User) -> Callable[[], None]:
    def act() -> None:
        outcomes = []
        for step in (
            lambda: [entry for entry, _ in review.review_queue(user=actor)] == [w.in_review],
            lambda: review.content_item_approve(actor=actor, item=w.in_review, revision=1).status,
        ):
            try:
                outcomes.append(step())
            except PermissionDenied:
                outcomes.append("refused")
        if outcomes == ["refused", "refused"]:
            raise PermissionDenied("the queue and the decision were both refused")
        assert outcomes == [True, ContentItem.Status.APPROVED], outcomes  # both, or neither

    return act


def _schedule(w: World, actor: User) -> Callable[[], None]:
    item = w.as_if_written_by(actor, approved_item(author=w.people[S], reviewer=w.people[MR], brand=w.brand))

    def act() -> None:
        services.content_item_schedule(actor=actor, item=item, publish_at=w.later)
        assert ContentItem.objects.get(pk=item.pk).status == ContentItem.Status.SCHEDULED
        assert PublishJob.objects.filter(content_item=item, status="scheduled").exists()

    return act


def _publish_jobs(w: World, actor: User) -> Callable[[], None]:
    w.sign_in(actor)

    def act() -> None:
        listing = w.get("/api/publish-jobs/").json()
        assert [job["id"] for job in listing["results"]] == [w.job.pk]
        assert w.get(f"/api/publish-jobs/{w.job.pk}/").json()["id"] == w.job.pk

    return act


def _audit_view(w: World, actor: User) -> Callable[[], None]:
    w.sign_in(actor)

    def act() -> None:
        page = w.get("/audit/").content.decode()
        assert "content.create" in page and "Flu clinic hours" in page

    return act


def _audit_export(w: World, actor: User) -> Callable[[], None]:
    w.sign_in(actor)

    def act() -> None:
        response = w.get("/audit/export.csv")
        body = b"".join(response.streaming_content).decode()
        assert response["Content-Type"].startswith("text/csv")
        assert body.startswith("id,time_utc,actor,action") and "Flu clinic hours" in body
        assert AuditEntry.objects.filter(action="audit.export", actor=actor).exists()

    return act


def _org_manage(w: World, actor: User) -> Callable[[], None]:
    def act() -> None:
        organization_update(actor=actor, organization=w.org, idle_timeout_minutes=20)
        assert Organization.objects.get(pk=w.org.pk).idle_timeout_minutes == 20

    return act


def _users_manage(w: World, actor: User) -> Callable[[], None]:
    def act() -> None:
        user = user_create(
            actor=actor,
            organization=w.org,
            username="new-analyst",
            email="new-analyst@example.org",
            password=None,
            roles=["analyst"],
        )
        assert User.objects.get(pk=user.pk).roles == {"analyst"}

    return act


def _api_token(w: World, actor: User) -> Callable[[], None]:
    def act() -> None:
        old = Token.objects.filter(user=actor).values_list("key", flat=True).first()
        token = api_token_create(actor=actor)
        assert Token.objects.get(user=actor).key == token.key != old  # replaced: the old one is dead

    return act


def _analytics(w: World, actor: User) -> Callable[[], None]:
    def act() -> None:
        conversion = links.conversion_record(
            actor=actor, code=w.link.code, kind="sign_up", occurred_on=date(2026, 11, 1)
        )
        assert conversion.link == w.link

    return act


def _stories(w: World, actor: User) -> Callable[[], None]:
    def act() -> None:
        authorization = review.authorization_create(
            actor=actor,
            person_name="P",
            description="D",
            channels=["brand_page"],
            media=["text"],
            signed_on=date(2026, 1, 1),
            expires_on=date(2027, 1, 1),
        )
        assert authorization.organization == w.org

    return act


def _override(w: World, actor: User) -> Callable[[], None]:
    def act() -> None:
        override = review.compliance_override(actor=actor, item=w.blocked, reason="Our own switchboard")
        assert override.actor == actor

    return act


ATTEMPTS: dict[Action, Attempt] = {
    Action.CONTENT_VIEW: _view,
    Action.CONTENT_CREATE: _create,
    Action.CONTENT_EDIT_ANY: _edit_any,
    Action.CONTENT_SUBMIT: _submit,
    Action.CONTENT_APPROVE: _approve,
    Action.CONTENT_SCHEDULE: _schedule,
    Action.PUBLISH_JOB_VIEW: _publish_jobs,
    Action.AUDIT_VIEW: _audit_view,
    Action.AUDIT_EXPORT: _audit_export,
    Action.ORG_MANAGE: _org_manage,
    Action.USERS_MANAGE: _users_manage,
    Action.API_TOKEN: _api_token,
    Action.ANALYTICS_VIEW: _analytics,
    Action.STORIES_MANAGE: _stories,
    Action.COMPLIANCE_OVERRIDE: _override,
}


def test_every_action_is_tried_through_a_service_or_waits_for_one():
    assert set(ATTEMPTS) | NOT_BUILT_YET == set(Action)
    assert not set(ATTEMPTS) & NOT_BUILT_YET


def _state() -> dict[str, list[str]]:
    """Every row of every carecast table (and API tokens): what a refused attempt must not change."""
    models = [m for m in apps.get_models() if m.__module__.startswith("carecast.")] + [Token]
    return {m._meta.label: sorted(map(repr, m._default_manager.values_list())) for m in models}


def attempt(action: Action, actor: User, world: World) -> bool:
    """True if `actor` did `action`, False if refused (having changed nothing). Always rolled back."""
    if action in NOT_BUILT_YET:
        return permissions.can(actor, action)
    with transaction.atomic():
        act = ATTEMPTS[action](world, actor)
        before = _state()
        try:
            act()
        except PermissionDenied:
            assert _state() == before, f"a refused {action} changed something"
            allowed = False
        else:
            allowed = True
        transaction.set_rollback(True)  # leave nothing behind for the next attempt
    return allowed


@pytest.fixture
def world(org, people, brand, later):
    return World(org, people, brand, later)


@pytest.mark.parametrize("action", list(Action), ids=str)
def test_each_role_may_do_exactly_what_the_table_says(action, people, world):
    results = {role: attempt(action, actor, world) for role, actor in people.items()}
    assert results == {role: role in EXPECTED[action] for role in people}
    for role, actor in people.items():  # the table the pages use to show or hide things agrees
        assert permissions.can(actor, action) is (role in EXPECTED[action]), f"{role} {action}"


def test_a_person_with_several_roles_may_do_what_any_of_them_allows(org, world):
    both = make_user(org, "contributor", "analyst", username="two-hats")
    allowed = {action for action in Action if attempt(action, both, world)}
    assert allowed == {a for a, roles in EXPECTED.items() if roles & {"contributor", "analyst"}}


@pytest.fixture
def powerless(org):
    """Every role at once, but inactive; or with no organisation."""
    inactive = make_user(org, *Role.values, username="left-the-job")
    inactive.is_active = False
    inactive.save()
    return {"inactive": inactive, "no organisation": make_user(None, *Role.values, username="no-org")}


@pytest.mark.parametrize("who", ["inactive", "no organisation"])
def test_an_inactive_person_or_one_without_an_organisation_can_do_nothing(who, powerless, world, org):
    actor = powerless[who]
    for action in Action:
        assert attempt(action, actor, world) is False, action
        assert not permissions.can(actor, action)
        assert not permissions.can(actor, action, org)


def test_a_person_of_another_organisation_is_refused(org, world):
    other_org = OrganizationFactory()
    outsider = make_user(other_org, *Role.values, username="outsider")  # every role, elsewhere
    for action in Action:
        assert not permissions.can(outsider, action, org), action
    # Writes aimed at this organisation's things are refused and change nothing.
    for action in (
        Action.CONTENT_CREATE,
        Action.CONTENT_EDIT_ANY,
        Action.CONTENT_SUBMIT,
        Action.CONTENT_APPROVE,
        Action.CONTENT_SCHEDULE,
        Action.ORG_MANAGE,
        Action.USERS_MANAGE,
        Action.COMPLIANCE_OVERRIDE,
    ):
        if action is Action.CONTENT_APPROVE:  # the queue is their own; the decision is refused
            with pytest.raises(PermissionDenied):
                review.content_item_approve(actor=outsider, item=world.in_review, revision=1)
            continue
        assert attempt(action, outsider, world) is False, action
    # Reads show only their own organisation: this one's things are "not found".
    world.sign_in(outsider)
    assert world.seen not in selectors.content_items_visible(user=outsider)
    with pytest.raises(NotFound):
        selectors.access_content_item(user=outsider, content_item_id=world.seen.pk)
    assert review.review_queue(user=outsider) == []
    assert world.get("/api/publish-jobs/").json()["count"] == 0
    assert world.client.get(f"/api/publish-jobs/{world.job.pk}/").status_code == 404
    assert "Flu clinic hours" not in world.get("/audit/").content.decode()
    export = world.get("/audit/export.csv")
    assert "Flu clinic hours" not in b"".join(export.streaming_content).decode()
    with pytest.raises(ValidationError):
        links.conversion_record(
            actor=outsider, code=world.link.code, kind="sign_up", occurred_on=date.today()
        )
