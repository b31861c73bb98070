"""The unsubscribe page behind every newsletter's link: the token is the only key (no sign-in, no
address in the URL). A mail client's one-click POST (RFC 8058) unsubscribes at once."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from carecast.audiences.models import Subscriber
from carecast.audiences.services import subscriber_unsubscribe


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
