from __future__ import annotations

import io
from datetime import date, timedelta

import icalendar
import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token

from carecast.accounts.services import api_token_create
from carecast.content import exchange, links, services
from carecast.content.models import Campaign, ContentImport, ContentItem, Conversion, TrackedLink
from carecast.core.errors import PermissionDenied, ValidationError
from carecast.core.models import AuditEntry


@pytest.fixture
def campaign(people):
    return services.campaign_save(
        actor=people["strategist"],
        name="Flu Season 2026",
        goal="300 flu-shot bookings",
        starts_on=date(2026, 10, 1),
        ends_on=date(2026, 12, 31),
        channels=["brand_page", "bluesky"],
        target_segments=["Parents"],
        key_figures=["appointment requests"],
    )


def test_campaigns_are_planned_by_strategists_with_sane_dates(people, campaign):
    assert campaign.channels == ["brand_page", "bluesky"]
    with pytest.raises(ValidationError, match="ends before it starts"):
        services.campaign_save(
            actor=people["strategist"],
            name="x",
            goal="y",
            starts_on=date(2026, 5, 2),
            ends_on=date(2026, 5, 1),
        )
    with pytest.raises(PermissionDenied):
        services.campaign_save(
            actor=people["contributor"],
            name="x",
            goal="y",
            starts_on=date(2026, 5, 1),
            ends_on=date(2026, 5, 2),
        )


def test_short_links_add_utm_count_people_not_bots_and_redirect(client, people, campaign):
    link = links.tracked_link_create(
        actor=people["strategist"],
        destination="https://riverside.example/flu?x=1",
        channel="bluesky",
        campaign=campaign,
    )
    assert link.destination == (
        "https://riverside.example/flu?x=1&utm_source=bluesky&utm_medium=social&utm_campaign=flu-season-2026"
    )
    browser = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Safari/604.1"
    response = client.get(f"/l/{link.code}", HTTP_USER_AGENT=browser)
    assert response.status_code == 302 and response["Location"] == link.destination
    assert "Set-Cookie" not in response
    client.get(f"/l/{link.code}", HTTP_USER_AGENT="facebookexternalhit/1.1")
    client.get(f"/l/{link.code}", HTTP_USER_AGENT="Twitterbot/1.0")
    client.get(f"/l/{link.code}")
    link.refresh_from_db()
    assert (link.clicks, link.bot_clicks) == (1, 3)
    assert client.get("/l/nope123").status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "https://x.example/?email=jane.doe@mail.com",
        "https://x.example/call/312-555-0147",
        "https://x.example/p?mrn=MRN%2000123456&dob=03/04/1950",
        "ftp://x.example/a",
        "x",
    ],
)
def test_links_never_carry_personal_details(people, url):
    with pytest.raises(ValidationError):
        links.tracked_link_create(actor=people["strategist"], destination=url)
    assert not TrackedLink.objects.exists()


def test_the_destination_site_reports_conversions_server_to_server(client, people, campaign):
    link = links.tracked_link_create(
        actor=people["strategist"], destination="https://riverside.example/book", campaign=campaign
    )
    token = api_token_create(actor=people["analyst"])
    auth = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    body = {
        "code": link.code,
        "kind": "appointment_request",
        "occurred_on": "2026-11-20",
        "count": 4,
        "external_id": "evt-991",
    }
    assert client.post("/api/conversions/", body, content_type="application/json", **auth).status_code == 201
    repeat = client.post("/api/conversions/", body, content_type="application/json", **auth)
    assert repeat.status_code == 400 and "already recorded" in repeat.json()["detail"]
    bad = client.post(
        "/api/conversions/", body | {"kind": "patient_name"}, content_type="application/json", **auth
    )
    assert bad.status_code == 400
    assert Conversion.objects.get().count == 4
    assert client.post("/api/conversions/", body, content_type="application/json").status_code in (401, 403)
    other = Token.objects.create(user=people["contributor"])  # a role without analytics
    refused = client.post(
        "/api/conversions/",
        body | {"external_id": "evt-2"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {other.key}",
    )
    assert refused.status_code == 403


def test_ical_feed_lists_scheduled_items_and_a_reset_revokes_the_link(client, people, brand, later):
    item = services.content_item_create(
        actor=people["contributor"], brand=brand, title="Flu clinic", text="Walk in.", publish_at=later
    )
    services.content_item_create(actor=people["contributor"], brand=brand, title="Unscheduled", text="t")
    token = exchange.calendar_feed_token(user=people["strategist"])
    response = client.get(f"/ical/{token}.ics")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    cal = icalendar.Calendar.from_ical(response.content)
    events = [c for c in cal.walk("VEVENT")]
    assert [str(e["summary"]) for e in events] == ["Flu clinic (Draft)"]
    assert events[0].decoded("dtstart") == later.replace(microsecond=0)
    assert str(events[0]["uid"]) == f"content-{item.pk}@carecast"
    new = exchange.calendar_feed_token(user=people["strategist"], reset=True)
    assert new != token
    assert client.get(f"/ical/{token}.ics").status_code == 404
    assert client.get(f"/ical/{new}.ics").status_code == 200


def test_csv_round_trip_imports_only_good_rows_after_confirmation(client, people, brand):
    client.force_login(people["strategist"])
    later = (timezone.now() + timedelta(days=3)).astimezone(brand.organization.tz).strftime("%Y-%m-%d %H:%M")
    data = (
        "title,brand,text,publish_at_local\n"
        f"Flu clinic,{brand.slug},Walk-ins welcome.,{later}\n"
        f"No brand,nowhere,Text,\n"
        f",{brand.slug},Missing title,\n"
        f"DST gap,{brand.slug},Text,2027-03-14 02:30\n"
        f'Later,{brand.slug},"Text, with a comma",\n'
    )
    upload = io.BytesIO(data.encode())
    upload.name = "plan.csv"
    preview = client.post("/content/import/", {"file": upload})
    assert preview.status_code == 200
    page = preview.content.decode()
    assert "Line 3: unknown brand &#x27;nowhere&#x27;" in page
    assert "Line 4: no title" in page
    assert "Line 5:" in page and "does not exist" in page
    assert not ContentItem.objects.exists()  # nothing saved before confirmation
    done = client.post("/content/import/", {"confirm": "1"})
    run = ContentImport.objects.get()
    exchange.content_import_run(import_id=run.pk)  # what the worker does with the queued import
    assert done.status_code == 302 and done["Location"] == f"/content/import/{run.pk}/"
    assert sorted(ContentItem.objects.values_list("title", flat=True)) == ["Flu clinic", "Later"]
    assert "2 drafts created." in client.get(done["Location"]).content.decode()
    exported = client.get("/content/export.csv").content.decode()
    assert exported.splitlines()[0] == ",".join(exchange.CSV_COLUMNS)
    assert '"Text, with a comma"' in exported and f"{later}" in exported
    again = io.BytesIO(exported.encode())
    again.name = "export.csv"
    preview = exchange.content_csv_preview(user=people["strategist"], data=exported)
    assert len(preview.rows) == 2


def test_campaign_pages(client, people, campaign):
    client.force_login(people["strategist"])
    assert b"Flu Season 2026" in client.get("/campaigns/").content
    response = client.post(
        f"/campaigns/{campaign.pk}/", {"destination": "https://riverside.example/flu", "channel": "email"}
    )
    assert response.status_code == 302
    assert TrackedLink.objects.get().campaign == campaign
    assert Campaign.objects.count() == 1


def test_a_long_import_reports_its_progress_and_fails_whole(client, people, brand, monkeypatch):
    from huey.contrib.djhuey import HUEY

    client.force_login(people["strategist"])
    data = "title,brand,text\n" + "".join(f"Post {n},{brand.slug},Flu clinic {n}.\n" for n in range(120))
    run = exchange.content_import_start(user=people["strategist"], data=data)  # queued, not yet run
    page = client.get(f"/content/import/{run.pk}/").content.decode()
    assert (
        "Waiting to start: 120 drafts" in page
        and '<progress id="import-progress" max="120" value="0">' in page
    )
    real, seen = exchange.content_item_create, []

    def flaky(**kwargs):
        seen.append(exchange.import_progress(ContentImport.objects.get(pk=run.pk)))
        if len(seen) == 61:  # what a person polling the page sees while the import runs
            fragment = client.get(f"/content/import/{run.pk}/?fragment=1").content.decode()
            assert "Importing 50 of 120 drafts" in fragment and "<html" not in fragment
        if len(seen) == 101:
            raise RuntimeError("disk full")
        return real(**kwargs)

    monkeypatch.setattr(exchange, "content_item_create", flaky)
    run = exchange.content_import_run(import_id=run.pk)
    assert run.status == "failed" and "nothing was imported" in run.message
    assert not ContentItem.objects.exists()  # all or none
    assert seen[50] == 50 and seen[100] == 100  # counted outside the open transaction
    assert AuditEntry.objects.filter(action="content.import_fail").count() == 1
    assert "Failed: nothing was imported" in client.get(f"/content/import/{run.pk}/").content.decode()
    assert HUEY.get(f"carecast-content-import-{run.pk}", peek=True) is None  # the count is forgotten

    monkeypatch.setattr(exchange, "content_item_create", real)
    again = exchange.content_import_run(
        import_id=exchange.content_import_start(user=people["strategist"], data=data).pk
    )
    assert (again.status, again.created, again.data) == ("done", 120, "")
    assert ContentItem.objects.count() == 120


def test_an_import_whose_worker_died_says_it_failed(client, people, brand):
    data = f"title,brand,text\nA,{brand.slug},Flu clinic.\n"
    run = exchange.content_import_start(user=people["strategist"], data=data)
    ContentImport.objects.filter(pk=run.pk).update(
        status="running", updated_at=timezone.now() - timedelta(minutes=16)
    )  # as a worker killed mid-import leaves it (its transaction rolled back)
    assert exchange.content_imports_settle_stalled() == 1
    assert exchange.content_imports_settle_stalled() == 0
    run.refresh_from_db()
    assert run.status == "failed" and run.data == "" and "Upload the file again" in run.message
    assert exchange.content_import_run(import_id=run.pk).status == "failed"  # a late task does nothing
    assert not ContentItem.objects.exists()
