from __future__ import annotations

import io

from django.core.management import call_command

from carecast.accounts.models import Role, User
from carecast.channels.models import BrandPagePost
from carecast.content.models import ContentItem
from carecast.core.models import Brand, Organization


def test_demo_data_loads_once_with_every_role_and_several_states(db, django_capture_on_commit_callbacks):
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("demo_data", stdout=out)
    org = Organization.objects.get(slug="riverside-health")
    assert Brand.objects.filter(organization=org).count() == 2
    roles = {ra for u in User.objects.filter(organization=org) for ra in u.roles}
    assert roles == set(Role.values)
    states = set(ContentItem.objects.filter(organization=org).values_list("status", flat=True))
    assert {"draft", "in_review", "scheduled", "published", "rejected"} <= states
    assert BrandPagePost.objects.filter(organization=org).count() == 1
    assert "password for all" in out.getvalue() and "medicalreviewer" in out.getvalue()

    counts = (User.objects.count(), ContentItem.objects.count(), BrandPagePost.objects.count())
    call_command("demo_data", stdout=io.StringIO())
    assert (User.objects.count(), ContentItem.objects.count(), BrandPagePost.objects.count()) == counts
