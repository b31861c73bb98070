"""Sign-in: Argon2, username or email, throttling, TOTP, required two-factor, idle sign-out, reset."""

from __future__ import annotations

import base64
import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.hashers import make_password
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from carecast.accounts.models import TWO_FACTOR_ROLES, LoginFailure, Role
from carecast.accounts.services import user_create
from carecast.core.models import AuditEntry
from tests.factories import PASSWORD

THROTTLED = "Too many failed sign-in attempts"


def login(client, username, password=PASSWORD):
    return client.post("/accounts/login/", {"username": username, "password": password})


def signed_in_as(client):
    """The primary key of the person the client's session belongs to, or None."""
    value = client.session.get("_auth_user_id")
    return int(value) if value is not None else None


def code_for(device, key=None):
    return f"{totp(key or device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def audited(action, **kwargs):
    return AuditEntry.objects.filter(action=action, **kwargs)


# ------------------------------------------------------------------------------- passwords


def test_passwords_are_hashed_with_argon2(people, org):
    assert make_password("x").startswith("argon2$")
    assert people["admin"].password.startswith("argon2$")
    added = user_create(
        actor=people["admin"],
        organization=org,
        username="new-nurse",
        email="new-nurse@example.org",
        password="a long enough passphrase 42",
        roles=["contributor"],
    )
    added.refresh_from_db()
    assert added.password.startswith("argon2$argon2id$")
    assert "a long enough passphrase 42" not in added.password
    assert added.check_password("a long enough passphrase 42")


# ------------------------------------------------------------------------------- signing in


def test_sign_in_by_username_or_email_is_audited(client, people):
    user = people["contributor"]
    response = login(client, user.username)
    assert response.status_code == 302 and response["Location"] == "/"
    assert signed_in_as(client) == user.pk
    client.post("/accounts/logout/")
    assert signed_in_as(client) is None
    assert login(client, user.email.upper()).status_code == 302  # email, any case
    assert signed_in_as(client) == user.pk
    assert audited("auth.login", actor=user).count() == 2
    assert audited("auth.logout", actor=user).count() == 1
    assert audited("auth.login", actor=user).first().organization == user.organization


def test_sign_in_follows_a_safe_next_but_never_an_outside_one(client, people):
    user = people["contributor"]
    inside = client.post(
        "/accounts/login/?next=/calendar/", {"username": user.username, "password": PASSWORD}
    )
    assert inside["Location"] == "/calendar/"
    client.post("/accounts/logout/")
    outside = client.post(
        "/accounts/login/?next=https://evil.example/", {"username": user.username, "password": PASSWORD}
    )
    assert outside["Location"] == "/"


def test_wrong_password_is_refused_recorded_and_audited(client, people):
    user = people["contributor"]
    response = login(client, user.username, "wrong password")
    assert response.status_code == 200
    assert "That username and password do not match." in response.content.decode()
    assert signed_in_as(client) is None
    failure = LoginFailure.objects.get()
    assert failure.username == user.username and failure.client_ip == "127.0.0.1"
    entry = audited("auth.login_failed").get()
    assert entry.after == {"username": user.username}
    assert "wrong password" not in str(entry.after)  # the attempted password is never written down
    # A failure on a known account is the organisation's business: its audit log shows it.
    assert entry.organization == user.organization
    client.force_login(people["admin"])
    assert "auth.login_failed" in client.get("/audit/").content.decode()


def test_an_inactive_person_cannot_sign_in(client, people):
    user = people["contributor"]
    user.is_active = False
    user.save()
    assert "do not match" in login(client, user.username).content.decode()
    assert signed_in_as(client) is None


def test_throttling_refuses_even_the_right_password_until_the_window_passes(client, people, settings):
    user = people["contributor"]
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        login(client, user.username, "wrong")
    assert not audited("auth.login_throttled").exists()
    assert login(client, user.username, "wrong").status_code == 200  # the limit-th failure
    response = login(client, user.username)
    assert THROTTLED in response.content.decode()
    assert "Wait 15 minutes" in response.content.decode()  # the window, as configured
    assert signed_in_as(client) is None
    assert audited("auth.login_throttled").get().after == {"username": user.username}
    almost = timezone.now() + timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS - 30)
    with time_machine.travel(almost):
        assert THROTTLED in login(client, user.username).content.decode()
    later = timezone.now() + timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS + 1)
    with time_machine.travel(later):
        assert login(client, user.username).status_code == 302
        assert signed_in_as(client) == user.pk
    assert not LoginFailure.objects.filter(username=user.username).exists()  # a success clears them


def test_the_throttle_message_tells_the_configured_wait(client, people, settings):
    settings.LOGIN_FAILURE_WINDOW_SECONDS = 3600
    user = people["contributor"]
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        login(client, user.username, "wrong")
    assert "Wait 60 minutes" in login(client, user.username).content.decode()


def test_below_the_limit_the_right_password_still_works(client, people, settings):
    user = people["contributor"]
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        login(client, user.username, "wrong")
    assert login(client, user.username).status_code == 302
    assert signed_in_as(client) == user.pk


@pytest.mark.parametrize("how", ["email", "mixed"])
def test_throttling_cannot_be_dodged_by_signing_in_with_the_email_address(client, people, settings, how):
    user = people["contributor"]
    for n in range(settings.LOGIN_FAILURE_LIMIT):
        name = user.email if how == "email" or n % 2 else user.username
        login(client, name, "wrong")
    response = login(client, user.email)
    assert THROTTLED in response.content.decode()
    assert signed_in_as(client) is None
    assert THROTTLED in login(client, user.username).content.decode()


def test_one_address_spraying_many_accounts_is_throttled(client, people, settings):
    limit = settings.LOGIN_FAILURE_LIMIT * 4
    for n in range(limit):
        login(client, f"guess-{n}", "wrong")
    response = login(client, people["analyst"].username)
    assert THROTTLED in response.content.decode()
    assert signed_in_as(client) is None


# ------------------------------------------------------------------------------- two-factor


def test_totp_is_asked_after_the_password_when_a_device_is_set_up(client, people):
    user = people["legal_reviewer"]
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    response = login(client, user.username)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/code/")
    assert signed_in_as(client) is None  # not signed in yet
    assert client.get("/calendar/")["Location"].startswith("/accounts/login/")
    wrong = client.post("/accounts/login/code/", {"code": "000000"})
    assert "That code is not right" in wrong.content.decode()
    assert signed_in_as(client) is None
    assert LoginFailure.objects.filter(username=user.username).count() == 1
    assert audited("auth.login_failed").count() == 1
    with time_machine.travel(timezone.now() + timedelta(seconds=5)):  # django-otp slows retries after a miss
        device.refresh_from_db()
        ok = client.post("/accounts/login/code/", {"code": code_for(device)})
    assert ok.status_code == 302
    assert signed_in_as(client) == user.pk
    assert client.get("/").status_code == 200
    assert audited("auth.login", actor=user).get().after == {"two_factor": True}
    assert not LoginFailure.objects.filter(username=user.username).exists()


def test_the_code_step_needs_the_password_first(client, people):
    response = client.post("/accounts/login/code/", {"code": "123456"})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert signed_in_as(client) is None


def test_wrong_codes_count_towards_throttling(client, people, settings):
    user = people["admin"]
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    login(client, user.username)
    moment = timezone.now()
    for n in range(settings.LOGIN_FAILURE_LIMIT):
        # Step past django-otp's own back-off so each wrong code is really checked and counted.
        moment += timedelta(seconds=2**n + 1)
        with time_machine.travel(moment):
            client.post("/accounts/login/code/", {"code": "000000"})
    assert LoginFailure.objects.filter(username=user.username).count() == settings.LOGIN_FAILURE_LIMIT
    with time_machine.travel(moment + timedelta(seconds=40)):
        device.refresh_from_db()
        device.throttling_failure_count = 0
        device.save()
        refused = client.post("/accounts/login/code/", {"code": code_for(device)})
    assert THROTTLED in refused.content.decode()
    assert signed_in_as(client) is None
    assert audited("auth.login_throttled").exists()


@pytest.mark.parametrize(
    "role",
    ["admin", "legal_reviewer", "regulatory_reviewer", "medical_reviewer", "privacy_officer"],
)
def test_the_organisation_can_require_two_factor_for_admins_and_reviewers(client, people, org, role):
    org.require_two_factor = True
    org.save()
    person = people[role]
    assert login(client, person.username).status_code == 302
    for path in ("/", "/calendar/", "/settings/", "/audit/", "/api/publish-jobs/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == f"/accounts/two-factor/?next={path}", path
    setup = client.get("/accounts/two-factor/")
    page = setup.content.decode()
    assert "Your organisation requires two-factor sign-in for your role." in page
    assert 'src="data:image/svg+xml;base64,' in page
    qr = re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', page).group(1)
    assert base64.b64decode(qr).startswith(b"<svg")
    key = re.search(r'<code class="secret">([A-Z2-7=]+)</code>', page).group(1)
    device = TOTPDevice.objects.get(user=person, confirmed=False)
    assert base64.b32decode(key) == device.bin_key  # the key shown is the device's own
    wrong = client.post("/accounts/two-factor/", {"code": "123456"})
    assert wrong.status_code == 200 and "That code is not right" in wrong.content.decode()
    assert client.get("/calendar/").status_code == 302  # still locked out
    assert not audited("auth.two_factor_enable").exists()
    with time_machine.travel(timezone.now() + timedelta(seconds=5)):
        device.refresh_from_db()
        # The code comes from the key on the page, as an authenticator app would make it.
        done = client.post("/accounts/two-factor/", {"code": code_for(device, base64.b32decode(key))})
    assert done.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/calendar/").status_code == 200
    assert audited("auth.two_factor_enable", actor=person).count() == 1


@pytest.mark.parametrize("role", ["strategist", "contributor", "community_manager", "analyst", "advocate"])
def test_other_roles_are_not_required_to_use_two_factor(client, people, org, role):
    org.require_two_factor = True
    org.save()
    login(client, people[role].username)
    assert client.get("/calendar/").status_code == 200


def test_two_factor_is_not_forced_when_the_organisation_does_not_require_it(client, people, org):
    assert org.require_two_factor is False
    login(client, people["admin"].username)
    assert client.get("/calendar/").status_code == 200


def test_a_person_with_a_device_signs_in_with_it_when_two_factor_is_required(client, people, org):
    org.require_two_factor = True
    org.save()
    user = people["privacy_officer"]
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    login(client, user.username)
    client.post("/accounts/login/code/", {"code": code_for(device)})
    assert client.get("/audit/").status_code == 200
    setup = client.get("/accounts/two-factor/").content.decode()
    assert "Setup key" not in setup and "data:image" not in setup  # a set-up key is never shown again


# ------------------------------------------------------------------------------- idle sign-out


def test_idle_sign_out_after_the_organisations_timeout(client, people, org):
    assert org.idle_timeout_minutes == 15
    user = people["contributor"]
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        login(client, user.username)
        page = client.get("/calendar/")
        assert page.status_code == 200
        assert 'data-idle-timeout="900"' in page.content.decode()  # the page's warning timer
        assert 'id="idle-warning"' in page.content.decode()
    with time_machine.travel(start + timedelta(minutes=14), tick=False):
        left = client.get("/accounts/session/").json()
        assert left == {"signed_in": True, "seconds_left": 60}
    # Asking how long is left does not count as activity:
    with time_machine.travel(start + timedelta(minutes=14, seconds=30), tick=False):
        assert client.get("/accounts/session/").json()["seconds_left"] == 30
        assert client.post("/accounts/session/").json()["seconds_left"] == 900  # stay signed in
    with time_machine.travel(start + timedelta(minutes=29, seconds=29), tick=False):
        assert client.get("/accounts/session/").json() == {"signed_in": True, "seconds_left": 1}
    with time_machine.travel(start + timedelta(minutes=29, seconds=31), tick=False):
        response = client.get("/calendar/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?timeout=1&next=/calendar/"
    assert signed_in_as(client) is None
    assert audited("auth.idle_logout", actor=user).count() == 1
    page = client.get(response["Location"]).content.decode()
    assert "signed out after a period of inactivity" in page and "unsaved draft is kept" in page


def test_activity_keeps_the_session_alive(client, people):
    user = people["contributor"]
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        login(client, user.username)
    for minutes in (10, 20, 30, 40):  # never 15 minutes apart
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            assert client.get("/calendar/").status_code == 200
    assert signed_in_as(client) == user.pk
    assert not audited("auth.idle_logout").exists()


def test_the_idle_timeout_is_the_organisations_setting(client, people, org):
    org.idle_timeout_minutes = 5
    org.save()
    user = people["strategist"]
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        login(client, user.username)
        assert client.get("/accounts/session/").json()["seconds_left"] == 300
    with time_machine.travel(start + timedelta(minutes=4, seconds=59), tick=False):
        assert client.get("/calendar/").status_code == 200
    with time_machine.travel(start + timedelta(minutes=10), tick=False):
        assert client.get("/calendar/")["Location"].startswith("/accounts/login/?timeout=1")
    assert audited("auth.idle_logout", actor=user).exists()


def test_the_timer_learns_of_an_idle_sign_out_as_json(client, people):
    """The page's timer polls the session endpoint: after the timeout it gets JSON, not a login page."""
    user = people["contributor"]
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        login(client, user.username)
    with time_machine.travel(start + timedelta(minutes=16), tick=False):
        response = client.get("/accounts/session/")
    assert response.status_code == 200
    assert response.json() == {"signed_in": False, "seconds_left": 0}
    assert signed_in_as(client) is None
    assert audited("auth.idle_logout", actor=user).count() == 1


def test_the_session_endpoint_for_anonymous_visitors(client, db):
    assert client.get("/accounts/session/").json() == {"signed_in": False, "seconds_left": 0}


@pytest.mark.parametrize("path", ["/", "/calendar/", "/settings/", "/audit/"])
def test_pages_need_a_signed_in_person(client, db, path):
    response = client.get(path)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


# ------------------------------------------------------------------------------- password reset


def _reset_link(message):
    return re.search(r"http://testserver(/accounts/reset/\S+/)", message.content.decode()).group(1)


def test_password_reset_by_email_through_a_real_smtp_server(client, people, smtp_server):
    user = people["analyst"]
    unknown = client.post("/accounts/password-reset/", {"email": "nobody@example.org"})
    assert smtp_server.messages == []  # no mail ...
    known = client.post("/accounts/password-reset/", {"email": user.email})
    assert unknown.status_code == known.status_code == 302  # ... and the same answer: no enumeration
    assert unknown["Location"] == known["Location"] == "/accounts/password-reset/sent/"
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message.rcpt_tos == [user.email]
    assert user.username in message.content.decode()
    link = _reset_link(message)
    form = client.get(link, follow=True)
    assert form.status_code == 200 and "Choose a new password" in form.content.decode()
    assert "Save the new password" in form.content.decode()
    set_url = form.redirect_chain[-1][0]
    short = "short pass1"  # 11 characters
    refused = client.post(set_url, {"new_password1": short, "new_password2": short})
    assert refused.status_code == 200 and "at least 12 characters" in refused.content.decode()
    new = "a much longer new passphrase 2026"
    assert client.post(set_url, {"new_password1": new, "new_password2": new}).status_code == 302
    client.logout()
    assert "do not match" in login(client, user.username).content.decode()  # the old one is gone
    assert login(client, user.username, new).status_code == 302
    assert signed_in_as(client) == user.pk
    client.logout()
    reused = client.get(link, follow=True).content.decode()
    assert "expired or was already used" in reused
    assert audited("auth.password_reset_request").count() == 2
    assert audited("auth.password_reset", actor=user).count() == 1


def _without_nonces(response):
    """The page's text with the per-response CSP nonces and CSRF tokens taken out."""
    return re.sub(r'(nonce|value)="[^"]*"', "", response.content.decode())


def test_unknown_email_gets_the_same_page_and_no_mail(client, people, smtp_server):
    done_unknown = client.post("/accounts/password-reset/", {"email": "nobody@example.org"}, follow=True)
    done_known = client.post("/accounts/password-reset/", {"email": people["admin"].email}, follow=True)
    assert _without_nonces(done_unknown) == _without_nonces(done_known)
    assert "If an account uses that address" in done_known.content.decode()
    assert [m.rcpt_tos for m in smtp_server.messages] == [[people["admin"].email]]


def test_a_reset_lifts_the_throttle(client, people, settings, smtp_server):
    user = people["strategist"]
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        login(client, user.username, "wrong")
    client.post("/accounts/password-reset/", {"email": user.email})
    form = client.get(_reset_link(smtp_server.messages[0]), follow=True)
    new = "another long passphrase 77"
    client.post(form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    client.logout()
    assert login(client, user.username, new).status_code == 302


def test_the_roles_that_must_use_two_factor():
    # The parametrised two-factor tests above name these roles; keep them in step with the model.
    assert {
        Role.ADMIN,
        Role.LEGAL_REVIEWER,
        Role.REGULATORY_REVIEWER,
        Role.MEDICAL_REVIEWER,
        Role.PRIVACY_OFFICER,
    } == TWO_FACTOR_ROLES
