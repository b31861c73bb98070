"""Connecting an account with OAuth: "Connect with <network>" sends the person to the network's sign-in
page; the network sends them back to the callback, which saves the account through a service.

What the sign-in must hand back (`state`, and X's PKCE verifier) is kept in the person's server-side
session, tied to them, the brand and the network, for fifteen minutes. Codes and tokens never appear
in a message, a log line or an address built here."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from carecast.accounts.permissions import Action, require
from carecast.channels import oauth
from carecast.channels.models import ChannelAccount
from carecast.channels.services import channel_account_oauth_connect, channel_account_oauth_reconnect
from carecast.core.errors import CarecastError
from carecast.core.models import Brand
from carecast.web.views import _posted_brand, _user

SESSION_KEY = "carecast_oauth"
PENDING_FOR = 15 * 60  # seconds a started sign-in stays valid
DECLINED = ("access_denied", "user_denied", "user_cancelled_login", "user_cancelled_authorize")


def _label(network: str) -> str:
    if network not in oauth.PROVIDERS:
        raise Http404("No such network.")
    return ChannelAccount.Network(network).label


def _redirect_uri(network: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("web:channel_oauth_callback", args=[network])


@login_required
@require_POST
def channel_oauth_start(request: HttpRequest, network: str) -> HttpResponse:
    """Start signing in to `network` for a brand (or, with `account`, to reconnect that account)."""
    user = _user(request)
    _label(network)
    account = None
    try:
        if request.POST.get("account"):
            account = get_object_or_404(
                ChannelAccount, organization_id=user.tenant_id, network=network, pk=request.POST["account"]
            )
            brand = account.brand
        else:
            brand = _posted_brand(request, user)
        require(user, Action.ORG_MANAGE, brand.organization)
        url, state, verifier = oauth.authorization_start(network, redirect_uri=_redirect_uri(network))
    except oauth.OAuthProblem as exc:
        messages.error(request, str(exc))
        return redirect("web:settings")
    except CarecastError as exc:
        messages.error(request, str(exc))
        return redirect("web:settings")
    now = time.time()
    pending = {
        key: value
        for key, value in request.session.get(SESSION_KEY, {}).items()
        if now - value["started"] < PENDING_FOR
    }
    pending[state] = {
        "network": network,
        "user": user.pk,
        "brand": brand.pk,
        "account": account.pk if account else None,
        "name": request.POST.get("name", "").strip()[:120],
        "handle": request.POST.get("handle", "").strip()[:253],
        "verifier": verifier,
        "redirect_uri": _redirect_uri(network),
        "started": now,
    }
    request.session[SESSION_KEY] = pending
    return redirect(url)


@login_required
@require_GET
def channel_oauth_callback(request: HttpRequest, network: str) -> HttpResponse:
    """Where the network sends the person back, with a code (or an error) and the state."""
    user = _user(request)
    label = _label(network)
    pending = request.session.get(SESSION_KEY, {})
    started = pending.pop(request.GET.get("state", ""), None) if request.GET.get("state") else None
    request.session[SESSION_KEY] = pending
    if (
        started is None
        or started["network"] != network
        or started["user"] != user.pk
        or time.time() - started["started"] >= PENDING_FOR
    ):
        messages.error(
            request,
            f"This {label} sign-in did not start from your carecast session, or took longer than 15 "
            "minutes. Nothing was saved; start again with the Connect button.",
        )
        return redirect("web:settings")
    error = request.GET.get("error", "")
    if error in DECLINED or request.GET.get("error_reason") in DECLINED:
        messages.error(request, f"You did not allow carecast to post on {label}, so nothing was connected.")
        return redirect("web:settings")
    code = request.GET.get("code", "")
    if error or not code:
        shown = error if error.replace("_", "").isalnum() and len(error) <= 40 else "no code"
        messages.error(request, f"{label} did not complete the sign-in ({shown}). Nothing was saved.")
        return redirect("web:settings")
    grant = oauth.Grant(code=code, redirect_uri=started["redirect_uri"], code_verifier=started["verifier"])
    try:
        if started["account"]:
            account = get_object_or_404(
                ChannelAccount, organization_id=user.tenant_id, network=network, pk=started["account"]
            )
            channel_account_oauth_reconnect(actor=user, account=account, grant=grant)
            done = f"{account.name} is connected again. Retry its failed posts from their pages."
        else:
            brand = get_object_or_404(Brand, organization_id=user.tenant_id, pk=started["brand"])
            account = channel_account_oauth_connect(
                actor=user,
                brand=brand,
                network=network,
                grant=grant,
                name=started["name"],
                handle=started.get("handle", ""),
            )
            done = f"{account.name} ({label}) connected. Choose it on an item to publish there too."
    except CarecastError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)
    return redirect("web:settings")
