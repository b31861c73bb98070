"""Per-request context (request id, client address) that the audit log and JSON logs read."""

from __future__ import annotations

import contextvars
import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    client_ip: str | None = None


_EMPTY = RequestContext()
_current: contextvars.ContextVar[RequestContext] = contextvars.ContextVar("carecast_request")


def current() -> RequestContext:
    return _current.get(_EMPTY)


def begin(
    *, request_id: str | None = None, client_ip: str | None = None
) -> contextvars.Token[RequestContext]:
    return _current.set(RequestContext(request_id=request_id or uuid.uuid4().hex, client_ip=client_ip))


def end(token: contextvars.Token[RequestContext]) -> None:
    _current.reset(token)
