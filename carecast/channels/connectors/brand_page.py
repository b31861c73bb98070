"""The built-in public channel: each brand's page and Atom feed on carecast itself."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from carecast.channels.connectors.base import BaseConnector, Payload, PublishResult
from carecast.channels.models import BrandPagePost, PublishJob


class BrandPageConnector(BaseConnector):
    name = "brand_page"
    supports_images = True
    supports_alt_text = True
    supports_idempotency = True  # one post per job, enforced by a unique key
    transactional = True
    local = True

    def publish(self, job: PublishJob, payload: Payload) -> PublishResult:
        media = next((m for m in payload.media if m.kind == "image"), None)  # the page shows one image
        post, _ = BrandPagePost.objects.get_or_create(
            job=job,
            defaults={
                "organization_id": job.organization_id,
                "brand_id": job.brand_id,
                "text": payload.text,
                "image": media.path if media else "",
                "alt_text": media.alt_text if media else "",
                "published_at": job.published_at or timezone.now(),
            },
        )
        url = reverse("public:post", kwargs={"brand_slug": job.brand.slug, "post_id": post.pk})
        return PublishResult(external_id=str(post.pk), url=url)
