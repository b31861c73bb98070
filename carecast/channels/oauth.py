"""OAuth for the networks that sign in that way (Facebook, Instagram, LinkedIn, X, YouTube, Google
Business Profile). The access token lives in `ChannelAccount.secret`, the refresh token in
`refresh_token`, both encrypted; connectors ask for the token through `access_token`, which renews
it first when it is about to expire."""

from __future__ import annotations

from carecast.channels.models import ChannelAccount


def access_token(account: ChannelAccount) -> str:
    """The account's current access token."""
    return account.secret
