"""Sign-in (password, then TOTP when the person has an authenticator), sign-out, two-factor setup,
the idle-session timer and password reset."""

from __future__ import annotations

import base64
import time
from typing import Any

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from carecast.accounts import audit_actions as actions
from carecast.accounts.middleware import SESSION_KEY, idle_timeout_seconds
from carecast.accounts.models import User
from carecast.accounts.services import login_failure_record, login_failures_clear, login_is_throttled
from carecast.core.audit import audit_log

PENDING_KEY = "carecast_pending_2fa"
PENDING_SECONDS = 300


class LoginForm(forms.Form):
    username = forms.CharField(
        label="Username or email",
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class CodeForm(forms.Form):
    code = forms.CharField(
        label="6-digit code from your authenticator app",
        max_length=8,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9]*",
                "autofocus": True,
            }
        ),
    )


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("web:home")


def _client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def _finish_login(request: HttpRequest, user: User, device: TOTPDevice | None) -> HttpResponse:
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    if device is not None:
        otp_login(request, device)
    request.session[SESSION_KEY] = time.time()
    login_failures_clear(username=user.username)
    audit_log(
        action=actions.LOGIN,
        actor=user,
        organization=user.organization,
        after={"two_factor": device is not None},
    )
    return redirect(_next_url(request))


def _throttled_message() -> str:
    minutes = max(1, -(-settings.LOGIN_FAILURE_WINDOW_SECONDS // 60))  # the window, rounded up
    return f"Too many failed sign-in attempts. Wait {minutes} minutes and try again, or reset your password."


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    if request.GET.get("timeout"):
        messages.info(
            request,
            "You were signed out after a period of inactivity. Sign in to carry on; "
            "your unsaved draft is kept in this browser.",
        )
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"].strip()
        ip = _client_ip(request)
        # Resolve an email address to its account first, so failures by email and by username are
        # counted together (and throttling cannot be dodged by switching between them).
        account = (
            User.objects.filter(email__iexact=username).first()
            if "@" in username
            else User.objects.filter(username=username).first()
        )
        username = account.username if account else username
        org = account.organization if account else None
        if login_is_throttled(username=username, client_ip=ip):
            audit_log(action=actions.LOGIN_THROTTLED, organization=org, after={"username": username[:254]})
            form.add_error(None, _throttled_message())
        else:
            user = authenticate(request, username=username, password=form.cleaned_data["password"])
            if user is None:
                login_failure_record(username=username, client_ip=ip, organization=org)
                form.add_error(None, "That username and password do not match.")
            else:
                assert isinstance(user, User)
                if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
                    request.session[PENDING_KEY] = {"user": user.pk, "at": time.time()}
                    return redirect(f"{reverse('login_code')}?next={_next_url(request)}")
                return _finish_login(request, user, None)
    return render(
        request, "accounts/login.html", {"form": form, "next": request.GET.get("next", "")}, status=200
    )


@require_http_methods(["GET", "POST"])
def login_code_view(request: HttpRequest) -> HttpResponse:
    pending = request.session.get(PENDING_KEY)
    if not pending or time.time() - pending["at"] > PENDING_SECONDS:
        messages.error(request, "Sign in with your password first.")
        return redirect("login")
    user = User.objects.get(pk=pending["user"])
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if login_is_throttled(username=user.username, client_ip=_client_ip(request)):
            audit_log(
                action=actions.LOGIN_THROTTLED,
                organization=user.organization,
                after={"username": user.username},
            )
            form.add_error(None, _throttled_message())
        else:
            code = form.cleaned_data["code"].strip()
            device = next(
                (d for d in TOTPDevice.objects.filter(user=user, confirmed=True) if d.verify_token(code)),
                None,
            )
            if device is None:
                login_failure_record(
                    username=user.username, client_ip=_client_ip(request), organization=user.organization
                )
                form.add_error("code", "That code is not right. Codes change every 30 seconds.")
            else:
                del request.session[PENDING_KEY]
                return _finish_login(request, user, device)
    return render(request, "accounts/login_code.html", {"form": form, "next": request.GET.get("next", "")})


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        audit_log(action=actions.LOGOUT, actor=request.user, organization=request.user.organization)
    logout(request)
    messages.info(request, "You are signed out.")
    return redirect("login")


def _qr_data_uri(device: TOTPDevice) -> str:
    svg = segno.make(device.config_url, error="m").svg_inline(scale=5, dark="#111", light="#fff")
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup_view(request: HttpRequest) -> HttpResponse:
    """Add an authenticator (QR code or key), or verify this session with an existing one."""
    user = request.user
    assert isinstance(user, User)
    confirmed = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    device = confirmed or TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"].strip()):
            if not device.confirmed:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                audit_log(action=actions.TWO_FACTOR_ENABLE, actor=user, organization=user.organization)
            otp_login(request, device)
            messages.success(request, "Two-factor sign-in is on for your account.")
            return redirect(_next_url(request))
        form.add_error(
            "code", "That code is not right. Check the time on your phone and try the newest code."
        )
    context: dict[str, Any] = {
        "form": form,
        "confirmed": bool(confirmed),
        "next": request.GET.get("next", ""),
    }
    if not confirmed:
        context["qr"] = _qr_data_uri(device)
        context["secret"] = base64.b32encode(device.bin_key).decode()
    return render(request, "accounts/two_factor.html", context)


@require_http_methods(["GET", "POST"])
def session_view(request: HttpRequest) -> JsonResponse:
    """GET: seconds left before the idle sign-out (does not count as activity). POST: stay signed in."""
    if not request.user.is_authenticated:
        return JsonResponse({"signed_in": False, "seconds_left": 0})
    if request.method == "POST":
        request.session[SESSION_KEY] = time.time()
    left = idle_timeout_seconds(request) - (time.time() - request.session.get(SESSION_KEY, time.time()))
    return JsonResponse({"signed_in": True, "seconds_left": max(0, int(left))})


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form: Any) -> HttpResponse:
        audit_log(action=actions.PASSWORD_RESET_REQUEST)
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        audit_log(action=actions.PASSWORD_RESET, actor=form.user, organization=form.user.organization)
        login_failures_clear(username=form.user.username)
        return response
