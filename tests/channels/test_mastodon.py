"""Mastodon connector, contract-tested: Mastodon.py talks real HTTP to a loopback server that answers
with responses recorded from the Mastodon API (tests/channels/fixtures/mastodon/) and checks the
request shapes, including the Idempotency-Key a server uses to refuse a second status."""

from __future__ import annotations

import copy
import http.server
import json
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from carecast.channels.connectors.base import (
    DoNotRetry,
    Media,
    OutcomeUnknown,
    Payload,
    Reconnect,
    RetryLater,
)
from carecast.channels.connectors.mastodon import MastodonConnector, idempotency_key
from carecast.channels.models import ChannelAccount
from carecast.channels.services import (
    channel_account_create,
    publish_due_jobs,
    publish_jobs_reconcile,
)
from carecast.core.errors import ValidationError
from tests.conftest import _free_port
from tests.factories import due_job

FIXTURES = Path(__file__).parent / "fixtures" / "mastodon"
TOKEN = "good-token"


def _fixture(name):
    return json.loads((FIXTURES / name).read_text())


class FakeMastodon:
    """The server's state: statuses by id, idempotency keys seen, media, and scripted faults."""

    def __init__(self):
        self.statuses, self.keys, self.media, self.requests = {}, {}, {}, []
        self.faults = []  # next answers to POST /api/v1/statuses: 401, 422, 429, 500 or "lost"
        self.next_id = 113532480114937001

    def make_status(self, form):
        self.next_id += 1
        status = copy.deepcopy(_fixture("status.json"))
        sid = str(self.next_id)
        status.update(
            id=sid,
            content=f"<p>{form.get('status', [''])[0]}</p>",
            in_reply_to_id=form.get("in_reply_to_id", [None])[0],
            url=f"https://mastodon.example/@riverside/{sid}",
            uri=f"https://mastodon.example/users/riverside/statuses/{sid}",
            media_attachments=[self.media[m] for m in form.get("media_ids[]", [])],
        )
        self.statuses[sid] = status
        return status


@pytest.fixture
def server():
    state = FakeMastodon()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def _send(self, code, body, headers=()):
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for key, value in headers:
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        def _form(self):
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if "multipart/form-data" in (self.headers.get("Content-Type") or ""):
                return raw
            return parse_qs(raw.decode())

        def _authorised(self):
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                self._send(401, _fixture("error_401.json"))
                return False
            return True

        def do_GET(self):
            url = urlsplit(self.path)
            state.requests.append(("GET", url.path, dict(self.headers)))
            if url.path.rstrip("/") in ("/api/v1/instance", "/api/v2/instance"):  # public: the version
                return self._send(200, _fixture("instance.json" if "v1" in url.path else "instance_v2.json"))
            if not self._authorised():
                return
            if url.path == "/api/v1/accounts/verify_credentials":
                return self._send(200, _fixture("account.json"))
            if url.path.startswith("/api/v1/accounts/") and url.path.endswith("/statuses"):
                return self._send(200, sorted(state.statuses.values(), key=lambda s: s["id"], reverse=True))
            if url.path.startswith("/api/v1/statuses/"):
                status = state.statuses.get(url.path.rsplit("/", 1)[1])
                return self._send(200, status) if status else self._send(404, {"error": "Record not found"})
            if url.path == "/api/v2/search":
                q = parse_qs(url.query).get("q", [""])[0]
                found = [s for s in state.statuses.values() if s["url"] == q]
                return self._send(200, {"accounts": [], "statuses": found, "hashtags": []})
            self._send(404, {"error": "Endpoint not found"})

        def do_POST(self):
            url = urlsplit(self.path)
            form = self._form()
            state.requests.append(("POST", url.path, dict(self.headers)))
            if not self._authorised():
                return
            if url.path == "/api/v2/media":
                media = copy.deepcopy(_fixture("media.json"))
                media["id"] = str(22348641 + len(state.media))
                marker = b'name="description"\r\n\r\n'
                media["description"] = (
                    form.split(marker, 1)[1].split(b"\r\n", 1)[0].decode() if marker in form else None
                )
                state.media[media["id"]] = media
                return self._send(200, media)
            if url.path == "/api/v1/statuses":
                key = self.headers.get("Idempotency-Key")
                assert key, "every status must carry an Idempotency-Key"
                fault = state.faults.pop(0) if state.faults else None
                if fault == 429:
                    reset = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(time.time() + 120))
                    return self._send(
                        429,
                        _fixture("error_429.json"),
                        [("X-RateLimit-Remaining", "0"), ("X-RateLimit-Reset", reset)],
                    )
                if fault in (401, 422):
                    return self._send(fault, _fixture(f"error_{fault}.json"))
                if fault == 500:
                    return self._send(500, {"error": "We're sorry, but something went wrong on our end."})
                if key not in state.keys:
                    state.keys[key] = state.make_status(form)
                if fault == "lost":  # written; the answer never arrives
                    self.close_connection = True
                    return
                return self._send(200, state.keys[key])
            self._send(404, {"error": "Endpoint not found"})

        def do_DELETE(self):
            url = urlsplit(self.path)
            state.requests.append(("DELETE", url.path, dict(self.headers)))
            if not self._authorised():
                return
            status = state.statuses.pop(url.path.rsplit("/", 1)[1], None)
            return self._send(200, status) if status else self._send(404, {"error": "Record not found"})

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", _free_port()), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield state
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def account(people, brand, server):
    return channel_account_create(
        actor=people["admin"],
        brand=brand,
        network="mastodon",
        name="Riverside on Mastodon",
        endpoint=server.url,
        secret=TOKEN,
    )


def test_contract_connecting_checks_the_token_and_keeps_it_encrypted(people, brand, server, account):
    assert (account.external_id, account.handle, account.status) == (
        "109348877104521237",
        "riverside",
        "connected",
    )
    assert ChannelAccount.objects.filter(pk=account.pk, secret=TOKEN).count() == 0  # ciphertext at rest
    with pytest.raises(ValidationError, match="refused the access token"):
        channel_account_create(
            actor=people["admin"],
            brand=brand,
            network="mastodon",
            name="x",
            endpoint=server.url,
            secret="bad",
        )
    with pytest.raises(ValidationError, match="server's address"):
        channel_account_create(actor=people["admin"], brand=brand, network="mastodon", name="x", secret=TOKEN)


def test_contract_a_due_post_goes_out_once_with_an_idempotency_key(people, brand, server, account):
    job = due_job(people, brand, account)
    publish_due_jobs()
    job.refresh_from_db()
    assert job.status == "published" and job.external_url.startswith("https://mastodon.example/@riverside/")
    (status,) = server.statuses.values()
    assert status["content"] == "<p>Flu clinic open Saturday 9 to 12.</p>"
    posts = [r for r in server.requests if r[:2] == ("POST", "/api/v1/statuses")]
    assert [r[2]["Idempotency-Key"] for r in posts] == [idempotency_key(job, 0)]
    # The same call again (a worker that repeats itself) gets the same status back, not a second one.
    MastodonConnector().publish(job, Payload(text="Flu clinic open Saturday 9 to 12."))
    assert len(server.statuses) == 1


def test_contract_a_thread_with_an_image_and_its_description(people, brand, server, account):
    job = due_job(people, brand, account)
    path = default_storage.save("content/test/clinic.png", ContentFile(b"\x89PNG\r\n\x1a\n" + b"0" * 64))
    result = MastodonConnector().publish(
        job,
        Payload(
            text="Flu clinic open Saturday.",
            thread=("Bring your insurance card.", "No appointment needed."),
            media=(Media(path=path, alt_text="The clinic's front door"),),
        ),
    )
    first, second, third = sorted(server.statuses.values(), key=lambda s: s["id"])
    assert first["id"] == result.external_id
    assert second["in_reply_to_id"] == first["id"] and third["in_reply_to_id"] == second["id"]
    assert [m["description"] for m in first["media_attachments"]] == ["The clinic's front door"]
    assert second["media_attachments"] == []


def test_contract_a_reply_to_a_post_given_by_its_address(people, brand, server, account):
    question = server.make_status({"status": ["Are you open Saturday?"]})
    job = due_job(people, brand, account, text="Yes, 9 to 12.")
    MastodonConnector().publish(job, Payload(text="Yes, 9 to 12.", reply_to=question["url"]))
    reply = max(server.statuses.values(), key=lambda s: s["id"])
    assert reply["in_reply_to_id"] == question["id"]
    with pytest.raises(DoNotRetry, match="cannot find the post"):
        MastodonConnector().publish(job, Payload(text="Yes.", reply_to="https://mastodon.example/@x/1"))


@pytest.mark.parametrize(
    ("fault", "error", "words"),
    [
        (401, Reconnect, "refused the access token"),
        (422, DoNotRetry, "character limit of 500 exceeded"),
        (429, RetryLater, "rate limit"),
        (500, OutcomeUnknown, "answered 500"),
    ],
)
def test_contract_each_refusal_says_what_to_do(people, brand, server, account, fault, error, words):
    job = due_job(people, brand, account)
    server.faults.append(fault)
    with pytest.raises(error, match=words) as raised:
        MastodonConnector().publish(job, Payload(text="Flu clinic open Saturday."))
    if fault == 429:
        assert 60 < raised.value.retry_after <= 121  # from X-RateLimit-Reset


def test_contract_a_lost_answer_is_read_back_not_posted_twice(people, brand, server, account):
    job = due_job(people, brand, account)
    server.faults.append("lost")
    publish_due_jobs()
    job.refresh_from_db()
    assert job.status == "unconfirmed" and len(server.statuses) == 1
    publish_jobs_reconcile()
    job.refresh_from_db()
    assert job.status == "published" and len(server.statuses) == 1
    assert job.external_id == next(iter(server.statuses))


def test_contract_a_revoked_token_fails_the_post_and_asks_for_a_reconnect(people, brand, server, account):
    job = due_job(people, brand, account)
    server.faults.append(401)
    publish_due_jobs()
    job.refresh_from_db()
    account.refresh_from_db()
    assert job.status == "failed" and "Reconnect it in Settings" in job.last_error
    assert account.status == "needs_reconnect"


def test_contract_delete_and_metrics(people, brand, server, account):
    job = due_job(people, brand, account)
    publish_due_jobs()
    job.refresh_from_db()
    server.statuses[job.external_id].update(favourites_count=7, reblogs_count=2, replies_count=1)
    metrics = MastodonConnector().metrics(job)
    assert (metrics.likes, metrics.reposts, metrics.replies) == (7, 2, 1)
    MastodonConnector().delete(job)
    assert server.statuses == {}
    MastodonConnector().delete(job)  # already gone: nothing to do
