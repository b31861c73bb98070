"""Public endpoints of audiences: the unsubscribe page behind every newsletter's link (the token is
the only key; a mail client's one-click POST, RFC 8058, unsubscribes at once), and the text
provider's inbound webhook (signed), where STOP opts a number out at once."""

from __future__ import annotations

import base64
import hashlib
import hmac

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from carecast.audiences.models import Subscriber
from carecast.audiences.services import subscriber_unsubscribe, text_reply_received
from carecast.channels.models import ChannelAccount


@csrf_exempt  # mail clients POST `List-Unsubscribe=One-Click` with no session; the token is the key
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "POST":
        subscriber = subscriber_unsubscribe(token=token)
    else:
        subscriber = Subscriber.objects.select_related("brand").filter(token=token).first()
    if subscriber is None:
        raise Http404("This unsubscribe link is not known.")
    response = render(
        request, "audiences/unsubscribe.html", {"subscriber": subscriber, "brand": subscriber.brand}
    )
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response


def _twilio_signature(url: str, params: dict[str, str], token: str) -> str:
    """Twilio's request signature: HMAC-SHA1 over the URL and every parameter name and value in
    name order, base64-encoded."""
    payload = url + "".join(f"{key}{params[key]}" for key in sorted(params))
    return base64.b64encode(hmac.new(token.encode(), payload.encode(), hashlib.sha1).digest()).decode()


@csrf_exempt  # the provider posts here; its signature, checked below, is the key
@require_POST
def text_inbound(request: HttpRequest, account_id: int) -> HttpResponse:
    """Texts people send to a brand's number (the provider's inbound webhook): STOP opts out at once."""
    account = ChannelAccount.objects.filter(pk=account_id, network=ChannelAccount.Network.SMS).first()
    if account is None:
        raise Http404("Unknown text channel.")
    _, _, token = account.secret.partition(":")
    params = {key: request.POST.get(key, "") for key in request.POST}
    url = f"{settings.SITE_URL}{request.path}"
    given = request.headers.get("X-Twilio-Signature", "")
    if not given or not hmac.compare_digest(given, _twilio_signature(url, params, token)):
        return HttpResponse("The signature does not match.", status=403, content_type="text/plain")
    text_reply_received(brand=account.brand, phone=params.get("From", ""), body=params.get("Body", ""))
    return HttpResponse("<Response/>", content_type="application/xml")  # the provider confirms STOP itself
