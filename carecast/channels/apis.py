from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from carecast.accounts.models import User
from carecast.accounts.permissions import Action, require
from carecast.channels.models import PublishJob
from carecast.core.apis import error_responses
from carecast.core.errors import NotFound
from carecast.core.models import Brand


class PublishJobSerializer(serializers.ModelSerializer[PublishJob]):
    brand: serializers.SlugRelatedField[Brand] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )

    class Meta:
        model = PublishJob
        fields = [
            "id",
            "content_item",
            "brand",
            "channel",
            "revision",
            "scheduled_for",
            "status",
            "attempt_count",
            "published_at",
            "external_id",
            "external_url",
            "last_error",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


@extend_schema_view(retrieve=extend_schema(responses={200: PublishJobSerializer, **error_responses(404)}))
class PublishJobViewSet(viewsets.ReadOnlyModelViewSet[PublishJob]):
    """Publish jobs of your organisation: when each post goes out, and what happened."""

    serializer_class = PublishJobSerializer
    queryset = PublishJob.objects.none()  # for the schema only (typed {id}); reads use get_queryset

    def get_queryset(self) -> Any:
        user = self.request.user
        assert isinstance(user, User)
        require(user, Action.PUBLISH_JOB_VIEW)
        qs = PublishJob.objects.filter(organization_id=user.tenant_id).select_related("brand")
        status = self.request.query_params.get("status")
        return qs.filter(status=status) if status else qs

    def get_object(self) -> PublishJob:
        try:
            return self.get_queryset().get(pk=self.kwargs["pk"])
        except (PublishJob.DoesNotExist, ValueError) as exc:
            raise NotFound("No such publish job.") from exc
