from __future__ import annotations

import time
from collections.abc import Callable

from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from carecast.accounts import audit_actions as actions
from carecast.core.audit import audit_log

SESSION_KEY = "carecast_last_activity"
# Requests that must not count as activity (the page's own timer asks how long is left).
PASSIVE_PATHS = ("/accounts/session/",)


def idle_timeout_seconds(request: HttpRequest) -> int:
    org = getattr(request.user, "organization", None)
    return (org.idle_timeout_minutes if org else 15) * 60


class IdleTimeoutMiddleware:
    """HIPAA automatic logoff: sign a person out after the organisation's idle time."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            last = request.session.get(SESSION_KEY, now)
            if now - last > idle_timeout_seconds(request):
                audit_log(
                    action=actions.IDLE_LOGOUT, actor=request.user, organization=request.user.organization
                )
                logout(request)
                if request.path.startswith(PASSIVE_PATHS):
                    return self.get_response(request)  # the timer's own endpoint answers "signed out"
                if request.path.startswith("/api/") or request.headers.get("HX-Request"):
                    return JsonResponse({"detail": "Signed out after inactivity."}, status=401)
                return redirect(f"{reverse('login')}?timeout=1&next={request.path}")
            if not request.path.startswith(PASSIVE_PATHS):
                request.session[SESSION_KEY] = now
        return self.get_response(request)


ALLOWED_WITHOUT_2FA = (
    "/accounts/",
    "/static/",
    "/healthz",
    "/b/",
    "/l/",
    "/policies/",
    "/ical/",
    "/u/",
    "/sms/inbound/",
)


class TwoFactorRequiredMiddleware:
    """When the organisation requires it, admins and reviewers must verify a TOTP code first."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(ALLOWED_WITHOUT_2FA)
            and user.needs_two_factor()
            and not user.is_verified()  # type: ignore[attr-defined]  # django_otp adds it
        ):
            return redirect(f"{reverse('two_factor_setup')}?next={request.path}")
        return self.get_response(request)
