"""Load the demo organisation once: a health system with two brands, one person per role, and posts
in several states. Running it again changes nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from carecast.accounts.models import Role, User
from carecast.accounts.services import brand_create, organization_create, user_create
from carecast.channels.services import publish_due_jobs
from carecast.compliance import services as review
from carecast.content import services as content
from carecast.content.models import ContentItem
from carecast.core.models import Brand, Organization

DEMO_PASSWORD = "carecast-demo-2026"  # noqa: S105  (printed for the demo; never used outside it)
ORG_SLUG = "riverside-health"


class Command(BaseCommand):
    help = "Create the demo organisation, people and posts (once)."

    def handle(self, *args: Any, **options: Any) -> None:
        org = Organization.objects.filter(slug=ORG_SLUG).first()
        if org is None:
            with transaction.atomic():
                org = self._create()
            self.stdout.write("Demo data loaded.")
        else:
            self.stdout.write("Demo data already present; nothing changed.")
        self.stdout.write(self._logins(org))

    def _create(self) -> Organization:
        org = organization_create(name="Riverside Health", slug=ORG_SLUG, time_zone="America/Chicago")
        heart = brand_create(
            actor=None,
            organization=org,
            name="Riverside Heart Institute",
            slug="riverside-heart",
            kind="facility",
            description="Heart and vascular care from Riverside Health.",
        )
        kids = brand_create(
            actor=None,
            organization=org,
            name="Riverside Children's Clinic",
            slug="riverside-kids",
            kind="facility",
            description="Care for children and families.",
        )
        people: dict[str, User] = {}
        for role in Role:
            name = role.value.replace("_", "")
            people[role.value] = user_create(
                actor=None,
                organization=org,
                username=name,
                email=f"{name}@riverside.example",
                password=DEMO_PASSWORD,
                roles=[role.value],
                first_name=role.label.split()[0],
                last_name="Demo",
            )
        author, reviewer = people[Role.CONTRIBUTOR], people[Role.MEDICAL_REVIEWER]
        now = timezone.now()
        content.content_item_create(
            actor=author,
            brand=heart,
            title="Heart month kickoff",
            text="February is American Heart Month. Know your numbers: ask about a blood pressure check "
            "at your next visit.",
        )
        in_review = content.content_item_create(
            actor=author,
            brand=kids,
            title="Flu shots for kids",
            text="Flu shots for children 6 months and older are available at the Children's Clinic. "
            "Walk-ins welcome Monday to Friday.",
            publish_at=now + timedelta(days=2),
        )
        review.content_item_submit(actor=author, item=in_review)
        for days, title, text in (
            (1, "Heart-healthy recipe", "Try our heart-healthy lentil soup this week: low salt, high fibre."),
            (4, "CPR class", "Free hands-only CPR class at the Heart Institute lobby, open to everyone."),
        ):
            item = content.content_item_create(
                actor=author, brand=heart, title=title, text=text, publish_at=now + timedelta(days=days)
            )
            review.content_item_submit(actor=author, item=item)
            review.content_item_approve(actor=reviewer, item=item, revision=item.revision)
        published = content.content_item_create(
            actor=author,
            brand=heart,
            title="Welcome",
            text="Welcome to the Riverside Heart Institute page. Follow us for heart-health tips and free "
            "community classes.",
        )
        review.content_item_submit(actor=author, item=published)
        review.content_item_approve(actor=reviewer, item=published, revision=published.revision)
        content.content_item_publish_now(actor=author, item=published)
        transaction.on_commit(publish_due_jobs)  # publish it now rather than wait for the worker
        rejected = content.content_item_create(
            actor=author,
            brand=heart,
            title="Cholesterol myths",
            text="You can stop your statin once your cholesterol is normal.",
        )
        review.content_item_submit(actor=author, item=rejected)
        review.content_item_reject(
            actor=reviewer,
            item=rejected,
            comment="This reads as individual medical advice; say 'talk to your doctor' instead.",
        )
        return org

    def _logins(self, org: Organization) -> str:
        lines = [f"Demo logins for {org.name} (password for all: {DEMO_PASSWORD}):"]
        for user in User.objects.filter(organization=org).prefetch_related("role_assignments").order_by("pk"):
            roles = ", ".join(ra.get_role_display() for ra in user.role_assignments.all())
            lines.append(f"  {user.username:<20} {roles}")
        lines.append(
            f"Items: {ContentItem.objects.filter(organization=org).count()}; public pages: "
            + ", ".join(f"/b/{b.slug}/" for b in Brand.objects.filter(organization=org))
        )
        return "\n".join(lines)
