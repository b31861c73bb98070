from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.hashers import make_password
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from carecast.accounts.models import LoginFailure
from carecast.core.models import AuditEntry
from tests.factories import PASSWORD


def login(client, username, password=PASSWORD):
    return client.post("/accounts/login/", {"username": username, "password": password})


def code_for(device):
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def test_passwords_are_hashed_with_argon2(people):
    assert make_password("x").startswith("argon2$")
    assert people["admin"].password.startswith("argon2$")


def test_sign_in_by_username_or_email_is_audited(client, people):
    user = people["contributor"]
    assert login(client, user.username).status_code == 302
    client.post("/accounts/logout/")
    assert login(client, user.email.upper()).status_code == 302
    assert AuditEntry.objects.filter(action="auth.login", actor=user).count() == 2
    assert AuditEntry.objects.filter(action="auth.logout", actor=user).count() == 1


def test_wrong_password_is_refused_recorded_and_audited(client, people):
    response = login(client, people["contributor"].username, "wrong")
    assert response.status_code == 200
    assert "do not match" in response.content.decode()
    assert LoginFailure.objects.count() == 1
    assert AuditEntry.objects.filter(action="auth.login_failed").exists()


def test_throttling_refuses_even_the_right_password_until_the_window_passes(client, people, settings):
    user = people["contributor"]
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        login(client, user.username, "wrong")
    response = login(client, user.username)
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(action="auth.login_throttled").exists()
    later = timezone.now() + timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS + 1)
    with time_machine.travel(later):
        assert login(client, user.username).status_code == 302


def test_totp_is_asked_after_the_password_when_a_device_is_set_up(client, people):
    user = people["legal_reviewer"]
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    response = login(client, user.username)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/code/")
    assert "_auth_user_id" not in client.session  # not signed in yet
    wrong = client.post("/accounts/login/code/", {"code": "000000"})
    assert "not right" in wrong.content.decode()
    assert LoginFailure.objects.filter(username=user.username).count() == 1
    with time_machine.travel(timezone.now() + timedelta(seconds=5)):  # django-otp slows retries after a miss
        device.refresh_from_db()
        ok = client.post("/accounts/login/code/", {"code": code_for(device)})
    assert ok.status_code == 302
    assert client.get("/").status_code == 200
    assert AuditEntry.objects.get(action="auth.login", actor=user).after == {"two_factor": True}


def test_the_organisation_can_require_two_factor_for_admins_and_reviewers(client, people, org):
    org.require_two_factor = True
    org.save()
    reviewer = people["medical_reviewer"]
    login(client, reviewer.username)
    response = client.get("/calendar/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/two-factor/")
    setup = client.get("/accounts/two-factor/")
    page = setup.content.decode()
    assert 'src="data:image/svg+xml;base64,' in page and "Setup key" in page
    device = TOTPDevice.objects.get(user=reviewer, confirmed=False)
    assert client.post("/accounts/two-factor/", {"code": "123"}).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(seconds=5)):
        device.refresh_from_db()
        done = client.post("/accounts/two-factor/", {"code": code_for(device)})
    assert done.status_code == 302
    assert client.get("/calendar/").status_code == 200
    assert AuditEntry.objects.filter(action="auth.two_factor_enable", actor=reviewer).exists()
    other = client.__class__()
    login(other, people["contributor"].username)
    assert other.get("/calendar/").status_code == 200  # contributors are not required


def test_idle_sign_out_after_the_organisations_timeout(client, people, org):
    assert org.idle_timeout_minutes == 15
    user = people["contributor"]
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        login(client, user.username)
        assert client.get("/calendar/").status_code == 200
    with time_machine.travel(start + timedelta(minutes=14), tick=False):
        left = client.get("/accounts/session/").json()
        assert left == {"signed_in": True, "seconds_left": 60}
        # Asking how long is left does not count as activity:
    with time_machine.travel(start + timedelta(minutes=14, seconds=30), tick=False):
        assert client.get("/accounts/session/").json()["seconds_left"] == 30
        assert client.post("/accounts/session/").json()["seconds_left"] == 900  # stay signed in
    with time_machine.travel(start + timedelta(minutes=29, seconds=31), tick=False):
        response = client.get("/calendar/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?timeout=1")
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(action="auth.idle_logout", actor=user).exists()
    page = client.get(response["Location"]).content.decode()
    assert "inactivity" in page and "draft is kept" in page


def test_password_reset_by_email_through_a_real_smtp_server(client, people, smtp_server):
    user = people["analyst"]
    assert client.post("/accounts/password-reset/", {"email": "nobody@example.org"}).status_code == 302
    assert smtp_server.messages == []  # no mail, same answer: no account enumeration
    client.post("/accounts/password-reset/", {"email": user.email})
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message.rcpt_tos == [user.email]
    body = message.content.decode()
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", body).group(1)
    form = client.get(link, follow=True)
    assert form.status_code == 200 and "Choose a new password" in form.content.decode()
    set_url = form.redirect_chain[-1][0]
    new = "a much longer new passphrase 2026"
    assert client.post(set_url, {"new_password1": new, "new_password2": new}).status_code == 302
    client.logout()
    assert login(client, user.username, new).status_code == 302
    reused = client.get(link, follow=True).content.decode()
    assert "expired or was already used" in reused
    assert AuditEntry.objects.filter(action="auth.password_reset", actor=user).exists()


def test_the_page_timer_learns_of_an_idle_sign_out_in_json(client, people):
    """The page's timer reads /accounts/session/ as JSON; a redirect to the HTML sign-in page was
    unreadable to it, so the page only moved on at its next tick."""
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        login(client, people["contributor"].username)
    with time_machine.travel(start + timedelta(minutes=16), tick=False):
        response = client.get("/accounts/session/")
    assert response.status_code == 401 and "signed_in" not in response.json()
    assert "_auth_user_id" not in client.session


def test_the_session_endpoint_for_anonymous_visitors(client, db):
    assert client.get("/accounts/session/").json() == {"signed_in": False, "seconds_left": 0}


@pytest.mark.parametrize("path", ["/", "/calendar/", "/settings/", "/audit/"])
def test_pages_need_a_signed_in_person(client, db, path):
    response = client.get(path)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
