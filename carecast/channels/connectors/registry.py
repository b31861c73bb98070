from __future__ import annotations

from carecast.channels.connectors.base import BaseConnector
from carecast.channels.connectors.bluesky import BlueskyConnector
from carecast.channels.connectors.brand_page import BrandPageConnector
from carecast.channels.connectors.dummy import DummyConnector
from carecast.channels.connectors.facebook import FacebookConnector
from carecast.channels.connectors.google_business import GoogleBusinessConnector
from carecast.channels.connectors.instagram import InstagramConnector
from carecast.channels.connectors.linkedin import LinkedInConnector
from carecast.channels.connectors.mastodon import MastodonConnector
from carecast.channels.connectors.newsletter import NewsletterConnector
from carecast.channels.connectors.sms import SmsConnector
from carecast.channels.connectors.webhook import WebhookConnector
from carecast.channels.connectors.x import XConnector
from carecast.channels.connectors.youtube import YouTubeConnector

CONNECTORS: dict[str, type[BaseConnector]] = {
    BlueskyConnector.name: BlueskyConnector,
    BrandPageConnector.name: BrandPageConnector,
    DummyConnector.name: DummyConnector,
    FacebookConnector.name: FacebookConnector,
    GoogleBusinessConnector.name: GoogleBusinessConnector,
    InstagramConnector.name: InstagramConnector,
    LinkedInConnector.name: LinkedInConnector,
    MastodonConnector.name: MastodonConnector,
    NewsletterConnector.name: NewsletterConnector,
    SmsConnector.name: SmsConnector,
    WebhookConnector.name: WebhookConnector,
    XConnector.name: XConnector,
    YouTubeConnector.name: YouTubeConnector,
}


def get_connector(name: str) -> BaseConnector:
    try:
        return CONNECTORS[name]()
    except KeyError as exc:
        raise LookupError(f"No connector named {name!r}") from exc
