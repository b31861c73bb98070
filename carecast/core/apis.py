"""REST API plumbing shared by every app: service errors become clear JSON responses."""

from __future__ import annotations

from typing import Any

from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from carecast.core.errors import CarecastError, InvalidTransition, NotFound, PermissionDenied, ValidationError

_STATUS = {
    PermissionDenied: status.HTTP_403_FORBIDDEN,
    NotFound: status.HTTP_404_NOT_FOUND,
    InvalidTransition: status.HTTP_409_CONFLICT,
    ValidationError: status.HTTP_400_BAD_REQUEST,
}


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, CarecastError):
        code = next((c for cls, c in _STATUS.items() if isinstance(exc, cls)), status.HTTP_400_BAD_REQUEST)
        body: dict[str, Any] = {"detail": str(exc)}
        if getattr(exc, "field", None):
            body["field"] = exc.field  # type: ignore[attr-defined]
        return Response(body, status=code)
    return exception_handler(exc, context)


ERROR_SCHEMA = {
    "type": "object",
    "description": "What went wrong, in plain words. Field errors list messages per field.",
    "properties": {"detail": {"type": "string"}, "field": {"type": "string"}},
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}
ERROR_STATUSES = {
    "400": "The input is wrong; nothing was changed.",
    "401": "No valid token or session.",
    "403": "Your role does not allow this.",
    "404": "Not found in your organisation.",
    "409": "The object is not in a state that allows this.",
}


def add_error_responses(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """drf-spectacular hook: document the error answers every endpoint can give, in one shape."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    for path in result.get("paths", {}).values():
        for operation in path.values():
            responses = operation.setdefault("responses", {})
            for code, description in ERROR_STATUSES.items():
                responses.setdefault(
                    code,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                    },
                )
    return result
