from __future__ import annotations

import pytest

from carecast.channels import profiles
from carecast.channels.profiles import PROFILES, length


def test_x_counts_links_as_23_and_wide_characters_as_2():
    x = PROFILES["x"]
    assert (
        length("Flu shots today https://riverside.example/a/very/long/path/to/the/flu/clinic/page", x)
        == 16 + 23
    )
    assert length("Get well 💙", x) == 9 + 2
    assert length("東京", x) == 4


def test_bluesky_counts_graphemes():
    bluesky = PROFILES["bluesky"]
    assert length("👩‍⚕️ nurse", bluesky) == 7  # a woman health worker emoji is one grapheme
    assert not profiles.problems("a" * 300, "bluesky")
    assert profiles.problems("a" * 301, "bluesky") == ["Bluesky takes 300 graphemes at most; this is 301."]


def test_sms_segments_depend_on_the_alphabet():
    sms = PROFILES["sms"]
    assert length("a" * 160, sms) == 1 and length("a" * 161, sms) == 2
    assert length("é" * 160, sms) == 1  # in the GSM alphabet
    assert length("ü" + "€" * 70, sms) == 1 and length("Ж" * 71, sms) == 2  # UCS-2: 70 a segment


@pytest.mark.parametrize(
    ("network", "images", "fits"), [("brand_page", 2, False), ("bluesky", 4, True), ("sms", 1, False)]
)
def test_image_limits(network, images, fits):
    assert (not profiles.problems("hi", network, images=images)) is fits


def test_a_text_too_long_for_a_channel_gets_a_fitted_version_and_a_reply_is_refused(people, brand, settings):
    from carecast.channels.models import ChannelAccount
    from carecast.channels.services import publish_target_set
    from carecast.content import services
    from carecast.core.errors import ValidationError

    account = ChannelAccount.objects.create(
        organization=brand.organization, brand=brand, network="bluesky", name="Bluesky", secret="app-password"
    )
    item = services.content_item_create(
        actor=people["contributor"], brand=brand, title="Long", text="Come along. " + "x" * 400
    )
    publish_target_set(actor=people["contributor"], item=item, accounts=[account])
    version = item.variants.get(network="bluesky")
    assert version.thread and all(
        profiles.length(p, profiles.PROFILES["bluesky"]) <= 300 for p in version.thread
    )
    reply = services.content_item_create(
        actor=people["contributor"],
        brand=brand,
        title="Reply",
        text="Thanks for asking! " + "x" * 400,
        kind="reply",
        reply_to="at://did:plc:abc/app.bsky.feed.post/3k",
        reply_context="When is the flu clinic?",
    )
    with pytest.raises(ValidationError, match="Bluesky takes 300 graphemes at most; this is 419"):
        publish_target_set(actor=people["contributor"], item=reply, accounts=[account])
