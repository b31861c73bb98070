"""Public pages: the organisation's published social media policy and community guidelines."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from carecast.compliance.models import PolicyDocument
from carecast.core.models import Organization


def policy_page(request: HttpRequest, org_slug: str, kind: str) -> HttpResponse:
    org = get_object_or_404(Organization, slug=org_slug)
    doc = PolicyDocument.objects.filter(organization=org, kind=kind).first()
    version = doc.published if doc else None
    if doc is None or version is None:
        raise Http404("This organisation has not published that policy.")
    history = doc.versions.exclude(published_at=None).order_by("-number")
    return render(
        request,
        "compliance/policy_page.html",
        {"organization": org, "doc": doc, "version": version, "history": history},
    )
