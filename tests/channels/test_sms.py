"""Text messages through a Twilio-compatible REST API, contract-tested: the connector talks real
HTTP to a loopback server answering with responses recorded from Twilio's Messages API
(tests/channels/fixtures/sms/) and checking the request shape (path, basic auth, form fields)."""

from __future__ import annotations

import base64
import copy
import http.server
import json
import threading
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from carecast.audiences.models import TextDelivery, TextSubscriber
from carecast.audiences.services import text_subscriber_add
from carecast.channels.connectors.base import DoNotRetry, Payload, Reconnect, RetryLater
from carecast.channels.connectors.sms import SmsConnector
from carecast.channels.services import channel_account_create, publish_due_jobs, publish_jobs_reconcile
from carecast.core.errors import ValidationError
from carecast.core.models import AuditEntry
from tests.conftest import _free_port
from tests.factories import due_job

FIXTURES = Path(__file__).parent / "fixtures" / "sms"
SID, TOKEN = "AC00000000000000000000000000000001", "auth-token-1"
FROM = "+16175550100"


def _fixture(name):
    return json.loads((FIXTURES / name).read_text())


@pytest.fixture
def provider():
    state = {"sent": [], "per_number": {}, "faults": [], "count": 0}

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def _send(self, code, body, headers=()):
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for key, value in headers:
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        def _authorised(self):
            expected = "Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
            if self.headers.get("Authorization") != expected:
                self._send(401, _fixture("error_20003.json"))
                return False
            return True

        def do_GET(self):
            if not self._authorised():
                return
            if self.path == f"/2010-04-01/Accounts/{SID}.json":
                return self._send(200, _fixture("account.json"))
            self._send(404, {"code": 20404, "message": "not found", "status": 404})

        def do_POST(self):
            form = parse_qs(self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode())
            if not self._authorised():
                return
            assert self.path == f"/2010-04-01/Accounts/{SID}/Messages.json", self.path
            assert set(form) == {"To", "From", "Body"}, form
            to = form["To"][0]
            fault = state["faults"].pop(0) if state["faults"] else state["per_number"].get(to)
            if fault == 429:
                return self._send(429, _fixture("error_20429.json"), [("Retry-After", "30")])
            if fault == 500:
                state["sent"].append(form)  # queued, but the answer says otherwise
                return self._send(500, {"code": 20500, "message": "Internal Server Error", "status": 500})
            if fault in (21610, 21211, 21617):
                return self._send(400, _fixture(f"error_{fault}.json"))
            state["count"] += 1
            message = copy.deepcopy(_fixture("message.json"))
            message.update(
                sid=f"SM{state['count']:032d}", to=to, body=form["Body"][0], **{"from": form["From"][0]}
            )
            state["sent"].append(form)
            self._send(201, message)

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", _free_port()), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    state["url"] = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield state
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def account(people, brand, provider):
    return channel_account_create(
        actor=people["admin"],
        brand=brand,
        network="sms",
        name="Riverside texts",
        endpoint=provider["url"],
        handle=FROM,
        secret=f"{SID}:{TOKEN}",
    )


def _numbers(people, brand, *numbers):
    return [text_subscriber_add(actor=people["admin"], brand=brand, phone=n) for n in numbers]


def _due_job(people, brand, account, text="Flu shots Saturday 9-12 at Riverside Clinic."):
    return due_job(people, brand, account, text)


def test_contract_connecting_checks_the_credentials(people, brand, provider, account):
    assert account.status == "connected"
    with pytest.raises(ValidationError, match="refused"):
        channel_account_create(
            actor=people["admin"],
            brand=brand,
            network="sms",
            name="x",
            endpoint=provider["url"],
            handle=FROM,
            secret=f"{SID}:wrong",
        )
    with pytest.raises(ValidationError, match="SID:TOKEN"):
        channel_account_create(
            actor=people["admin"], brand=brand, network="sms", name="x", handle=FROM, secret="x"
        )


def test_contract_each_opted_in_number_gets_one_text_with_the_opt_out(people, brand, provider, account):
    _numbers(people, brand, "+1 (617) 555-0148", "+16175550149")
    job = _due_job(people, brand, account)
    publish_due_jobs()
    job.refresh_from_db()
    assert job.status == "published"
    assert sorted(f["To"][0] for f in provider["sent"]) == ["+16175550148", "+16175550149"]
    assert all(
        f["From"] == [FROM] and f["Body"][0].endswith("Reply STOP to opt out.") for f in provider["sent"]
    )
    assert set(TextDelivery.objects.filter(job=job).values_list("outcome", flat=True)) == {"queued"}
    SmsConnector().publish(job, Payload(text="again"))  # a repeated call texts nobody twice
    assert len(provider["sent"]) == 2


def test_contract_stop_and_bad_numbers_are_recorded_and_the_rest_go_out(people, brand, provider, account):
    stopped, bad, _good = _numbers(people, brand, "+16175550148", "+16175550150", "+16175550149")
    provider["per_number"] = {"+16175550148": 21610, "+16175550150": 21211}
    job = _due_job(people, brand, account)
    publish_due_jobs()
    job.refresh_from_db()
    assert job.status == "published" and [f["To"][0] for f in provider["sent"]] == ["+16175550149"]
    assert TextSubscriber.objects.get(pk=stopped.pk).stopped_at is not None
    assert AuditEntry.objects.filter(action="text_subscriber.stop").count() == 1
    assert "Invalid" in TextDelivery.objects.get(job=job, subscriber=bad).outcome
    _due_job(people, brand, account, text="Second message.")
    provider["per_number"] = {}
    publish_due_jobs()
    assert sorted(f["To"][0] for f in provider["sent"][1:]) == [
        "+16175550149",
        "+16175550150",
    ]  # not the STOP


@pytest.mark.parametrize(
    ("fault", "error", "words"),
    [
        (20003, Reconnect, "refused the credentials"),
        (429, RetryLater, "rate limit"),
        (21617, DoNotRetry, "1600 character"),
    ],
)
def test_contract_refusals_say_what_to_do(people, brand, provider, account, fault, error, words):
    _numbers(people, brand, "+16175550148")
    job = _due_job(people, brand, account)
    if fault == 20003:
        account.secret = f"{SID}:revoked"
        account.save(update_fields=["secret"])
        job.account = account
    else:
        provider["faults"].append(fault)
    with pytest.raises(error, match=words):
        SmsConnector().publish(job, Payload(text="Flu shots Saturday."))
    assert not TextDelivery.objects.filter(job=job).exists()  # nothing sent: free to try again


def test_contract_an_unclear_answer_never_texts_that_number_twice(people, brand, provider, account):
    _numbers(people, brand, "+16175550148", "+16175550149")
    provider["faults"].append(500)
    job = _due_job(people, brand, account)
    publish_due_jobs()
    job.refresh_from_db()
    assert job.status == "unconfirmed"
    publish_jobs_reconcile()  # read back: one number still due; the unclear one is not retried
    publish_due_jobs()
    job.refresh_from_db()
    assert job.status == "published"
    assert sorted(f["To"][0] for f in provider["sent"]) == ["+16175550148", "+16175550149"]


def test_numbers_are_checked_and_kept_once(people, brand):
    with pytest.raises(ValidationError, match="country code"):
        text_subscriber_add(actor=people["admin"], brand=brand, phone="555-0148")
    first = text_subscriber_add(actor=people["admin"], brand=brand, phone="+16175550148")
    assert text_subscriber_add(actor=people["admin"], brand=brand, phone="+1 617 555 0148").pk == first.pk
    assert TextSubscriber.objects.filter(phone="+16175550148").count() == 0  # ciphertext at rest


def test_settings_adds_a_number(client, people, brand):
    client.force_login(people["admin"])
    assert "Text messages" in client.get("/settings/").content.decode()
    client.post("/settings/text-subscribers/", {"brand": brand.pk, "phone": "+16175550148"})
    client.post("/settings/text-subscribers/", {"brand": brand.pk, "phone": "call me maybe"})
    assert TextSubscriber.objects.filter(brand=brand).count() == 1


def _signed(client, settings, account, params, token=TOKEN):
    from carecast.audiences.public import _twilio_signature

    path = f"/sms/inbound/{account.pk}/"
    signature = _twilio_signature(f"{settings.SITE_URL}{path}", params, token)
    return client.post(path, params, HTTP_X_TWILIO_SIGNATURE=signature)


def test_contract_a_stop_reply_opts_the_number_out_at_once_and_start_back_in(
    client, settings, people, brand, provider, account
):
    (number,) = _numbers(people, brand, "+16175550148")
    params = {"From": "+16175550148", "To": FROM, "Body": "Stop", "MessageSid": "SM" + "1" * 32}
    assert _signed(client, settings, account, params, token="not-the-token").status_code == 403
    assert TextSubscriber.objects.get(pk=number.pk).stopped_at is None  # a forged STOP changes nothing
    answer = _signed(client, settings, account, params)
    assert answer.status_code == 200 and answer.content == b"<Response/>"
    assert TextSubscriber.objects.get(pk=number.pk).stopped_at is not None
    assert AuditEntry.objects.filter(action="text_subscriber.stop").count() == 1
    _due_job(people, brand, account)
    publish_due_jobs()
    assert provider["sent"] == []  # nobody left to text
    _signed(client, settings, account, {**params, "Body": "START"})
    assert TextSubscriber.objects.get(pk=number.pk).stopped_at is None
    assert client.post("/sms/inbound/999999/", params).status_code == 404
