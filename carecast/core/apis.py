"""REST API plumbing shared by every app: errors become clear JSON in one shape, documented per endpoint."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from carecast.core.errors import CarecastError, InvalidTransition, NotFound, PermissionDenied, ValidationError

_STATUS = {
    PermissionDenied: status.HTTP_403_FORBIDDEN,
    NotFound: status.HTTP_404_NOT_FOUND,
    InvalidTransition: status.HTTP_409_CONFLICT,
    ValidationError: status.HTTP_400_BAD_REQUEST,
}


def _messages(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [f"{k}: {m}" for k, v in value.items() for m in _messages(v)]
    if isinstance(value, list):
        return [m for v in value for m in _messages(v)]
    return [str(value)]


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every error answer has `detail` (a sentence for a person), `field` when one input is at fault,
    and for invalid input `field_errors`: the messages per field."""
    if isinstance(exc, CarecastError):
        code = next((c for cls, c in _STATUS.items() if isinstance(exc, cls)), status.HTTP_400_BAD_REQUEST)
        body: dict[str, Any] = {"detail": str(exc)}
        if getattr(exc, "field", None):
            body["field"] = exc.field  # type: ignore[attr-defined]
        return Response(body, status=code)
    response = exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        errors = {name: _messages(value) for name, value in detail.items() if _messages(value)}
        field, messages = next(iter(errors.items()), ("non_field_errors", ["The input is not valid."]))
        body = {"detail": messages[0] if field == "non_field_errors" else f"{field}: {messages[0]}"}
        if field != "non_field_errors":
            body["field"] = field
        response.data = {**body, "field_errors": errors}
    return response


class ErrorSerializer(serializers.Serializer[Any]):
    """What went wrong, in plain words; nothing was changed."""

    detail = serializers.CharField(help_text="A sentence written for a person.")
    field = serializers.CharField(required=False, help_text="The input at fault, when there is one.")
    field_errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="For invalid input: the messages per field.",
    )


ERROR_STATUSES = {
    400: "The input is wrong; nothing was changed.",
    401: "No valid token or session.",
    403: "Your role does not allow this (or a browser session sent no CSRF token).",
    404: "Not found in your organisation.",
    409: "The object is not in a state that allows this.",
}


def error_responses(*codes: int) -> dict[int, OpenApiResponse]:
    """The error answers an operation gives besides 401 and 403, for `extend_schema(responses=...)`."""
    return {code: OpenApiResponse(ErrorSerializer, description=ERROR_STATUSES[code]) for code in codes}


def add_error_responses(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """drf-spectacular hook: every endpoint needs a signed-in person whose role allows it, so every
    operation can answer 401 and 403. Other errors are declared on each operation."""
    assert "Error" in result.get("components", {}).get("schemas", {}), "an operation must use ErrorSerializer"
    for path in result.get("paths", {}).values():
        for operation in path.values():
            responses = operation.setdefault("responses", {})
            for code in (401, 403):
                responses.setdefault(
                    str(code),
                    {
                        "description": ERROR_STATUSES[code],
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                    },
                )
    return result
