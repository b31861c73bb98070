"""OAuth 2 for the networks that sign in that way (Facebook, Instagram, LinkedIn, X, YouTube, Google
Business Profile), through authlib.

The access token lives in `ChannelAccount.secret`, the refresh token in `refresh_token` (both
encrypted), its expiry in `token_expires_at`. Connectors ask for the token through `access_token`,
which renews it first when it expires within five minutes, under a row lock so two workers never
both spend a refresh token (X rotates them: the second refresh would be refused). A periodic task
(`channel_account_tokens_refresh`) renews what expires within the hour, ahead of the posts.

No token, code or verifier is ever logged, audited or put in an address carecast builds.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import requests
from authlib.common.security import generate_token
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from carecast.channels import audit_actions as actions
from carecast.channels.connectors.base import DoNotRetry, Reconnect, RetryLater
from carecast.channels.models import ChannelAccount
from carecast.core.audit import audit_log

log = logging.getLogger(__name__)
Network = ChannelAccount.Network
TIMEOUT = 15  # seconds for a token endpoint; a refresh holds the account's row lock meanwhile
REFRESH_AHEAD = timedelta(minutes=5)
PERIODIC_AHEAD = timedelta(hours=1)
WARN_AHEAD = timedelta(days=7)  # an access that cannot be renewed: its owner is told this long before
GRAPH_EXCHANGE = "https://graph.facebook.com/v21.0/oauth/access_token"
GOOGLE_AUTHORIZE = "https://accounts.google.com/o/oauth2/v2/auth"
GOOGLE_EXCHANGE = "https://oauth2.googleapis.com/token"


@dataclass(frozen=True)
class Provider:
    """How one network signs in. `app` names the settings block whose client id it falls back to."""

    network: str
    authorize_url: str
    token_url: str
    scopes: tuple[str, ...]
    app: str
    pkce: bool = False
    client_auth: str = "client_secret_post"  # how the client id and secret reach the token endpoint
    authorize_params: dict[str, str] = field(default_factory=dict)
    long_lived: bool = False  # Meta: swap the short-lived user token for a 60-day one at once
    console: str = ""  # where an administrator registers the app
    choose: str = ""  # what a person who manages several (Pages, locations) names to pick one


_META_SCOPES = ("pages_show_list", "pages_read_engagement", "business_management")
PROVIDERS: dict[str, Provider] = {
    p.network: p
    for p in (
        Provider(
            Network.FACEBOOK,
            "https://www.facebook.com/v21.0/dialog/oauth",
            GRAPH_EXCHANGE,
            (*_META_SCOPES, "pages_manage_posts", "read_insights"),
            app="facebook",
            long_lived=True,
            console="https://developers.facebook.com/apps",
            choose="Facebook Page (its name, if you manage several)",
        ),
        Provider(
            Network.INSTAGRAM,
            "https://www.facebook.com/v21.0/dialog/oauth",
            GRAPH_EXCHANGE,
            (*_META_SCOPES, "instagram_basic", "instagram_content_publish", "instagram_manage_insights"),
            app="facebook",
            long_lived=True,
            console="https://developers.facebook.com/apps",
            choose="Facebook Page its Instagram account is linked to (if you manage several)",
        ),
        Provider(
            Network.LINKEDIN,
            "https://www.linkedin.com/oauth/v2/authorization",
            "https://www.linkedin.com/oauth/v2/accessToken",
            ("r_organization_social", "w_organization_social", "rw_organization_admin"),
            app="linkedin",
            console="https://www.linkedin.com/developers/apps",
            choose="LinkedIn Page id (if you manage several)",
        ),
        Provider(
            Network.X,
            "https://x.com/i/oauth2/authorize",
            "https://api.x.com/2/oauth2/token",
            ("tweet.read", "tweet.write", "users.read", "media.write", "offline.access"),
            app="x",
            pkce=True,
            client_auth="client_secret_basic",  # a confidential client: HTTP Basic with id and secret
            console="https://developer.x.com/en/portal/dashboard",
        ),
        Provider(
            Network.YOUTUBE,
            GOOGLE_AUTHORIZE,
            GOOGLE_EXCHANGE,
            (
                "https://www.googleapis.com/auth/youtube.upload",
                "https://www.googleapis.com/auth/youtube.force-ssl",
            ),
            app="google",
            authorize_params={"access_type": "offline", "prompt": "consent"},
            console="https://console.cloud.google.com/apis/credentials",
        ),
        Provider(
            Network.GOOGLE_BUSINESS,
            GOOGLE_AUTHORIZE,
            GOOGLE_EXCHANGE,
            ("https://www.googleapis.com/auth/business.manage",),
            app="google",
            authorize_params={"access_type": "offline", "prompt": "consent"},
            console="https://console.cloud.google.com/apis/credentials",
            choose="Location (accounts/…/locations/…)",
        ),
    )
}


class OAuthProblem(Exception):
    """A sign-in that did not complete, in words for the person connecting the account."""


@dataclass(frozen=True)
class Client:
    client_id: str
    client_secret: str
    authorize_url: str
    token_url: str


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str
    expires_at: datetime | None


@dataclass(frozen=True)
class Grant:
    """What the network's callback brought back, and what the start of the sign-in kept."""

    code: str
    redirect_uri: str
    code_verifier: str = ""


def settings_names(network: str) -> tuple[str, str]:
    """The environment variables an administrator sets to offer this network."""
    name = network.upper()
    return f"CARECAST_OAUTH_{name}_CLIENT_ID", f"CARECAST_OAUTH_{name}_CLIENT_SECRET"


def client(network: str) -> Client | None:
    """The server's app for this network, or None when no client id and secret are set."""
    provider = PROVIDERS[network]
    blocks: dict[str, dict[str, str]] = settings.CARECAST_OAUTH
    own, shared = blocks.get(network, {}), blocks.get(provider.app, {})
    chosen = own if own.get("client_id") else shared
    if not (chosen.get("client_id") and chosen.get("client_secret")):
        return None
    return Client(
        client_id=chosen["client_id"],
        client_secret=chosen["client_secret"],
        authorize_url=own.get("authorize_url") or shared.get("authorize_url") or provider.authorize_url,
        token_url=own.get("token_url") or shared.get("token_url") or provider.token_url,
    )


def offered() -> list[dict[str, Any]]:
    """Each OAuth network for the Channels settings: whether this server can offer it, and if not, what
    the administrator must set."""
    return [
        {
            "network": network,
            "label": Network(network).label,
            "configured": client(network) is not None,
            "settings": settings_names(network),
            "choose": PROVIDERS[network].choose,
        }
        for network in PROVIDERS
    ]


def _app(network: str) -> tuple[Provider, Client]:
    found = client(network)
    if found is None:
        id_name, secret_name = settings_names(network)
        raise OAuthProblem(
            f"{Network(network).label} is not set up on this server: the administrator must set "
            f"{id_name} and {secret_name}."
        )
    return PROVIDERS[network], found


def _session(provider: Provider, app: Client, **kwargs: Any) -> OAuth2Session:
    return OAuth2Session(
        app.client_id,
        app.client_secret,
        token_endpoint_auth_method=provider.client_auth,
        code_challenge_method="S256" if provider.pkce else None,
        **kwargs,
    )


def authorization_start(network: str, *, redirect_uri: str) -> tuple[str, str, str]:
    """The network's sign-in address, the `state` it must hand back, and the PKCE verifier (X; else
    empty). The caller keeps state and verifier in the person's session."""
    provider, app = _app(network)
    verifier = generate_token(64) if provider.pkce else ""
    with _session(provider, app, scope=" ".join(provider.scopes), redirect_uri=redirect_uri) as session:
        url, state = session.create_authorization_url(
            app.authorize_url,
            state=generate_token(40),
            code_verifier=verifier or None,
            **provider.authorize_params,
        )
    return url, state, verifier


def exchange_code(network: str, grant: Grant) -> Tokens:
    """Trade the callback's code for tokens (and, on Meta, the short-lived token for a 60-day one)."""
    provider, app = _app(network)
    label = Network(network).label
    extra = {"code_verifier": grant.code_verifier} if grant.code_verifier else {}
    with _session(provider, app, redirect_uri=grant.redirect_uri) as session:
        token = _call(
            label,
            lambda: session.fetch_token(app.token_url, code=grant.code, timeout=TIMEOUT, **extra),
        )
        if provider.long_lived:
            token = _call(
                label,
                lambda: session.fetch_token(
                    app.token_url,
                    grant_type="fb_exchange_token",
                    fb_exchange_token=token["access_token"],  # the app's id and secret go with it
                    timeout=TIMEOUT,
                ),
            )
    return _tokens(token)


def _call(label: str, fetch: Any) -> dict[str, Any]:
    try:
        token = fetch()
    except OAuthError as exc:
        raise OAuthProblem(f"{label} refused the sign-in ({_error_code(exc)}); nothing was saved.") from exc
    except (requests.RequestException, ValueError) as exc:
        raise OAuthProblem(f"{label} did not answer; nothing was saved. Try again in a minute.") from exc
    if not token.get("access_token"):
        raise OAuthProblem(f"{label} gave no access token; nothing was saved. Try again in a minute.")
    return dict(token)


def _error_code(exc: OAuthError) -> str:
    error = exc.error
    if isinstance(error, dict):  # Meta: {"error": {"message": ..., "type": "OAuthException", "code": 190}}
        return str(error.get("type") or error.get("code") or "refused")
    return str(error or "refused")


def _tokens(token: dict[str, Any], *, previous_refresh: str = "") -> Tokens:
    expires_in = token.get("expires_in")
    return Tokens(
        access_token=str(token["access_token"]),
        # Google and LinkedIn keep the refresh token; X sends a new one each time (the old one is spent).
        refresh_token=str(token.get("refresh_token") or previous_refresh or ""),
        expires_at=timezone.now() + timedelta(seconds=int(expires_in)) if expires_in else None,
    )


def _due(account: ChannelAccount, ahead: timedelta) -> bool:
    return account.token_expires_at is not None and account.token_expires_at <= timezone.now() + ahead


def access_token(account: ChannelAccount, *, ahead: timedelta = REFRESH_AHEAD) -> str:
    """The account's current access token, renewed first when it expires within `ahead`.

    Raises Reconnect (and marks the account) when the network refuses the refresh token or the token
    expired with none to renew it; RetryLater when the network cannot be reached and the old token
    no longer works."""
    if account.network not in PROVIDERS or not _due(account, ahead):
        return account.secret
    reconnect, problem = "", None
    with transaction.atomic():
        fresh = ChannelAccount.objects.select_for_update().get(pk=account.pk)
        if not _due(fresh, ahead):  # another worker renewed it while this one waited for the lock
            _copy_tokens(fresh, account)
            return fresh.secret
        label = Network(fresh.network).label
        expired = fresh.token_expires_at is not None and fresh.token_expires_at <= timezone.now()
        if fresh.status == ChannelAccount.Status.NEEDS_RECONNECT:
            reconnect = fresh.status_message or f"Reconnect the {label} account in Settings → Channels."
        elif not fresh.refresh_token:
            if not expired:
                return fresh.secret  # nothing to renew it with; it works until it expires
            reconnect = (
                f"The {label} sign-in expired. Reconnect the account in Settings → Channels "
                f"(Reconnect with {label})."
            )
        else:
            try:
                tokens = _refresh(fresh)
            except _Refused as exc:
                reconnect = (
                    f"{label} no longer accepts carecast's access ({exc}). Its owner must reconnect "
                    f"the account in Settings → Channels (Reconnect with {label})."
                )
            except (OAuthProblem, DoNotRetry) as exc:
                problem = exc
            else:
                _save_tokens(fresh, tokens)
                _copy_tokens(fresh, account)
                return fresh.secret
    if reconnect:
        from carecast.channels.services import _account_needs_reconnect  # services import this module

        _account_needs_reconnect(account, reconnect)
        account.status, account.status_message = ChannelAccount.Status.NEEDS_RECONNECT, reconnect[:300]
        raise Reconnect(reconnect)
    if isinstance(problem, DoNotRetry):
        raise problem
    if expired:
        raise RetryLater(str(problem), retry_after=60)
    log.warning("token refresh failed; the current token still works", extra={"account_id": account.pk})
    return fresh.secret


class _Refused(Exception):
    """The network refused the refresh token itself (revoked, expired, already spent)."""


def _refresh(account: ChannelAccount) -> Tokens:
    provider, app = _app(account.network)
    label = Network(account.network).label
    with _session(provider, app) as session:
        try:
            token = session.refresh_token(app.token_url, refresh_token=account.refresh_token, timeout=TIMEOUT)
        except OAuthError as exc:
            code = _error_code(exc)
            if code in ("invalid_client", "unauthorized_client"):
                id_name, secret_name = settings_names(account.network)
                raise DoNotRetry(
                    f"{label} refused this server's app ({code}): the administrator must check "
                    f"{id_name} and {secret_name}."
                ) from exc
            raise _Refused(code) from exc
        except (requests.RequestException, ValueError) as exc:
            raise OAuthProblem(f"{label} did not answer the token renewal; trying again soon.") from exc
    if not token.get("access_token"):
        raise OAuthProblem(f"{label} gave no new access token; trying again soon.")
    return _tokens(dict(token), previous_refresh=account.refresh_token)


def _save_tokens(account: ChannelAccount, tokens: Tokens) -> None:
    before = {"expires_at": account.token_expires_at}
    account.secret, account.refresh_token = tokens.access_token, tokens.refresh_token
    account.token_expires_at = tokens.expires_at
    account.save(update_fields=["secret", "refresh_token", "token_expires_at", "updated_at"])
    audit_log(
        action=actions.ACCOUNT_TOKEN_REFRESH,
        obj=account,
        before=before,
        after={"expires_at": account.token_expires_at},
    )


def _copy_tokens(source: ChannelAccount, target: ChannelAccount) -> None:
    target.secret, target.refresh_token = source.secret, source.refresh_token
    target.token_expires_at = source.token_expires_at


def channel_account_tokens_refresh(*, ahead: timedelta = PERIODIC_AHEAD) -> int:
    """Renew every connected OAuth account's token that expires within `ahead` (the periodic task), so
    a post at 9:00 does not wait on a refresh. Returns how many were renewed."""
    due = ChannelAccount.objects.filter(
        network__in=list(PROVIDERS),
        status=ChannelAccount.Status.CONNECTED,
        token_expires_at__lte=timezone.now() + ahead,
    ).exclude(refresh_token="")
    renewed = 0
    for account in list(due):  # a few accounts; each renewal writes, so no open cursor meanwhile
        before = account.token_expires_at
        try:
            access_token(account, ahead=ahead)
        except (Reconnect, DoNotRetry, RetryLater) as exc:
            log.warning(
                "token renewal failed",
                extra={"account_id": account.pk, "network": account.network, "error": type(exc).__name__},
            )
            continue
        renewed += account.token_expires_at != before
    return renewed


def channel_accounts_access_ending_warn(*, ahead: timedelta = WARN_AHEAD) -> int:
    """Accounts whose network gave no refresh token (Meta's 60-day tokens; LinkedIn apps without
    refresh access) cannot be renewed: a week before their access ends, the account says so in
    Settings, with the date and how to reconnect, so posts do not start failing unannounced."""
    now = timezone.now()
    ending = ChannelAccount.objects.filter(
        network__in=list(PROVIDERS),
        status=ChannelAccount.Status.CONNECTED,
        refresh_token="",
        token_expires_at__gt=now,
        token_expires_at__lte=now + ahead,
    )
    told = 0
    for account in list(ending):
        label = Network(account.network).label
        day = timezone.localtime(account.token_expires_at, account.organization.tz)
        message = (
            f"{label} access ends on {day:%d %b %Y}: reconnect before then (Reconnect with {label}), "
            "or posts after that day will fail"
        )
        if account.status_message == message:
            continue
        with transaction.atomic():
            ChannelAccount.objects.filter(pk=account.pk).update(status_message=message, updated_at=now)
            audit_log(
                action=actions.ACCOUNT_ACCESS_ENDING,
                obj=account,
                after={"token_expires_at": account.token_expires_at},
            )
        told += 1
    return told
