"""The review journey in a real browser by four people: an author and three signing reviewers."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from carecast.compliance import services as review
from carecast.compliance.services import StepSpec
from carecast.content import services
from carecast.core.models import AuditEntry
from tests.conftest import check_accessibility
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def signed_in(browser, base, username):
    page = browser.new_context(bypass_csp=True).new_page()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Good to see you")
    return page


def test_medical_legal_regulatory_review_with_signatures(browser, live_server, people, brand):
    review.workflow_save(
        actor=people["admin"],
        name="MLR",
        content_kind="post",
        steps=[
            StepSpec(name="Medical", reviewer_role="medical_reviewer"),
            StepSpec(name="Legal", reviewer_role="legal_reviewer"),
            StepSpec(name="Regulatory", reviewer_role="regulatory_reviewer"),
        ],
    )
    item = services.content_item_create(
        actor=people["contributor"],
        brand=brand,
        title="Statin facts",
        text="Ask your doctor whether a statin is right for you. General information, not medical advice.",
    )
    author = signed_in(browser, live_server.url, people["contributor"].username)
    author.goto(f"{live_server.url}/content/{item.pk}/")
    author.get_by_role("button", name="Submit for review").click()
    expect(author.get_by_text("Submitted for review.")).to_be_visible()

    for role, step in (
        ("medical_reviewer", "Medical"),
        ("legal_reviewer", "Legal"),
        ("regulatory_reviewer", "Regulatory"),
    ):
        page = signed_in(browser, live_server.url, people[role].username)
        page.get_by_role("link", name="Reviews").click()
        expect(page.get_by_role("cell", name=f"{step} (signed)")).to_be_visible()
        page.get_by_role("link", name="Statin facts").click()
        check_accessibility(page)
        page.get_by_label("Approve").check()
        page.get_by_label("Reason for your signature").fill(f"{step} review complete")
        page.get_by_role("button", name="Send decision").click()
        expect(page.get_by_role("status")).to_contain_text("not right")  # a reason alone does not sign
        page.get_by_label("Approve").check()
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_label("Reason for your signature").fill(f"{step} review complete")
        page.get_by_role("button", name="Send decision").click()
        expect(page.get_by_text("Approved.")).to_be_visible()
        page.context.close()

    author.reload()
    expect(author.locator(".badge").first).to_have_text("Approved, not scheduled")
    expect(author.get_by_text("Regulatory — Approved")).to_be_visible()
    reasons = list(
        AuditEntry.objects.filter(action="review.step_approve")
        .order_by("pk")
        .values_list("reason", flat=True)
    )
    assert reasons == ["Medical review complete", "Legal review complete", "Regulatory review complete"]
    assert AuditEntry.objects.filter(action="review.signature_failed").count() == 3
