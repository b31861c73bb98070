from __future__ import annotations

import http.server
import socket
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from carecast.content import planning, services
from carecast.content.models import BlogSuggestion, ContentItem
from carecast.core.errors import InvalidTransition, PermissionDenied, ValidationError

FEED = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Riverside blog</title><id>urn:riverside</id>
<updated>2026-11-20T10:00:00Z</updated>
<entry><title>5 ways to keep your heart healthy</title><id>urn:post:1</id>
<link href="https://riverside.example/blog/heart"/><updated>2026-11-20T10:00:00Z</updated>
<summary type="html">&lt;p&gt;Walk &lt;b&gt;every&lt;/b&gt; day.&lt;/p&gt;</summary></entry>
<entry><title>Flu shots for kids</title><id>urn:post:2</id>
<link href="https://riverside.example/blog/flu"/><updated>2026-11-18T10:00:00Z</updated></entry>
</feed>"""


@pytest.fixture
def blog_server():
    """The organisation's blog feed, served over real HTTP on a free loopback port."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = FEED.encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/atom+xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = http.server.HTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}/feed.atom"
    finally:
        server.shutdown()
        server.server_close()


def test_blog_posts_become_suggestions_once(org, people, brand, blog_server):
    org.blog_feed_url = blog_server
    org.save()
    assert planning.blog_import(organization=org) == 2
    assert planning.blog_import(organization=org) == 0  # no duplicates
    heart = BlogSuggestion.objects.get(guid="urn:post:1")
    assert heart.summary == "Walk every day." and heart.published_at.year == 2026
    item = planning.suggestion_draft(actor=people["contributor"], suggestion=heart, brand=brand)
    assert item.text == "5 ways to keep your heart healthy\n\nhttps://riverside.example/blog/heart"
    assert item.status == "draft"
    with pytest.raises(InvalidTransition):
        planning.suggestion_draft(actor=people["contributor"], suggestion=heart, brand=brand)


def test_a_broken_feed_gets_a_clear_error(org):
    with pytest.raises(Exception, match="could not be read"):
        planning.blog_import(organization=org, source="this is not a feed <<<")


@time_machine.travel(datetime(2026, 11, 18, 18, 0, tzinfo=UTC), tick=False)  # a Wednesday, noon in Chicago
def test_cadence_gaps_show_on_the_calendar_and_in_the_monday_digest(client, org, people, brand, smtp_server):
    planning.cadence_target_set(actor=people["strategist"], brand=brand, posts_per_week=3)
    with pytest.raises(PermissionDenied):
        planning.cadence_target_set(actor=people["contributor"], brand=brand, posts_per_week=1)
    services.content_item_create(
        actor=people["contributor"],
        brand=brand,
        title="One",
        text="t",
        publish_at=timezone.now() + timedelta(days=1),
    )
    gaps = planning.cadence_gaps(organization=org, week_start=date(2026, 11, 16))
    assert [(g.planned, g.target) for g in gaps] == [(1, 3)]
    client.force_login(people["strategist"])
    assert "1 of 3 posts planned this week" in client.get("/calendar/").content.decode()
    assert planning.cadence_digest_send() == 1
    mail = smtp_server.messages[0]
    assert sorted(mail.rcpt_tos) == sorted([people["strategist"].email, people["admin"].email])
    assert "1 of 3 posts planned" in mail.content.decode()


def test_calendar_month_view_and_filters(client, org, people, brand):
    from tests.factories import BrandFactory

    other = BrandFactory(organization=org, name="Kids Clinic", slug="kids-clinic")
    soon = timezone.now() + timedelta(hours=2)
    services.content_item_create(
        actor=people["contributor"], brand=brand, title="Heart post", text="t", publish_at=soon
    )
    services.content_item_create(
        actor=people["contributor"], brand=other, title="Kids post", text="t", publish_at=soon
    )
    client.force_login(people["strategist"])
    month = client.get("/calendar/", {"view": "month"}).content.decode()
    assert "Heart post" in month and "Kids post" in month
    assert timezone.now().astimezone(org.tz).strftime("%B %Y") in month
    only_kids = client.get("/calendar/", {"view": "week", "brand": other.pk}).content.decode()
    assert "Kids post" in only_kids and "Heart post" not in only_kids
    assert ContentItem.objects.count() == 2


@time_machine.travel(datetime(2026, 11, 18, 18, 0, tzinfo=UTC), tick=False)  # a Wednesday, noon in Chicago
def test_a_target_per_network_counts_only_posts_going_there(client, org, people, brand):
    from carecast.channels.models import ChannelAccount
    from carecast.channels.services import publish_target_set

    bluesky = ChannelAccount.objects.create(
        organization=org, brand=brand, network="bluesky", name="Clinic on Bluesky", secret="k"
    )
    planning.cadence_target_set(actor=people["strategist"], brand=brand, posts_per_week=3, network="facebook")
    planning.cadence_target_set(actor=people["strategist"], brand=brand, posts_per_week=2, network="bluesky")
    planning.cadence_target_set(actor=people["strategist"], brand=brand, posts_per_week=1)
    with pytest.raises(ValidationError, match="listed networks"):
        planning.cadence_target_set(
            actor=people["strategist"], brand=brand, posts_per_week=1, network="myspace"
        )
    when = timezone.now() + timedelta(days=1)
    both = [
        services.content_item_create(
            actor=people["contributor"], brand=brand, title=f"Post {n}", text="t", publish_at=when
        )
        for n in range(2)
    ]
    publish_target_set(actor=people["contributor"], item=both[0], accounts=[bluesky])
    gaps = planning.cadence_gaps(organization=org, week_start=date(2026, 11, 16))
    assert [(g.network, g.planned, g.target) for g in gaps] == [("bluesky", 1, 2), ("facebook", 0, 3)]
    assert gaps[1].message.startswith(f"{brand.name} on Facebook Page: 0 of 3 posts")
    client.force_login(people["strategist"])
    page = client.get("/calendar/").content.decode()
    assert "on Bluesky: 1 of 2 posts planned" in page and "on Facebook Page: 0 of 3" in page
    only_bluesky = client.get("/calendar/", {"channel": "bluesky"}).content.decode()
    assert "Post 0" in only_bluesky and "Post 1" not in only_bluesky
    planning.cadence_target_set(actor=people["strategist"], brand=brand, posts_per_week=0, network="facebook")
    assert [g.network for g in planning.cadence_gaps(organization=org, week_start=date(2026, 11, 16))] == [
        "bluesky"
    ]
