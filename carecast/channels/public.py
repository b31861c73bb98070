"""The built-in public channel: a page per brand, a page per post, and an Atom feed."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from carecast.channels.models import BrandPagePost
from carecast.core.models import Brand


def brand_page(request: HttpRequest, brand_slug: str) -> HttpResponse:
    brand = get_object_or_404(Brand.objects.select_related("organization"), slug=brand_slug)
    posts = Paginator(BrandPagePost.objects.filter(brand=brand), 20).get_page(request.GET.get("page"))
    return render(request, "channels/brand_page.html", {"brand": brand, "page": posts})


def post_page(request: HttpRequest, brand_slug: str, post_id: int) -> HttpResponse:
    post = get_object_or_404(
        BrandPagePost.objects.select_related("brand"), brand__slug=brand_slug, pk=post_id
    )
    return render(request, "channels/post_page.html", {"post": post, "brand": post.brand})


def post_image(request: HttpRequest, brand_slug: str, post_id: int) -> FileResponse:
    """Only a published post's image is public; drafts' images are served to their organisation only."""
    post = get_object_or_404(BrandPagePost, brand__slug=brand_slug, pk=post_id)
    if not post.image or not default_storage.exists(post.image):
        raise Http404("This post has no image.")
    return FileResponse(default_storage.open(post.image, "rb"))


class BrandFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest, brand_slug: str) -> Brand:
        return get_object_or_404(Brand, slug=brand_slug)

    def title(self, obj: Brand) -> str:
        return obj.name

    def subtitle(self, obj: Brand) -> str:
        return obj.description or f"News from {obj.name}"

    def link(self, obj: Brand) -> str:
        return reverse("public:brand", kwargs={"brand_slug": obj.slug})

    def items(self, obj: Brand) -> list[BrandPagePost]:
        return list(BrandPagePost.objects.filter(brand=obj)[:50])

    def item_title(self, item: BrandPagePost) -> str:
        first_line = item.text.strip().splitlines()[0] if item.text.strip() else ""
        return first_line[:80] + ("…" if len(first_line) > 80 else "")

    def item_description(self, item: BrandPagePost) -> str:
        return item.text

    def item_link(self, item: BrandPagePost) -> str:
        return reverse("public:post", kwargs={"brand_slug": item.brand.slug, "post_id": item.pk})

    def item_pubdate(self, item: BrandPagePost) -> datetime:
        return item.published_at

    def item_updateddate(self, item: BrandPagePost) -> datetime:
        return item.published_at

    def item_guid(self, item: BrandPagePost) -> str:
        return f"{settings.SITE_URL}/b/{item.brand.slug}/posts/{item.pk}/"
