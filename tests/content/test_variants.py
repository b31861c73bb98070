"""A post written once, adapted for each channel: fitted, threaded, hashtags in each network's style,
links shortened and tracked per channel; editable, reviewed and published as each channel's version."""

from __future__ import annotations

import itertools
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.utils import timezone

from carecast.channels import profiles
from carecast.channels.models import ChannelAccount, PublishJob
from carecast.channels.services import publish_due_jobs, publish_target_set
from carecast.compliance import services as review
from carecast.compliance.checks import unresolved_blocks
from carecast.content import services, variants
from carecast.content.models import ContentItem, TrackedLink
from carecast.core.errors import ValidationError
from carecast.core.models import AuditEntry
from tests.channels.test_mastodon import account, server  # noqa: F401  (the recorded Mastodon server)
from tests.factories import make_due

LONG = (
    "Flu shots are free this Saturday at all Northside clinics from 9 to 3. Bring your insurance card "
    "if you have one, but nobody is turned away. Children over 6 months can get theirs too, with a "
    "parent. Pharmacists will answer questions about egg allergies on the spot. Parking is free in the "
    "east garage, and the number 12 bus stops at the door. Details: https://northside.example.org/flu "
    "#flu-season #vaccines #northside_health"
)


def _fits(text: str, network: str) -> bool:
    return not profiles.problems(text, network)


def test_a_long_post_becomes_a_numbered_thread_where_the_network_threads():
    version = variants.adapt(LONG, "x")
    parts = [version.text, *version.thread]
    assert len(parts) >= 2 and all(_fits(p, "x") for p in parts)
    assert [p.split("\n")[0].rsplit(" ", 1)[1] for p in parts] == [
        f"{i}/{len(parts)}" for i in range(1, len(parts) + 1)
    ]
    assert "Split into a thread" in version.note
    assert parts[-1].endswith("#FluSeason #Vaccines")  # X readers expect two tags, in camel case
    assert " ".join(p.rsplit(" ", 1)[0] for p in parts).startswith("Flu shots are free this Saturday")


def test_where_there_are_no_threads_it_is_shortened_at_a_sentence_and_keeps_its_link():
    version = variants.adapt(LONG * 2, "sms")
    assert _fits(version.text, "sms") and version.thread == ()
    assert version.text.endswith("https://northside.example.org/flu") and "#" not in version.text
    assert "Shortened to fit Text message" in version.note


def test_hashtags_follow_each_networks_style():
    text = "Our #flu-clinic opens Monday.\n\n#flu_season #vaccines #NorthsideHealth #PublicHealth"
    assert variants.adapt(text, "bluesky").text == (
        "Our #FluClinic opens Monday.\n\n#FluSeason #Vaccines #NorthsideHealth"
    )
    assert variants.adapt(text, "sms").text == "Our flu clinic opens Monday."  # no hashtags by text
    assert variants.adapt(text, "brand_page").text == text  # the organisation's own page: as written
    assert variants.camel_case("northside_health-news") == "NorthsideHealthNews"


@pytest.fixture
def networks(brand):
    def make(network: str) -> ChannelAccount:
        return ChannelAccount.objects.create(
            organization=brand.organization, brand=brand, network=network, name=network, secret="k"
        )

    return {n: make(n) for n in ("mastodon", "sms")}


def test_each_channel_gets_its_own_tracked_short_link_and_they_are_made_once(people, brand, networks):
    author = people["contributor"]
    item = services.content_item_create(actor=author, brand=brand, title="Flu", text=LONG)
    publish_target_set(actor=author, item=item, accounts=list(networks.values()))
    assert sorted(item.variants.values_list("network", flat=True)) == ["brand_page", "mastodon", "sms"]
    links = {link.channel: link for link in TrackedLink.objects.filter(item=item)}
    assert sorted(links) == ["mastodon", "sms"]  # the brand page keeps the address as written
    for network, link in links.items():
        short = f"{settings.SITE_URL}/l/{link.code}"
        assert short in item.variants.get(network=network).text
        query = parse_qs(urlsplit(link.destination).query)
        assert query["utm_source"] == [network] and query["utm_content"] == [f"item-{item.pk}"]
    services.content_item_update(
        actor=author, item=item, title="Flu", text=LONG.replace("Saturday", "Sunday")
    )
    assert TrackedLink.objects.filter(item=item).count() == 2  # remade versions reuse their links
    assert "Sunday" in item.variants.get(network="mastodon").text


def test_a_persons_version_is_checked_kept_and_reviewed(people, brand, networks):
    author, reviewer = people["contributor"], people["medical_reviewer"]
    item = services.content_item_create(
        actor=author,
        brand=brand,
        title="Flu",
        text="Flu shots Saturday.",
        publish_at=timezone.now() + timedelta(days=1),
    )
    publish_target_set(actor=author, item=item, accounts=[networks["mastodon"]])
    review.content_item_submit(actor=author, item=item)
    item = review.content_item_approve(actor=reviewer, item=item, revision=item.revision)
    revision = item.revision
    with pytest.raises(ValidationError, match="Mastodon takes 500 characters at most; this is 600"):
        variants.channel_variant_edit(actor=author, item=item, network="mastodon", text="x" * 600)
    item.refresh_from_db()
    assert item.revision == revision and item.approval_is_current  # nothing changed
    variants.channel_variant_edit(
        actor=author, item=item, network="mastodon", text="Flu shots on Saturday!", thread=["Walk in, 9-3."]
    )
    item.refresh_from_db()
    assert item.revision == revision + 1 and not item.approval_is_current and item.status == "draft"
    assert AuditEntry.objects.filter(action="content.variant_edit").count() == 1
    services.content_item_update(actor=author, item=item, title="Flu", text="Flu shots Sunday.")
    edited = item.variants.get(network="mastodon")
    assert (edited.text, edited.thread, edited.edited) == ("Flu shots on Saturday!", ["Walk in, 9-3."], True)
    variants.channel_variant_reset(actor=author, item=item, network="mastodon")
    assert item.variants.get(network="mastodon").text == "Flu shots Sunday."


def test_phi_written_only_in_one_channels_version_blocks_submission(people, brand, networks):
    author = people["contributor"]
    item = services.content_item_create(actor=author, brand=brand, title="Flu", text="Flu shots Saturday.")
    publish_target_set(actor=author, item=item, accounts=[networks["mastodon"]])
    assert unresolved_blocks(item) == []
    variants.channel_variant_edit(
        actor=author,
        item=item,
        network="mastodon",
        text="Flu shots Saturday. Get well, John Smith (MRN 4417823)!",
    )
    blocks = unresolved_blocks(ContentItem.objects.get(pk=item.pk))
    assert blocks and all(b.reason.startswith("In the Mastodon version:") for b in blocks)
    with pytest.raises(ValidationError, match="blocking"):
        review.content_item_submit(actor=author, item=item)


def test_contract_the_mastodon_version_goes_out_as_a_thread(people, brand, server, account):  # noqa: F811
    author, reviewer = people["contributor"], people["medical_reviewer"]
    brand.organization.phi_allow_list = "https://northside.example.org/flu"  # its own page, not PHI
    brand.organization.save()
    item = services.content_item_create(
        actor=author, brand=brand, title="Flu", text=LONG * 2, publish_at=timezone.now() + timedelta(hours=1)
    )
    publish_target_set(actor=author, item=item, accounts=[account])
    version = item.variants.get(network="mastodon")
    assert version.thread and "Split into a thread" in version.note
    review.content_item_submit(actor=author, item=item)
    review.content_item_approve(
        actor=reviewer, item=ContentItem.objects.get(pk=item.pk), revision=item.revision + 0
    )
    make_due(item)
    publish_due_jobs()
    job = PublishJob.objects.get(content_item=item, channel="mastodon")
    assert job.status == "published"
    statuses = sorted(server.statuses.values(), key=lambda s: s["id"])
    assert len(statuses) == 1 + len(version.thread)
    assert statuses[0]["content"].startswith("<p>Flu shots are free this Saturday")
    assert f"{settings.SITE_URL}/l/" in " ".join(s["content"] for s in statuses)
    assert all(s["in_reply_to_id"] == prev["id"] for prev, s in itertools.pairwise(statuses))
