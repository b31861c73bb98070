"""Review actions on content items: submit, approve (signed where the step requires it), reject."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from carecast.compliance import services as review
from carecast.content.apis import ContentItemSerializer, ContentItemViewSet, actor_of
from carecast.core.apis import error_responses


class SignatureFields(serializers.Serializer[Any]):
    password = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        write_only=True,
        help_text="Your password, when the step requires a signature.",
    )
    otp_code = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        write_only=True,
        help_text="Or a current two-factor code.",
    )
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Why you sign (required with a signature)."
    )

    def signature(self) -> review.Signature | None:
        v = self.validated_data
        return review.Signature.entered(reason=v["reason"], password=v["password"], otp_code=v["otp_code"])


class ApproveSerializer(SignatureFields):
    revision = serializers.IntegerField(help_text="The revision you reviewed.")
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class RejectSerializer(serializers.Serializer[Any]):
    comment = serializers.CharField()
    revision = serializers.IntegerField(required=False, help_text="The revision you reviewed.")


class ContentItemReviewViewSet(ContentItemViewSet):
    """Content items of your organisation, with their review actions."""

    @extend_schema(request=None, responses={200: ContentItemSerializer, **error_responses(400, 404, 409)})
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str) -> Response:
        return self._out(review.content_item_submit(actor=actor_of(request), item=self.get_object()))

    @extend_schema(
        request=ApproveSerializer, responses={200: ContentItemSerializer, **error_responses(400, 404, 409)}
    )
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str) -> Response:
        data = ApproveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        return self._out(
            review.content_item_approve(
                actor=actor_of(request),
                item=self.get_object(),
                revision=v["revision"],
                comment=v["comment"],
                signature=data.signature(),
            )
        )

    @extend_schema(
        request=RejectSerializer, responses={200: ContentItemSerializer, **error_responses(400, 404, 409)}
    )
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str) -> Response:
        data = RejectSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        return self._out(
            review.content_item_reject(
                actor=actor_of(request),
                item=self.get_object(),
                comment=v["comment"],
                revision=v.get("revision"),
            )
        )
