"""Connecting accounts with OAuth, contract-tested: authlib talks real HTTP to a loopback server that
plays each network's sign-in page and token endpoint, answers with responses recorded from their
documentation (tests/channels/fixtures/<network>/oauth*.json), and refuses requests of the wrong shape
the way the network does (client authentication, redirect address, PKCE verifier, spent tokens)."""

from __future__ import annotations

import base64
import hashlib
import itertools
import logging
import threading
import time
from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from django.db import close_old_connections, connection
from django.utils import timezone

from carecast.channels import oauth
from carecast.channels.connectors.base import Reconnect, RetryLater
from carecast.channels.connectors.registry import CONNECTORS
from carecast.channels.models import ChannelAccount
from carecast.channels.tasks import channel_account_tokens_refresh_periodic
from carecast.core.models import AuditEntry
from tests.recorded_http import fixture, recorded_server

# Each app's addresses on the loopback server, how it wants the client authenticated, and its fixtures.
APPS = {
    "facebook": {"authorize": "/v21.0/dialog/oauth", "token": "/v21.0/oauth/access_token", "basic": False},
    "linkedin": {"authorize": "/oauth/v2/authorization", "token": "/oauth/v2/accessToken", "basic": False},
    "x": {"authorize": "/i/oauth2/authorize", "token": "/2/oauth2/token", "basic": True},
    "google": {"authorize": "/o/oauth2/v2/auth", "token": "/token", "basic": False},
}
APP_OF = {
    "facebook": "facebook",
    "instagram": "facebook",  # Instagram business accounts sign in through the Meta (Facebook) app
    "linkedin": "linkedin",
    "x": "x",
    "youtube": "google",
    "google_business": "google",
}
FIXTURES = {  # app: (directory, code exchange, refresh, refused, client refused)
    "facebook": ("facebook", "oauth_access_token.json", None, "oauth_error.json", "oauth_error_client.json"),
    "linkedin": (
        "linkedin",
        "oauth_access_token.json",
        "oauth_refresh.json",
        "oauth_error.json",
        "oauth_error_client.json",
    ),
    "x": ("x", "oauth2_token.json", "oauth2_token.json", "oauth2_error.json", "oauth2_error_client.json"),
    "google": (
        "youtube",
        "oauth_token.json",
        "oauth_refresh.json",
        "oauth_error.json",
        "oauth_error_client.json",
    ),
}


def _s256(verifier):
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


class FakeNetworks:
    """The four sign-in services: codes handed out, refresh tokens that still work, and faults."""

    def __init__(self):
        self.codes, self.short_lived, self.refresh_tokens = {}, set(), set()
        self.numbers = itertools.count(1)
        self.down = False  # token endpoints answer 503
        self.decline = False  # the person presses "Cancel" on the sign-in page
        self.delay = 0.0  # seconds a token endpoint takes to answer

    def answer(self, request):
        for app, paths in APPS.items():
            if request.path == paths["authorize"]:
                return self.authorize(app, request)
            if request.path == paths["token"]:
                return self.token(app, request)
        return 404, {"error": "not_found"}

    def authorize(self, app, request):
        q = {k: v[0] for k, v in request.query.items()}
        if (
            request.method != "GET"
            or q.get("response_type") != "code"
            or q.get("client_id") != f"{app}-client"
            or not q.get("redirect_uri")
            or not q.get("state")
            or not q.get("scope")
            or (app == "x" and (q.get("code_challenge_method") != "S256" or not q.get("code_challenge")))
        ):
            return 400, {"error": "invalid_request"}
        if self.decline:
            back = {"error": "access_denied", "state": q["state"]}
            if app == "facebook":
                back |= {"error_reason": "user_denied", "error_description": "Permissions error"}
        else:
            code = f"code-{app}-{next(self.numbers)}"
            self.codes[code] = q
            back = {"code": code, "state": q["state"]}
        return 302, b"", {"Location": f"{q['redirect_uri']}?{urlencode(back)}"}

    def token(self, app, request):
        directory, exchanged, renewed, refused, client_refused = FIXTURES[app]
        if request.method != "POST" or not request.headers.get("Content-Type", "").startswith(
            "application/x-www-form-urlencoded"
        ):
            return 400, fixture(directory, refused)
        form = {k: v[0] for k, v in request.form().items()}
        if APPS[app]["basic"]:
            expected = base64.b64encode(f"{app}-client:{app}-secret".encode()).decode()
            if request.headers.get("Authorization") != f"Basic {expected}":
                return 401, fixture(directory, client_refused)
        elif form.get("client_id") != f"{app}-client" or form.get("client_secret") != f"{app}-secret":
            return (400 if app == "facebook" else 401), fixture(directory, client_refused)
        if self.down:
            return 503, b"Service Unavailable"
        time.sleep(self.delay)
        grant = form.get("grant_type")
        if grant == "authorization_code":
            started = self.codes.pop(form.get("code", ""), None)  # a code works once
            if started is None or form.get("redirect_uri") != started["redirect_uri"]:
                return 400, fixture(directory, refused)
            if app == "x" and _s256(form.get("code_verifier", "")) != started["code_challenge"]:
                return 400, fixture(directory, refused)
            return 200, self.issue(app, exchanged, short_lived=app == "facebook")
        if grant == "fb_exchange_token" and app == "facebook":
            if form.get("fb_exchange_token") not in self.short_lived:
                return 400, fixture(directory, refused)
            return 200, self.issue(app, "oauth_long_lived_token.json")
        if grant == "refresh_token" and renewed:
            if form.get("refresh_token") not in self.refresh_tokens:
                return 400, fixture(directory, refused)
            if app == "x":  # X rotates: the refresh token just used is spent
                self.refresh_tokens.discard(form["refresh_token"])
            return 200, self.issue(app, renewed, keep_refresh=form["refresh_token"])
        return 400, {"error": "unsupported_grant_type"}

    def issue(self, app, name, *, short_lived=False, keep_refresh=""):
        body = fixture(FIXTURES[app][0], name)
        n = next(self.numbers)
        body["access_token"] = f"{app}-access-{n}"
        if short_lived:
            self.short_lived.add(body["access_token"])
        if "refresh_token" in body:
            body["refresh_token"] = (
                keep_refresh if app == "linkedin" and keep_refresh else f"{app}-refresh-{n}"
            )
            self.refresh_tokens.add(body["refresh_token"])
        return body

    def grant_refresh(self, app):
        token = f"{app}-refresh-seeded-{next(self.numbers)}"
        self.refresh_tokens.add(token)
        return token


@pytest.fixture
def networks(settings, monkeypatch):
    fake = FakeNetworks()
    # Each connector's own check of a new account (reading its id from the network's API) is
    # contract-tested with that connector; here it only has to be handed the new access token.
    fake.connected = []
    for network in oauth.PROVIDERS:
        if network in CONNECTORS:
            monkeypatch.setattr(
                CONNECTORS[network], "connect", lambda self, account: fake.connected.append(account.secret)
            )
    with recorded_server(fake.answer) as server:
        # Only the apps are configured: Instagram, YouTube and Google Business fall back to theirs.
        blank = {"client_id": "", "client_secret": "", "authorize_url": "", "token_url": ""}
        settings.CARECAST_OAUTH = {
            network: dict(blank) for network in ("instagram", "youtube", "google_business")
        } | {
            app: {
                "client_id": f"{app}-client",
                "client_secret": f"{app}-secret",
                "authorize_url": server.url + paths["authorize"],
                "token_url": server.url + paths["token"],
            }
            for app, paths in APPS.items()
        }
        fake.server = server
        yield fake


def _sign_in(client, network, data, *, fake):
    """Press Connect, let the network's sign-in page answer, follow it back to carecast."""
    start = client.post(f"/channels/oauth/{network}/connect/", data)
    assert start.status_code == 302, start.content
    authorize = start["Location"]
    back = httpx.get(authorize, follow_redirects=False)
    assert back.status_code == 302, back.text
    callback = urlsplit(back.headers["Location"])
    done = client.get(callback.path, parse_qs(callback.query))
    return authorize, callback, done


def _messages(response):
    return [str(m) for m in response.wsgi_request._messages]


def _raw_column(account, column):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM channels_channelaccount WHERE id = %s", [account.pk])  # noqa: S608
        return cursor.fetchone()[0]


def _no_secret_anywhere(caplog, account, *secrets):
    entries = AuditEntry.objects.filter(object_type="channels.channelaccount", object_id=str(account.pk))
    assert entries.exists()
    recorded = " ".join(f"{e.before} {e.after} {e.reason} {e.object_repr}" for e in entries)
    for secret in secrets:
        assert secret and secret not in recorded
        assert secret not in caplog.text


@pytest.mark.parametrize("network", ["facebook", "instagram", "linkedin", "x", "youtube", "google_business"])
def test_contract_connect_with_network_creates_the_account(network, client, people, brand, networks, caplog):
    caplog.set_level(logging.DEBUG)
    app = APP_OF[network]
    client.force_login(people["admin"])
    authorize, callback, done = _sign_in(
        client, network, {"brand": brand.pk, "name": "Riverside"}, fake=networks
    )

    # The sign-in address carries the app, a state, the scopes, and what each network needs.
    asked = {k: v[0] for k, v in parse_qs(urlsplit(authorize).query).items()}
    assert asked["client_id"] == f"{app}-client"
    assert asked["redirect_uri"] == f"http://127.0.0.1:8000/channels/oauth/{network}/callback/"
    assert len(asked["state"]) >= 32
    assert set(asked["scope"].split()) == set(oauth.PROVIDERS[network].scopes)
    assert ("code_challenge" in asked) == (network == "x")
    if network == "x":
        assert asked["code_challenge_method"] == "S256"
    if app == "google":
        assert asked["access_type"] == "offline" and asked["prompt"] == "consent"

    # Back in carecast: the code was exchanged (with the PKCE verifier on X) and the account saved.
    assert done.status_code == 302 and done["Location"] == "/settings/"
    account = ChannelAccount.objects.get(brand=brand, network=network)
    assert account.name == "Riverside" and account.status == ChannelAccount.Status.CONNECTED
    assert account.secret.startswith(f"{app}-access-")
    assert _raw_column(account, "secret") != account.secret  # encrypted at rest
    if network == "facebook" or network == "instagram":  # the short-lived token was swapped for 60 days
        assert account.secret not in networks.short_lived
        assert account.token_expires_at > timezone.now() + timedelta(days=59)
        assert account.refresh_token in ("", None)
    else:
        assert account.refresh_token in networks.refresh_tokens
        assert _raw_column(account, "refresh_token") != account.refresh_token
        assert account.token_expires_at > timezone.now() + timedelta(minutes=50)
    assert any("connected" in m for m in _messages(client.get("/settings/")))
    assert networks.connected == ([account.secret] if network in CONNECTORS else [])
    entry = AuditEntry.objects.get(action="channel_account.connect", object_id=str(account.pk))
    assert entry.actor_id == people["admin"].pk

    code = parse_qs(callback.query)["code"][0]
    _no_secret_anywhere(caplog, account, code, account.secret, account.refresh_token or "-none-")
    assert code not in done["Location"]


def test_contract_a_state_that_did_not_start_here_is_refused(client, people, brand, networks):
    client.force_login(people["admin"])
    start = client.post("/channels/oauth/linkedin/connect/", {"brand": brand.pk})
    back = httpx.get(start["Location"], follow_redirects=False)
    code = parse_qs(urlsplit(back.headers["Location"]).query)["code"][0]

    forged = client.get("/channels/oauth/linkedin/callback/", {"code": code, "state": "made-up-state"})

    assert forged["Location"] == "/settings/"
    assert any("did not start from your carecast session" in m for m in _messages(forged))
    assert not ChannelAccount.objects.exists()
    assert networks.server.calls("POST") == []  # the code was never exchanged


def test_contract_a_state_for_another_network_is_refused(client, people, brand, networks):
    client.force_login(people["admin"])
    start = client.post("/channels/oauth/linkedin/connect/", {"brand": brand.pk})
    state = parse_qs(urlsplit(start["Location"]).query)["state"][0]

    wrong = client.get("/channels/oauth/x/callback/", {"code": "code-x-9", "state": state})

    assert any("Nothing was saved" in m for m in _messages(wrong))
    assert not ChannelAccount.objects.exists()


@pytest.mark.parametrize("network", ["facebook", "x"])
def test_contract_declining_on_the_network_says_so_and_saves_nothing(
    network, client, people, brand, networks
):
    networks.decline = True
    client.force_login(people["admin"])

    _, callback, done = _sign_in(client, network, {"brand": brand.pk}, fake=networks)

    assert "error=access_denied" in callback.query
    label = ChannelAccount.Network(network).label
    assert _messages(done) == [f"You did not allow carecast to post on {label}, so nothing was connected."]
    assert not ChannelAccount.objects.exists()
    assert networks.server.calls("POST") == []


def test_contract_a_code_the_network_refuses_saves_nothing(client, people, brand, networks):
    client.force_login(people["admin"])
    start = client.post("/channels/oauth/youtube/connect/", {"brand": brand.pk})
    back = urlsplit(httpx.get(start["Location"], follow_redirects=False).headers["Location"])
    query = parse_qs(back.query)
    networks.codes.clear()  # the code expired before it came back

    done = client.get(back.path, query)

    assert _messages(done) == ["YouTube refused the sign-in (invalid_grant); nothing was saved."]
    assert not ChannelAccount.objects.exists()
    assert len(networks.server.calls("POST", "/token")) == 1


def test_contract_reconnect_with_the_network_replaces_the_tokens(client, people, brand, networks):
    account = ChannelAccount.objects.create(
        organization=brand.organization,
        brand=brand,
        network="x",
        name="Riverside on X",
        secret="revoked-token",
        refresh_token="spent-refresh",
        status=ChannelAccount.Status.NEEDS_RECONNECT,
        status_message="X refused the token.",
    )
    client.force_login(people["admin"])
    page = client.get("/settings/").content.decode()
    assert "Reconnect with X" in page

    _, _, done = _sign_in(client, "x", {"account": account.pk}, fake=networks)

    account.refresh_from_db()
    assert account.status == ChannelAccount.Status.CONNECTED and account.status_message == ""
    assert account.secret.startswith("x-access-") and account.refresh_token in networks.refresh_tokens
    assert ChannelAccount.objects.count() == 1
    assert "Riverside on X is connected again" in _messages(done)[0]
    assert AuditEntry.objects.filter(action="channel_account.reconnect", object_id=str(account.pk)).exists()


def test_a_network_not_set_up_shows_what_the_administrator_must_set(client, people, brand, settings):
    settings.CARECAST_OAUTH = {}
    client.force_login(people["admin"])

    page = client.get("/settings/").content.decode()

    assert "LinkedIn Page is not set up on this server" in page
    assert "CARECAST_OAUTH_LINKEDIN_CLIENT_ID" in page and "CARECAST_OAUTH_LINKEDIN_CLIENT_SECRET" in page
    assert (
        '<button type="submit" disabled aria-describedby="oa-linkedin-help">Connect with LinkedIn Page'
        in page
    )
    refused = client.post("/channels/oauth/linkedin/connect/", {"brand": brand.pk})
    assert refused["Location"] == "/settings/"
    assert "must set CARECAST_OAUTH_LINKEDIN_CLIENT_ID" in _messages(refused)[0]


def test_connecting_needs_the_right_to_manage_the_organisation(client, people, brand, networks):
    client.force_login(people["contributor"])

    response = client.post("/channels/oauth/linkedin/connect/", {"brand": brand.pk})

    assert response["Location"] == "/settings/"
    assert networks.server.requests == []


# --- access_token: renewing before expiry ----------------------------------------------------------


def _account(brand, network, *, expires_in, refresh="", access="old-access"):
    return ChannelAccount.objects.create(
        organization=brand.organization,
        brand=brand,
        network=network,
        name=f"Riverside {network}",
        secret=access,
        refresh_token=refresh,
        token_expires_at=timezone.now() + expires_in,
    )


def test_contract_a_token_expiring_within_five_minutes_is_renewed_first(brand, networks, caplog):
    caplog.set_level(logging.DEBUG)
    refresh = networks.grant_refresh("google")
    account = _account(brand, "youtube", expires_in=timedelta(minutes=4), refresh=refresh)

    token = oauth.access_token(account)

    assert token.startswith("google-access-") and token != "old-access"
    call = networks.server.calls("POST", "/token")[0].form()
    assert call["grant_type"] == ["refresh_token"] and call["refresh_token"] == [refresh]
    stored = ChannelAccount.objects.get(pk=account.pk)
    assert stored.secret == token and stored.refresh_token == refresh  # Google keeps the refresh token
    assert stored.token_expires_at > timezone.now() + timedelta(minutes=55)
    entry = AuditEntry.objects.get(action="channel_account.token_refresh", object_id=str(account.pk))
    _no_secret_anywhere(caplog, account, token, refresh)
    assert "expires_at" in entry.after

    assert oauth.access_token(stored) == token  # an hour left: no second call
    assert len(networks.server.calls("POST")) == 1


def test_contract_x_rotates_the_refresh_token_and_the_new_one_is_kept(brand, networks):
    first = networks.grant_refresh("x")
    account = _account(brand, "x", expires_in=timedelta(minutes=-1), refresh=first)

    oauth.access_token(account)
    account.refresh_from_db()
    second = account.refresh_token
    assert second != first and second in networks.refresh_tokens and first not in networks.refresh_tokens

    ChannelAccount.objects.filter(pk=account.pk).update(token_expires_at=timezone.now())
    account.refresh_from_db()
    oauth.access_token(account)  # would be refused with the spent token

    account.refresh_from_db()
    assert account.status == ChannelAccount.Status.CONNECTED
    assert account.refresh_token not in (first, second)
    used = [r.form()["refresh_token"][0] for r in networks.server.calls("POST", "/2/oauth2/token")]
    assert used == [first, second]


@pytest.mark.parametrize("network", ["youtube", "x", "linkedin"])
def test_contract_a_refused_refresh_token_asks_the_owner_to_reconnect(network, brand, networks):
    account = _account(brand, network, expires_in=timedelta(minutes=2), refresh="revoked-refresh")

    with pytest.raises(Reconnect) as raised:
        oauth.access_token(account)

    account.refresh_from_db()
    label = ChannelAccount.Network(network).label
    assert account.status == ChannelAccount.Status.NEEDS_RECONNECT
    assert account.status_message == str(raised.value)
    assert f"{label} no longer accepts carecast's access" in account.status_message
    assert f"reconnect the account in Settings → Channels (Reconnect with {label})" in account.status_message
    assert AuditEntry.objects.filter(
        action="channel_account.needs_reconnect", object_id=str(account.pk)
    ).exists()
    assert not AuditEntry.objects.filter(action="channel_account.token_refresh").exists()


def test_contract_a_token_another_worker_renewed_is_read_again_not_renewed(brand, networks):
    account = _account(brand, "x", expires_in=timedelta(minutes=1), refresh=networks.grant_refresh("x"))
    stale = ChannelAccount.objects.get(pk=account.pk)  # what this worker loaded before the other renewed
    ChannelAccount.objects.filter(pk=account.pk).update(token_expires_at=timezone.now() + timedelta(hours=2))
    renewed = ChannelAccount.objects.get(pk=account.pk)
    renewed.secret = "renewed-by-the-other-worker"
    renewed.save(update_fields=["secret"])

    assert oauth.access_token(stale) == "renewed-by-the-other-worker"
    assert stale.token_expires_at > timezone.now() + timedelta(hours=1)
    assert networks.server.requests == []  # the spent-once refresh token was not used a second time


@pytest.mark.django_db(transaction=True)
def test_contract_two_workers_renewing_at_once_spend_the_refresh_token_once(brand, networks):
    """Two threads, each with its own database connection, ask for an expiring X token at the same
    moment while X takes half a second to answer: one renews, the other waits for the row and reads
    the new token (a second refresh would spend X's rotated token and be refused)."""
    networks.delay = 0.5
    account = _account(brand, "x", expires_in=timedelta(minutes=1), refresh=networks.grant_refresh("x"))
    tokens, errors, ready = [], [], threading.Barrier(2)

    def worker():
        try:
            copy = ChannelAccount.objects.get(pk=account.pk)
            ready.wait()
            tokens.append(oauth.access_token(copy))
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert errors == []
    assert len(tokens) == 2 and tokens[0] == tokens[1] and tokens[0].startswith("x-access-")
    assert len(networks.server.calls("POST", "/2/oauth2/token")) == 1
    account.refresh_from_db()
    assert account.status == ChannelAccount.Status.CONNECTED and account.secret == tokens[0]
    assert AuditEntry.objects.filter(action="channel_account.token_refresh").count() == 1


def test_contract_an_unreachable_token_endpoint_waits_or_uses_the_token_still_valid(brand, networks):
    networks.down = True
    refresh = networks.grant_refresh("linkedin")
    still_valid = _account(brand, "linkedin", expires_in=timedelta(minutes=3), refresh=refresh)
    expired = _account(brand, "linkedin", expires_in=timedelta(minutes=-3), refresh=refresh, access="gone")

    assert oauth.access_token(still_valid) == "old-access"
    with pytest.raises(RetryLater):
        oauth.access_token(expired)

    assert ChannelAccount.objects.filter(status=ChannelAccount.Status.NEEDS_RECONNECT).count() == 0


def test_a_token_without_a_refresh_token_works_until_it_expires_then_asks_for_a_reconnect(brand, networks):
    valid = _account(brand, "facebook", expires_in=timedelta(minutes=2))
    expired = _account(brand, "facebook", expires_in=timedelta(minutes=-2))

    assert oauth.access_token(valid) == "old-access"
    with pytest.raises(Reconnect, match="The Facebook Page sign-in expired"):
        oauth.access_token(expired)
    assert networks.server.requests == []


def test_contract_the_periodic_task_renews_tokens_expiring_within_the_hour(brand, networks):
    soon = _account(
        brand, "youtube", expires_in=timedelta(minutes=40), refresh=networks.grant_refresh("google")
    )
    later = _account(
        brand, "youtube", expires_in=timedelta(hours=3), refresh=networks.grant_refresh("google")
    )
    no_refresh = _account(brand, "facebook", expires_in=timedelta(minutes=10))
    refused = _account(brand, "linkedin", expires_in=timedelta(minutes=10), refresh="revoked")

    channel_account_tokens_refresh_periodic.call_local()

    soon.refresh_from_db(), later.refresh_from_db(), no_refresh.refresh_from_db(), refused.refresh_from_db()
    assert soon.secret.startswith("google-access-")
    assert soon.token_expires_at > timezone.now() + timedelta(minutes=55)
    assert later.secret == "old-access" and no_refresh.secret == "old-access"
    assert refused.status == ChannelAccount.Status.NEEDS_RECONNECT  # the rest went on regardless
    assert len(networks.server.calls("POST")) == 2


def test_an_access_that_cannot_be_renewed_is_announced_a_week_ahead(client, people, brand):
    ending = _account(brand, "facebook", expires_in=timedelta(days=3))  # Meta gives no refresh token
    fine = _account(brand, "facebook", expires_in=timedelta(days=30))
    channel_account_tokens_refresh_periodic.call_local()
    channel_account_tokens_refresh_periodic.call_local()  # told once, not every ten minutes
    ending.refresh_from_db(), fine.refresh_from_db()
    assert (
        ending.status == ChannelAccount.Status.CONNECTED and "reconnect before then" in ending.status_message
    )
    assert fine.status_message == ""
    assert AuditEntry.objects.filter(action="channel_account.access_ending").count() == 1
    client.force_login(people["admin"])
    page = client.get("/settings/").content.decode()
    assert "Facebook Page access ends on" in page
    assert page.count(">Reconnect with Facebook Page</button>") == 1  # only on the account whose access ends
