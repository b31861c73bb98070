"""JSON log lines, and a filter that keeps PHI out of them.

The filter redacts what textscan finds (names, numbers, dates, addresses...) in the rendered
message and in any extra field, and drops extra
fields whose names say they carry free text (a post, a reply, a message body): such text is
never needed to operate the service and may hold PHI.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from carecast.core import context
from carecast.textscan.phi import find_phi

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}
FREE_TEXT_FIELDS = frozenset({"text", "body", "content", "message_text", "reply", "post", "note", "comment"})


def redact(text: str) -> str:
    """Replace every identifier textscan finds with its label, e.g. '[PHONE]'."""
    for start, end, label in reversed(find_phi(text)):
        text = f"{text[:start]}[{label}]{text[end:]}"
    return text


class PHIFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        record.msg = redact(message)
        record.args = None
        for key in list(record.__dict__):
            if key in _STANDARD:
                continue
            if key.lower() in FREE_TEXT_FIELDS:
                record.__dict__[key] = "[removed]"
            elif isinstance(record.__dict__[key], str):
                record.__dict__[key] = redact(record.__dict__[key])
        return True


class JSONFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        ctx = context.current()
        data: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if ctx.request_id:
            data["request_id"] = ctx.request_id
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                data[key] = value
        if record.exc_info:
            data["exc"] = redact(self.formatException(record.exc_info))
        return json.dumps(data, default=str)
