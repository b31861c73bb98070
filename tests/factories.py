from __future__ import annotations

import functools
from typing import Any

import factory
from django.contrib.auth.hashers import make_password

from carecast.accounts.models import RoleAssignment, User
from carecast.core.models import Brand, Organization

PASSWORD = "correct horse battery staple"


@functools.cache
def _password_hash() -> str:
    """Argon2 is slow on purpose; hash the shared test password once per run."""
    return make_password(PASSWORD)


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Health System {n}")
    slug = factory.Sequence(lambda n: f"health-system-{n}")
    time_zone = "America/Chicago"


class BrandFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Brand

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Clinic {n}")
    slug = factory.Sequence(lambda n: f"clinic-{n}")


def make_user(org: Organization | None, *roles: str, username: str | None = None) -> User:
    name = username or f"{'-'.join(roles) or 'user'}-{org.slug if org else 'none'}"
    user = User.objects.create(
        username=name, email=f"{name}@example.org", password=_password_hash(), organization=org
    )
    RoleAssignment.objects.bulk_create([RoleAssignment(user=user, role=r) for r in roles])
    return User.objects.get(pk=user.pk)


def approved_item(
    *,
    author: User,
    reviewer: User,
    brand: Brand,
    publish_at: Any = None,
    text: str = "Flu shots",
    image: Any = None,
    alt_text: str = "",
) -> Any:
    from carecast.compliance import services as review
    from carecast.content import services

    item = services.content_item_create(
        actor=author,
        brand=brand,
        title="Post",
        text=text,
        publish_at=publish_at,
        image=image,
        alt_text=alt_text,
    )
    review.content_item_submit(actor=author, item=item)
    return review.content_item_approve(actor=reviewer, item=item, revision=item.revision)


def make_due(item: Any, *, ago: Any = None) -> None:
    """Move an item and its jobs to a moment just past (as if its publish time had come)."""
    from datetime import timedelta

    from django.utils import timezone

    from carecast.channels.models import PublishJob
    from carecast.content.models import ContentItem

    moment = timezone.now() - (ago or timedelta(seconds=1))
    PublishJob.objects.filter(content_item=item, status="scheduled").update(
        scheduled_for=moment, round_at=moment
    )
    ContentItem.objects.filter(pk=item.pk).update(publish_at=moment)


def due_item_on(account: Any, *, author: User, reviewer: User, brand: Brand, text: str, **kw: Any) -> Any:
    """An approved item going to `account` (besides the brand page), whose time has just come."""
    from datetime import timedelta

    from django.utils import timezone

    from carecast.channels.services import publish_target_set

    item = approved_item(
        author=author,
        reviewer=reviewer,
        brand=brand,
        publish_at=timezone.now() + timedelta(hours=1),
        text=text,
        **kw,
    )
    publish_target_set(actor=author, item=item, accounts=[account])
    make_due(item)
    return item


def due_job(
    people: dict[str, User],
    brand: Brand,
    account: Any,
    text: str = "Flu clinic open Saturday 9 to 12.",
    **kw: Any,
) -> Any:
    """The publish job of an approved post going to `account`, whose time has just come."""
    from carecast.channels.models import PublishJob

    item = due_item_on(
        account,
        author=people["contributor"],
        reviewer=people["medical_reviewer"],
        brand=brand,
        text=text,
        **kw,
    )
    return PublishJob.objects.get(content_item=item, channel=account.network)
