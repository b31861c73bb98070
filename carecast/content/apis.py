from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from carecast.accounts.models import User
from carecast.content import links, selectors, services
from carecast.content.models import ContentItem, Conversion
from carecast.core.apis import error_responses
from carecast.core.errors import ValidationError
from carecast.core.models import Brand
from carecast.core.timeutil import parse_local_datetime


class ContentItemSerializer(serializers.ModelSerializer[ContentItem]):
    brand: serializers.SlugRelatedField[Brand] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    author = serializers.CharField(source="author.username", read_only=True)
    approved_by = serializers.CharField(source="approved_by.username", read_only=True, allow_null=True)
    publish_at_local = serializers.SerializerMethodField()
    has_image = serializers.SerializerMethodField()

    class Meta:
        model = ContentItem
        fields = [
            "id",
            "brand",
            "author",
            "title",
            "kind",
            "text",
            "reply_to",
            "reply_context",
            "has_image",
            "alt_text",
            "status",
            "publish_at",
            "publish_at_local",
            "revision",
            "approved_revision",
            "approved_by",
            "approved_at",
            "review_comment",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_publish_at_local(self, obj: ContentItem) -> str | None:
        return obj.publish_at.astimezone(obj.organization.tz).isoformat() if obj.publish_at else None

    def get_has_image(self, obj: ContentItem) -> bool:
        return bool(obj.image)


class ContentItemWriteSerializer(serializers.Serializer[Any]):
    brand = serializers.SlugField(help_text="Slug of one of your organisation's brands or facilities.")
    title = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(
        choices=[ContentItem.Kind.POST, ContentItem.Kind.PATIENT_STORY, ContentItem.Kind.REPLY],
        required=False,
        default=ContentItem.Kind.POST,
        help_text="Fixed when the item is made.",
    )
    text = serializers.CharField(max_length=5000)
    reply_to = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        default="",
        help_text="For a reply: the at:// address or https link of the post it answers.",
    )
    reply_context = serializers.CharField(
        max_length=5000,
        required=False,
        allow_blank=True,
        default="",
        help_text="For a reply: what the person wrote (checked against the reply; never published).",
    )
    alt_text = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")
    publish_at = serializers.CharField(
        required=False,
        allow_null=True,
        default=None,
        help_text="ISO 8601 with an offset, or 'YYYY-MM-DD HH:MM' in the organisation's time zone.",
    )


class ContentItemUpdateSerializer(ContentItemWriteSerializer):
    brand = serializers.SlugField(required=False)
    kind = None  # type: ignore[assignment]  # fixed when the item is made


class ScheduleSerializer(serializers.Serializer[Any]):
    publish_at = serializers.CharField(allow_null=True)


def actor_of(request: Request) -> User:
    user = request.user
    assert isinstance(user, User)  # IsAuthenticated ran first
    return user


def _when(user: User, value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = (
            parse_datetime(value) if ("+" in value[10:] or value.endswith("Z") or "-" in value[16:]) else None
        )
    except ValueError as exc:  # well formed but impossible: month 13, 30 February, offset +25:00
        raise ValidationError(
            f"{value!r} is not a date and time ({exc}); use ISO 8601 with an offset or YYYY-MM-DD HH:MM.",
            field="publish_at",
        ) from exc
    if parsed is not None and parsed.tzinfo is not None:
        return parsed
    return parse_local_datetime(value, user.organization.tz)  # type: ignore[union-attr]


@extend_schema_view(retrieve=extend_schema(responses={200: ContentItemSerializer, **error_responses(404)}))
class ContentItemViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[ContentItem]
):
    """Content items of your organisation. Writes go through the same services as the web UI."""

    serializer_class = ContentItemSerializer
    queryset = ContentItem.objects.none()  # for the schema only (typed {id}); reads use get_queryset

    def get_queryset(self) -> Any:
        return selectors.content_items_visible(user=actor_of(self.request)).order_by("-updated_at")

    def get_object(self) -> ContentItem:
        return selectors.access_content_item(user=actor_of(self.request), content_item_id=self.kwargs["pk"])

    def _brand(self, user: User, slug: str) -> Brand:
        try:
            return Brand.objects.get(organization_id=user.tenant_id, slug=slug)
        except Brand.DoesNotExist as exc:
            raise ValidationError("No brand with that slug in your organisation.", field="brand") from exc

    def _out(self, item: ContentItem, status: int = 200) -> Response:
        return Response(ContentItemSerializer(item).data, status=status)

    @extend_schema(
        request=ContentItemWriteSerializer, responses={201: ContentItemSerializer, **error_responses(400)}
    )
    def create(self, request: Request) -> Response:
        data = ContentItemWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        user = actor_of(request)
        item = services.content_item_create(
            actor=user,
            brand=self._brand(user, v["brand"]),
            title=v["title"],
            text=v["text"],
            alt_text=v["alt_text"],
            publish_at=_when(user, v["publish_at"]),
            kind=v["kind"],
            reply_to=v["reply_to"],
            reply_context=v["reply_context"],
        )
        return self._out(item, 201)

    @extend_schema(
        request=ContentItemUpdateSerializer,
        responses={200: ContentItemSerializer, **error_responses(400, 404, 409)},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        item = self.get_object()
        data = ContentItemUpdateSerializer(
            data={
                "brand": item.brand.slug,
                "title": item.title,
                "text": item.text,
                "alt_text": item.alt_text,
                "publish_at": item.publish_at.isoformat() if item.publish_at else None,
                "reply_to": item.reply_to,
                "reply_context": item.reply_context,
                **(request.data if isinstance(request.data, dict) else {}),
            }
        )
        data.is_valid(raise_exception=True)
        v = data.validated_data
        user = actor_of(request)
        item = services.content_item_update(
            actor=user,
            item=item,
            title=v["title"],
            text=v["text"],
            alt_text=v["alt_text"],
            publish_at=_when(user, v["publish_at"]),
            reply_to=v["reply_to"],
            reply_context=v["reply_context"],
        )
        return self._out(item)

    @extend_schema(
        request=ScheduleSerializer, responses={200: ContentItemSerializer, **error_responses(400, 404, 409)}
    )
    @action(detail=True, methods=["post"])
    def schedule(self, request: Request, pk: str) -> Response:
        data = ScheduleSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = actor_of(request)
        return self._out(
            services.content_item_schedule(
                actor=user, item=self.get_object(), publish_at=_when(user, data.validated_data["publish_at"])
            )
        )


class ConversionSerializer(serializers.Serializer[Any]):
    code = serializers.CharField(help_text="The tracked link's short code (the part after /l/).")
    kind = serializers.ChoiceField(choices=Conversion.Kind.choices)
    occurred_on = serializers.DateField()
    count = serializers.IntegerField(default=1, min_value=1)
    external_id = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Your event id; a repeat with the same id is refused.",
    )


class ConversionView(APIView):
    """Server to server: the destination site reports conversions for a tracked link. Counts, no people."""

    @extend_schema(
        request=ConversionSerializer, responses={201: ConversionSerializer, **error_responses(400)}
    )
    def post(self, request: Request) -> Response:
        data = ConversionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        links.conversion_record(actor=actor_of(request), **data.validated_data)
        return Response(data.data, status=201)
