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
    batched = True
    local = True

    def publish(self, job: PublishJob, payload: Payload) -> PublishResult:
        return self.publish_batch([(job, payload)])[0]

    def lookup(self, job: PublishJob, payload: Payload | None = None) -> PublishResult | None:
        post = BrandPagePost.objects.filter(job=job).first()
        return None if post is None else self._result(job, post)

    def _result(self, job: PublishJob, post: BrandPagePost) -> PublishResult:
        url = reverse("public:post", kwargs={"brand_slug": job.brand.slug, "post_id": post.pk})
        return PublishResult(external_id=str(post.pk), url=url)

    def publish_batch(self, posts: list[tuple[PublishJob, Payload]]) -> list[PublishResult]:
        """One page post per job (a job posted before keeps its post), new ones inserted together."""
        made = {
            post.job_id: post for post in BrandPagePost.objects.filter(job__in=[job.pk for job, _ in posts])
        }
        new = []
        for job, payload in posts:
            if job.pk in made:
                continue
            media = next((m for m in payload.media if m.kind == "image"), None)  # the page shows one image
            made[job.pk] = BrandPagePost(
                job_id=job.pk,
                organization_id=job.organization_id,
                brand_id=job.brand_id,
                text=payload.text,
                image=media.path if media else "",
                alt_text=media.alt_text if media else "",
                published_at=job.published_at or timezone.now(),
            )
            new.append(made[job.pk])
        BrandPagePost.objects.bulk_create(new)  # all or none (one transaction); their ids are read back
        return [self._result(job, made[job.pk]) for job, _ in posts]
