"""A loopback HTTP server for contract tests of networks we cannot run here: the test gives it a
function that reads each request and answers with a recorded response (fixtures/<network>/*.json).

    with recorded_server(answer) as server:   # server.url is http://127.0.0.1:<free port>
        ...
    server.requests  # every Request it received, in order

    with serving(FakeNetwork()) as fake:       # a fake network object with `answer(request)`;
        ...                                    # fake.server and fake.url are set while it serves

`answer(request)` returns `(status, body)` or `(status, body, headers)`; a dict or list body is sent
as JSON, bytes as they are; LOST (instead of a tuple) closes the connection without an answer (a
network that accepted the call but whose answer never came back)."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.conftest import _free_port

LOST = object()
FIXTURES = Path(__file__).parent / "channels" / "fixtures"


def fixture(network: str, name: str) -> Any:
    """A recorded response body, parsed (a fresh copy each time, so tests may change it)."""
    return json.loads((FIXTURES / network / name).read_text())


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def form(self) -> dict[str, list[str]]:
        return parse_qs(self.body.decode())

    @property
    def bearer(self) -> str:
        auth = self.headers.get("Authorization", "")
        return auth[7:] if auth.startswith("Bearer ") else ""


@dataclass
class Server:
    url: str = ""
    requests: list[Request] = field(default_factory=list)

    def calls(self, method: str, path_prefix: str = "") -> list[Request]:
        return [r for r in self.requests if r.method == method and r.path.startswith(path_prefix)]


@contextmanager
def recorded_server(answer: Callable[[Request], Any]) -> Iterator[Server]:
    server = Server()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def _handle(self) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            request = Request(
                self.command, url.path, parse_qs(url.query), dict(self.headers), self.rfile.read(length)
            )
            server.requests.append(request)
            reply = answer(request)
            if reply is LOST:
                self.close_connection = True
                return
            status, body, *rest = reply
            headers = dict(rest[0]) if rest else {}
            if isinstance(body, (dict, list)):
                data = json.dumps(body).encode()
                headers.setdefault("Content-Type", "application/json; charset=utf-8")
            else:
                data = body or b""
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", _free_port()), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    try:
        yield server
    finally:
        httpd.shutdown()
        httpd.server_close()


@contextmanager
def serving(fake: Any) -> Iterator[Any]:
    """Serve a fake network: an object whose `answer(request)` plays the network. While it serves,
    `fake.server` is the Server and `fake.url` its address."""
    with recorded_server(fake.answer) as server:
        fake.server, fake.url = server, server.url
        yield fake
