"""The publishing engine: jobs follow their content item, and each job publishes at most once.

A job is claimed (status `publishing`, committed) before its connector is called, so a second
worker or a repeated task finds nothing to do. Approval is checked again at send time.
"""

from __future__ import annotations

import logging
import re
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from carecast.accounts.models import User
from carecast.accounts.permissions import Action, require
from carecast.channels import audit_actions as actions
from carecast.channels import oauth, profiles
from carecast.channels.connectors.base import (
    ConnectorError,
    DoNotRetry,
    Media,
    OutcomeUnknown,
    Payload,
    PublishResult,
    Reconnect,
    RetryLater,
)
from carecast.channels.connectors.registry import CONNECTORS, get_connector
from carecast.channels.models import (
    AppRateLimit,
    ChannelAccount,
    PostMetric,
    PublishAttempt,
    PublishJob,
    PublishTarget,
    PublishWakeup,
)
from carecast.content import variants
from carecast.content.models import ChannelVariant, ContentItem, ContentItemAsset
from carecast.content.variants import content_item_variants_sync
from carecast.core.audit import Record, audit_append, audit_log, audit_prepare
from carecast.core.bulk import insert_statement, update_statement
from carecast.core.errors import InvalidTransition, PermissionDenied, ValidationError
from carecast.core.models import Organization

log = logging.getLogger(__name__)
Job = PublishJob.Status
Item = ContentItem.Status


def publish_jobs_sync(*, item: ContentItem) -> list[PublishJob]:
    """Make the item's jobs match its state: one job at `publish_at` when scheduled, none otherwise.

    Called by the content services inside their transaction.
    """
    open_jobs = list(
        PublishJob.objects.select_for_update().filter(
            content_item=item, status__in=[Job.SCHEDULED, Job.PAUSED]
        )
    )
    wanted = item.status == Item.SCHEDULED and item.approval_is_current and item.publish_at is not None
    if not wanted:
        _cancel_jobs(open_jobs, item, reason="content item no longer scheduled")
        return []
    assert item.publish_at is not None
    reply = item.kind == ContentItem.Kind.REPLY  # answers one person where they wrote: never the brand page
    destinations: list[tuple[str, ChannelAccount | None]] = ([] if reply else [("brand_page", None)]) + [
        (target.account.network, target.account)
        for target in PublishTarget.objects.filter(item=item).select_related("account")
    ]
    if reply and not destinations:
        raise ValidationError(
            "A public reply goes out on the network where the person wrote: choose that channel "
            "(one that takes replies, such as Bluesky) before scheduling it.",
            field="account",
        )
    existing = {(job.channel, job.account_id): job for job in open_jobs}
    jobs = []
    for channel, account in destinations:
        key = (channel, account.pk if account else None)
        found: PublishJob | None = existing.pop(key) if key in existing else None
        if found is None:
            job = PublishJob.objects.create(
                organization=item.organization,
                content_item=item,
                brand=item.brand,
                channel=channel,
                account=account,
                revision=item.revision,
                scheduled_for=item.publish_at,
                round_at=item.publish_at,
            )
            audit_log(
                action=actions.JOB_CREATE,
                obj=job,
                organization=item.organization,
                after={"scheduled_for": job.scheduled_for, "channel": job.channel, "revision": job.revision},
            )
            publish_wakeup_schedule(job.scheduled_for)
        else:
            job = found
        if found is not None and (job.scheduled_for != item.publish_at or job.revision != item.revision):
            before = {"scheduled_for": job.scheduled_for, "revision": job.revision}
            job.scheduled_for, job.round_at, job.revision = item.publish_at, item.publish_at, item.revision
            job.prepared_by = ""  # a dispatcher that loaded it for the old time lets it go
            job.save(update_fields=["scheduled_for", "round_at", "revision", "prepared_by", "updated_at"])
            audit_log(
                action=actions.JOB_RESCHEDULE,
                obj=job,
                organization=item.organization,
                before=before,
                after={"scheduled_for": job.scheduled_for, "revision": job.revision},
            )
            publish_wakeup_schedule(job.scheduled_for)
        jobs.append(job)
    _cancel_jobs(existing.values(), item, reason="channel no longer chosen")
    return jobs


def _cancel_jobs(jobs: Iterable[PublishJob], item: ContentItem, *, reason: str) -> None:
    for job in jobs:
        job.status = Job.CANCELLED
        job.save(update_fields=["status", "updated_at"])
        audit_log(
            action=actions.JOB_CANCEL,
            obj=job,
            organization=item.organization,
            after={"status": job.status},
            reason=reason,
        )


def publish_target_set(*, actor: User, item: ContentItem, accounts: list[ChannelAccount]) -> ContentItem:
    """Choose the channels an item goes to besides its brand page. A scheduled item's jobs follow."""
    require(actor, Action.CONTENT_SCHEDULE, item.organization)
    if any(a.organization_id != item.organization_id for a in accounts):
        raise PermissionDenied("That channel belongs to another organisation.")
    for account in accounts:
        if item.kind == ContentItem.Kind.REPLY and not CONNECTORS[account.network].supports_replies:
            raise ValidationError(f"{account.name}: this channel cannot post replies.", field="account")
        # Other posts get a version fitted to each channel; a reply goes as it is written.
        too_big = item.kind == ContentItem.Kind.REPLY and profiles.problems(
            item.text, account.network, images=1 if item.image else 0
        )
        if too_big:
            raise ValidationError(f"{account.name}: {too_big[0]}", field="account")
    with transaction.atomic():
        before = sorted(PublishTarget.objects.filter(item=item).values_list("account_id", flat=True))
        PublishTarget.objects.filter(item=item).exclude(account__in=accounts).delete()
        for account in accounts:
            PublishTarget.objects.get_or_create(item=item, account=account)
        audit_log(
            action=actions.TARGETS_SET,
            actor=actor,
            obj=item,
            organization=item.organization,
            before={"accounts": before},
            after={"accounts": sorted(a.pk for a in accounts)},
        )
        locked = ContentItem.objects.select_for_update().get(pk=item.pk)
        content_item_variants_sync(actor=actor, item=locked)
        publish_jobs_sync(item=locked)
    return item


def channel_account_create(
    *,
    actor: User,
    brand: Any,
    network: str,
    name: str,
    endpoint: str = "",
    secret: str = "",
    handle: str = "",
) -> ChannelAccount:
    """Connect a place to publish to. Networks with a sign-in (Bluesky) are asked first, so a wrong
    handle or password is refused here, not at publishing time."""
    require(actor, Action.ORG_MANAGE, brand.organization)
    if network not in ChannelAccount.Network.values:
        raise ValidationError("Unknown network.", field="network")
    if network == ChannelAccount.Network.BLUESKY:
        endpoint = endpoint.strip() or "https://bsky.social"
    if not (
        endpoint.startswith("https://")
        or endpoint.startswith("http://127.0.0.1")
        or endpoint.startswith("http://localhost")
    ) and (endpoint or network == ChannelAccount.Network.WEBHOOK):
        raise ValidationError("The address must start with https://.", field="endpoint")
    if network == ChannelAccount.Network.BLUESKY and not handle.strip():
        raise ValidationError("Give the Bluesky handle (for example clinic.bsky.social).", field="handle")
    if network == ChannelAccount.Network.MASTODON and not endpoint.strip():
        raise ValidationError(
            "Give the server's address (for example https://mastodon.social).", field="endpoint"
        )
    if network == ChannelAccount.Network.SMS:
        endpoint = endpoint.strip() or "https://api.twilio.com"
        if ":" not in secret or not re.match(r"^\+[1-9]\d{7,14}$", handle.strip()):
            raise ValidationError(
                "Give the sending number (+1...) and the account SID and auth token as SID:TOKEN.",
                field="secret",
            )
    if network == ChannelAccount.Network.NEWSLETTER:
        try:
            validate_email(handle.strip())
        except DjangoValidationError as exc:
            raise ValidationError("Give the address newsletters come from.", field="handle") from exc
        secret = secret or "-"  # sent through the site's own mail server: no key of its own
    if not name.strip() or not secret.strip():
        raise ValidationError("Give the channel a name and its key or app password.", field="secret")
    account = ChannelAccount(
        organization=brand.organization,
        brand=brand,
        network=network,
        name=name.strip(),
        endpoint=endpoint.strip(),
        handle=handle.strip().lstrip("@"),
        secret=secret.strip(),
    )
    _check_with_network(account)
    with transaction.atomic():
        account.save()
        audit_log(
            action=actions.ACCOUNT_CONNECT,
            actor=actor,
            obj=account,
            after={
                "network": network,
                "name": account.name,
                "endpoint": account.endpoint,
                "handle": account.handle,
            },
        )
    return account


def _check_with_network(account: ChannelAccount) -> None:
    try:
        get_connector(account.network).connect(account)
    except ConnectorError as exc:
        raise ValidationError(
            f"{account.get_network_display()} did not accept it: {exc}.", field="secret"
        ) from exc


def channel_account_reconnect(*, actor: User, account: ChannelAccount, secret: str) -> ChannelAccount:
    """Give an account a new key or app password after the network refused the old one. Its failed
    posts are not sent again by themselves: their owners retry them."""
    require(actor, Action.ORG_MANAGE, account.organization)
    if not secret.strip():
        raise ValidationError("Give the new key or app password.", field="secret")
    account.secret, account.session = secret.strip(), ""
    _check_with_network(account)
    with transaction.atomic():
        account.status, account.status_message = ChannelAccount.Status.CONNECTED, ""
        account.save(
            update_fields=[
                "secret",
                "session",
                "external_id",
                "handle",
                "status",
                "status_message",
                "updated_at",
            ]
        )
        audit_log(
            action=actions.ACCOUNT_RECONNECT, actor=actor, obj=account, after={"status": account.status}
        )
    return account


def channel_account_oauth_connect(
    *, actor: User, brand: Any, network: str, grant: oauth.Grant, name: str = "", handle: str = ""
) -> ChannelAccount:
    """Connect an account that signs in with OAuth: trade the network's code for tokens and keep them
    encrypted (access token in `secret`, refresh token, expiry). Nothing is saved if the network
    refuses."""
    require(actor, Action.ORG_MANAGE, brand.organization)
    if network not in oauth.PROVIDERS:
        raise ValidationError("That network does not sign in with OAuth.", field="network")
    account = ChannelAccount(
        organization=brand.organization,
        brand=brand,
        network=network,
        name=name.strip()[:120] or ChannelAccount.Network(network).label,
        handle=handle.strip(),  # which Page, organisation or location, when the person manages several
    )
    _oauth_tokens_take(account, network, grant)
    with transaction.atomic():
        account.save()
        audit_log(
            action=actions.ACCOUNT_CONNECT,
            actor=actor,
            obj=account,
            after={
                "network": network,
                "name": account.name,
                "handle": account.handle,
                "token_expires_at": account.token_expires_at,
            },
        )
    return account


def channel_account_oauth_reconnect(
    *, actor: User, account: ChannelAccount, grant: oauth.Grant
) -> ChannelAccount:
    """Sign an OAuth account in again (its token was revoked, or it asked for a reconnect): new tokens
    replace the old ones and the account is connected again. Failed posts are retried by their owners."""
    require(actor, Action.ORG_MANAGE, account.organization)
    if account.network not in oauth.PROVIDERS:
        raise ValidationError("That account does not sign in with OAuth.", field="network")
    _oauth_tokens_take(account, account.network, grant)
    with transaction.atomic():
        account.status, account.status_message = ChannelAccount.Status.CONNECTED, ""
        account.save(
            update_fields=[
                "secret",
                "refresh_token",
                "token_expires_at",
                "session",
                "external_id",
                "handle",
                "status",
                "status_message",
                "updated_at",
            ]
        )
        audit_log(
            action=actions.ACCOUNT_RECONNECT,
            actor=actor,
            obj=account,
            after={"status": account.status, "token_expires_at": account.token_expires_at},
        )
    return account


def _oauth_tokens_take(account: ChannelAccount, network: str, grant: oauth.Grant) -> None:
    try:
        tokens = oauth.exchange_code(network, grant)
    except oauth.OAuthProblem as exc:
        raise ValidationError(str(exc), field="network") from exc
    account.secret, account.refresh_token = tokens.access_token, tokens.refresh_token
    account.token_expires_at, account.session = tokens.expires_at, ""
    if account.network in CONNECTORS:  # its connector reads the account's id and name on the network
        _check_with_network(account)


def _account_needs_reconnect(account: ChannelAccount, message: str) -> None:
    changed = ChannelAccount.objects.filter(pk=account.pk, status=ChannelAccount.Status.CONNECTED).update(
        status=ChannelAccount.Status.NEEDS_RECONNECT, status_message=message[:300], updated_at=timezone.now()
    )
    if changed:
        audit_log(
            action=actions.ACCOUNT_NEEDS_RECONNECT,
            obj=account,
            after={"status": ChannelAccount.Status.NEEDS_RECONNECT},
            reason=message,
        )


def _account_rate_limited(account: ChannelAccount, until: Any) -> None:
    changed = (
        ChannelAccount.objects.filter(pk=account.pk)
        .exclude(rate_limited_until__gte=until)
        .update(rate_limited_until=until)
    )
    if changed:
        audit_log(action=actions.ACCOUNT_RATE_LIMITED, obj=account, after={"until": until})


def _app_limits() -> dict[str, Any]:
    """Networks that asked carecast as a whole to wait, and until when."""
    return dict(AppRateLimit.objects.filter(until__gt=timezone.now()).values_list("network", "until"))


def _app_rate_limited(network: str, until: Any, reason: str) -> None:
    with transaction.atomic():
        limit, created = AppRateLimit.objects.select_for_update().get_or_create(
            network=network, defaults={"until": until, "reason": reason[:300]}
        )
        if not created and limit.until >= until:
            return
        limit.until, limit.reason = until, reason[:300]
        limit.save(update_fields=["until", "reason"])
        audit_log(action=actions.APP_RATE_LIMITED, obj=limit, after={"network": network, "until": until})


def _claim(job_id: int) -> tuple[PublishJob, PublishAttempt] | None:
    claimed = _claim_batch([(PublishJob.objects.filter(pk=job_id), 1)])
    return claimed[0] if claimed else None


def _claim_batch(portions: list[tuple[Any, int]]) -> list[tuple[PublishJob, PublishAttempt]]:
    """Mark due, scheduled jobs publishing (up to `limit` of each `(jobs, limit)` portion) in one
    transaction that commits before any network call, and start an attempt for each (saved when it
    ends, with its outcome). Rows another worker holds are skipped."""
    now = timezone.now()
    with transaction.atomic():
        ids = [
            pk
            for jobs, limit in portions
            for pk in jobs.select_for_update(skip_locked=True)
            .filter(status=Job.SCHEDULED, scheduled_for__lte=now)
            .order_by("scheduled_for", "pk")
            .values_list("pk", flat=True)[:limit]
        ]
        if not ids:
            return []
        PublishJob.objects.filter(pk__in=ids).update(
            status=Job.PUBLISHING, attempt_count=F("attempt_count") + 1, prepared_by="", updated_at=now
        )
    # Committed: these jobs are this worker's now. They are read outside the transaction so the
    # database's write lock (one writer at a time on SQLite) is held only for the claim itself.
    claimed = _load(ids)
    # Attempt rows are written when each attempt ends (with its outcome), all of a batch together.
    attempts = [PublishAttempt(job_id=job.pk, started_at=now) for job in claimed]
    return list(zip(claimed, attempts, strict=True))


def _load(ids: Iterable[int]) -> list[PublishJob]:
    """Jobs with what sending them reads: item, account, organisation, channel versions, media."""
    jobs = list(
        PublishJob.objects.filter(pk__in=list(ids))
        .select_related("account", "content_item", "brand")
        .order_by("pk")
    )
    orgs = Organization.objects.in_bulk({job.organization_id for job in jobs})
    versions, assets = _published_with({job.content_item_id for job in jobs})
    for job in jobs:
        item = job.content_item
        item.organization = orgs[item.organization_id]  # one object per organisation
        variants.remember_versions(item, versions.get(item.pk, []))
        item.__dict__["_assets"] = assets.get(item.pk, [])
    return jobs


def _published_with(item_ids: set[int]) -> tuple[dict[int, list[Any]], dict[int, list[Any]]]:
    """The channel versions and library assets of a batch's items, two queries for the whole batch
    (Django's prefetch builds a query set per item, which costs more than the send itself)."""
    versions: dict[int, list[Any]] = {}
    for version in ChannelVariant.objects.filter(item_id__in=item_ids):
        versions.setdefault(version.item_id, []).append(version)
    assets: dict[int, list[Any]] = {}
    for link in ContentItemAsset.objects.filter(item_id__in=item_ids).select_related("asset"):
        assets.setdefault(link.item_id, []).append(link.asset)
    return versions, assets


def _send_time_problem(job: PublishJob, item: ContentItem) -> str:
    if item.status != Item.SCHEDULED:
        return f"the content item is {item.get_status_display().lower()}, not scheduled"
    if item.approved_revision != item.revision or item.revision != job.revision:
        return "the content changed after it was approved; it needs a new approval"
    if not item.approval_is_current:
        return "its approval expired; submit it for review again"
    from carecast.compliance.checks import publish_blockers  # the compliance gate, checked at send time

    blockers = publish_blockers(item)
    return blockers[0] if blockers else ""


MAX_ATTEMPTS = 5
OPEN_STATES = (Job.SCHEDULED, Job.PUBLISHING, Job.UNCONFIRMED, Job.PAUSED)


def _backoff(attempts: int, retry_after: float | None) -> timedelta:
    """1, 2, 4, 8 minutes… (at most an hour), or what the network asked for if that is longer."""
    seconds = min(60 * 2 ** max(attempts - 1, 0), 3600)
    return timedelta(seconds=max(seconds, retry_after or 0))


def publish_job_run(*, job_id: int) -> PublishJob | None:
    """Publish one due job. Returns the job, or None when there was nothing to do (not due, or taken).

    The job is `publishing` (committed) before the connector is called. A call that may have
    reached the network and gave no clear answer leaves the job `unconfirmed` for the reconciler;
    only failures that certainly posted nothing are retried.
    """
    claimed = _claim(job_id)
    if claimed is None:
        return None
    job, attempt = claimed
    item = ContentItem.objects.select_related("organization").get(pk=job.content_item_id)
    return _send(job, attempt, item)


def _send(
    job: PublishJob,
    attempt: PublishAttempt,
    item: ContentItem,
    *,
    done: list[tuple[PublishJob, PublishAttempt, ContentItem, PublishResult]] | None = None,
    app_limits: dict[str, Any] | None = None,
    together: list[tuple[PublishJob, PublishAttempt, ContentItem, Payload]] | None = None,
) -> PublishJob:
    """Check a claimed job once more and call its network. A success is recorded at once, or, when
    `done` is given, appended there for the caller to record with the rest of its batch. A post to a
    batched connector goes to `together` when given, to be posted with the rest of its batch."""
    try:
        connector = get_connector(job.channel)
    except LookupError:
        return _settle(job, attempt, item, Job.FAILED, f"carecast cannot post to {job.channel} yet.")
    if item.organization.publishing_paused_at is not None:
        return _settle(job, attempt, item, Job.PAUSED, "Publishing is paused for the whole organisation.")
    problem = _send_time_problem(job, item)
    if problem:
        return _settle(job, attempt, item, Job.CANCELLED, f"Not published: {problem}.")
    payload = job.__dict__.pop("_payload", None) or _payload(item, job.channel)
    images = sum(1 for m in payload.media if m.kind == "image")
    too_big = variants.problems(payload.text, payload.thread, job.channel, images=images)
    if too_big:
        return _settle(job, attempt, item, Job.FAILED, f"{too_big[0]} Shorten it, then retry.")
    account = job.account
    if account is not None and account.status == ChannelAccount.Status.NEEDS_RECONNECT:
        return _settle(
            job,
            attempt,
            item,
            Job.FAILED,
            f"The account {account.name} needs reconnecting ({account.status_message or 'refused'}). "
            "Reconnect it in Settings, then retry.",
        )
    if account is not None and account.rate_limited_until and account.rate_limited_until > timezone.now():
        wait = account.rate_limited_until - timezone.now()
        return _retry(job, attempt, item, "waiting for the network's rate limit", wait, counts=False)
    app_until = (app_limits if app_limits is not None else _app_limits()).get(job.channel)
    if app_until is not None and app_until > timezone.now():
        wait = app_until - timezone.now()
        return _retry(job, attempt, item, "waiting for the network's limit on carecast", wait, counts=False)
    try:
        if connector.batched and together is not None:
            together.append((job, attempt, item, payload))  # posted with the rest of its batch
            return job
        result = connector.publish(job, payload)
    except RetryLater as exc:
        if exc.scope == "app" and exc.retry_after:
            _app_rate_limited(job.channel, timezone.now() + timedelta(seconds=exc.retry_after), str(exc))
        elif account is not None and exc.retry_after:
            _account_rate_limited(account, timezone.now() + timedelta(seconds=exc.retry_after))
        if job.attempt_count >= MAX_ATTEMPTS:
            return _settle(
                job,
                attempt,
                item,
                Job.FAILED,
                f"The network kept refusing for now ({exc}); tried {job.attempt_count} times.",
            )
        return _retry(job, attempt, item, str(exc), _backoff(job.attempt_count, exc.retry_after))
    except Reconnect as exc:
        if account is not None:
            _account_needs_reconnect(account, str(exc))
        return _settle(
            job,
            attempt,
            item,
            Job.FAILED,
            f"The account needs reconnecting: {exc}. Reconnect it in Settings, then retry.",
        )
    except DoNotRetry as exc:
        return _settle(
            job, attempt, item, Job.FAILED, f"The network refused the post: {exc}. Change it and retry."
        )
    except Exception as exc:  # a timeout or lost answer: the post may exist
        reason = str(exc) if isinstance(exc, OutcomeUnknown) else f"{exc.__class__.__name__} during the call"
        return _settle(
            job,
            attempt,
            item,
            Job.UNCONFIRMED,
            f"We do not know whether it was posted ({reason}); checking with the network.",
        )
    job.published_at = timezone.now()
    if done is not None:
        done.append((job, attempt, item, result))
        return job
    return _published(job, attempt, item, result)


def _media(item: ContentItem) -> tuple[Media, ...]:
    """The item's own image, then the library images and videos attached to it, in their order."""
    media = [Media(path=item.image.name or "", alt_text=item.alt_text)] if item.image else []
    kept = item.__dict__.get("_assets")  # read for the whole batch when it was claimed
    attached = kept if kept is not None else [link.asset for link in item.asset_links.select_related("asset")]
    media += [Media(path=a.file.name or "", alt_text=a.alt_text, kind=a.kind) for a in attached]
    return tuple(media)


def _payload(item: ContentItem, network: str = "") -> Payload:
    """What goes to `network`: the item's version for it (a person's, or the automatic one), else the
    master text (a reply, or an item from before channel versions)."""
    variant = variants.for_network(item, network) if network else None
    if variant is None:
        return Payload(text=item.text, media=_media(item), reply_to=item.reply_to)
    return Payload(
        text=variant.text, thread=tuple(variant.thread), media=_media(item), reply_to=item.reply_to
    )


def _published(
    job: PublishJob, attempt: PublishAttempt, item: ContentItem, result: PublishResult
) -> PublishJob:
    _published_many([(job, attempt, item, result)])
    return job


def _published_many(done: list[tuple[PublishJob, PublishAttempt, ContentItem, PublishResult]]) -> None:
    """Record posts the networks accepted: jobs, attempts, their items and the audit log, together.
    What needs no database (the rows' new values, the audit entries' contents) is worked out before
    the transaction, which on SQLite holds the only write lock the other worker waits for."""
    if not done:
        return
    now = timezone.now()
    entries = []
    for job, attempt, item, result in done:
        job.status = Job.PUBLISHED
        job.published_at = job.published_at or now
        job.external_id, job.external_url = result.external_id, result.url
        job.last_error, job.updated_at = "", now
        attempt.finished_at, attempt.outcome = now, "published"
        entries.append(
            Record(
                action=actions.JOB_PUBLISHED,
                obj=job,
                organization=item.organization,
                before={"status": Job.PUBLISHING},
                after={
                    "status": job.status,
                    "external_id": job.external_id,
                    "lateness_seconds": (job.published_at - job.scheduled_for).total_seconds(),
                },
            )
        )
    jobs = update_statement(
        PublishJob,
        ["status", "published_at", "external_id", "external_url", "last_error", "updated_at"],
        [job for job, *_ in done],
    )
    attempts = insert_statement(PublishAttempt, [attempt for _, attempt, *_ in done])
    prepared = audit_prepare(entries)
    with transaction.atomic():
        jobs.run()
        attempts.run()
        _settle_items({item.pk for _, _, item, _ in done})
        audit_append(prepared)
    # One line per batch (every line goes through the PHI filter); each job's line is at debug level.
    log.info("published %s jobs on %s", len(done), ", ".join(sorted({job.channel for job, *_ in done})))
    if log.isEnabledFor(logging.DEBUG):
        for job, *_ in done:
            log.debug("published job %s on %s", job.pk, job.channel, extra={"job_id": job.pk})


def _settle_items(item_ids: Iterable[int]) -> None:
    """When the last channel of an item's round is done, the item is published, or failed if any
    channel failed (its page says which and why). Until then its other channels carry on."""
    round_jobs = PublishJob.objects.filter(content_item=OuterRef("pk"), round_at=OuterRef("publish_at"))
    failed = Exists(round_jobs.filter(status=Job.FAILED))
    done = ContentItem.objects.filter(pk__in=list(item_ids)).exclude(
        Exists(round_jobs.filter(status__in=OPEN_STATES))
    )
    repeating = list(done.filter(repeat_every_days__gt=0).exclude(failed).values_list("pk", flat=True))
    now = timezone.now()
    done.filter(failed).update(status=Item.FAILED, updated_at=now)
    done.exclude(failed).update(status=Item.PUBLISHED, updated_at=now)
    for pk in repeating:
        _schedule_next_occurrence(pk)


def _schedule_next_occurrence(item_id: int) -> None:
    """A repeating item goes back on schedule for its next time, under the same (still valid) approval."""
    from carecast.content import audit_actions as content_actions
    from carecast.content.services import next_occurrence

    item = ContentItem.objects.select_for_update().select_related("organization").get(pk=item_id)
    when = next_occurrence(item)
    if (
        when is None
        or not item.approval_is_current
        or (item.approval_expires_at and when > item.approval_expires_at)
    ):
        return
    item.publish_at, item.status = when, Item.SCHEDULED
    item.save(update_fields=["publish_at", "status", "updated_at"])
    audit_log(
        action=content_actions.CONTENT_NEXT,
        obj=item,
        organization=item.organization,
        after={"publish_at": when},
    )
    publish_jobs_sync(item=item)


_SETTLE_ACTIONS: dict[str, str] = {
    Job.CANCELLED: actions.JOB_CANCEL,
    Job.FAILED: actions.JOB_FAILED,
    Job.UNCONFIRMED: actions.JOB_UNCONFIRMED,
    Job.PAUSED: actions.JOB_PAUSE,
}


def _settle(
    job: PublishJob, attempt: PublishAttempt, item: ContentItem, status: str, message: str
) -> PublishJob:
    """End an attempt without a post; the message is what the owner reads."""
    with transaction.atomic():
        job.status, job.last_error, job.published_at = status, message, None
        job.save(update_fields=["status", "last_error", "published_at", "updated_at"])
        attempt.finished_at, attempt.outcome, attempt.error = timezone.now(), status, message
        attempt.save()
        if status == Job.FAILED:
            _settle_items([item.pk])
        audit_log(
            action=_SETTLE_ACTIONS[status],
            obj=job,
            organization=item.organization,
            after={"status": status},
            reason=message,
        )
    log.warning("publish job %s ended %s", job.pk, status, extra={"job_id": job.pk})
    return job


def _retry(
    job: PublishJob,
    attempt: PublishAttempt,
    item: ContentItem,
    error: str,
    wait: timedelta,
    *,
    counts: bool = True,
) -> PublishJob:
    """Back to `scheduled` for later (nothing was posted). A wait that is not a try (an account's
    rate limit) does not count towards the limit of tries."""
    with transaction.atomic():
        job.status, job.scheduled_for = Job.SCHEDULED, timezone.now() + wait
        job.last_error = f"Will try again at {job.scheduled_for:%H:%M} UTC: {error}"
        if not counts:
            job.attempt_count = max(job.attempt_count - 1, 0)
        job.save(update_fields=["status", "scheduled_for", "last_error", "attempt_count", "updated_at"])
        attempt.finished_at, attempt.outcome, attempt.error = timezone.now(), "retry", error
        attempt.save()
        audit_log(
            action=actions.JOB_RETRY,
            obj=job,
            organization=item.organization,
            after={"scheduled_for": job.scheduled_for, "attempts": job.attempt_count},
            reason=error,
        )
        publish_wakeup_schedule(job.scheduled_for)
    return job


def publish_jobs_reconcile() -> int:
    """Settle jobs whose outcome is unknown by reading back from the network: a post that exists is
    recorded as published (never posted again); one that does not is scheduled again."""

    settled = 0
    for job in PublishJob.objects.filter(status=Job.UNCONFIRMED).select_related(
        "content_item__organization", "account"
    ):
        connector = get_connector(job.channel)
        try:
            found = connector.lookup(job, _payload(job.content_item, job.channel))
        except NotImplementedError:
            continue  # a person must check this network by hand
        except Exception:
            log.warning("could not read back job %s", job.pk, extra={"job_id": job.pk})
            continue
        attempt = PublishAttempt(job=job, started_at=timezone.now())  # written with its outcome
        if found is not None:
            _published(job, attempt, job.content_item, found)
        else:
            _retry(
                job, attempt, job.content_item, "the network has no such post; posting again", timedelta(0)
            )
        settled += 1
    return settled


DISPATCH_BATCH = 1000  # local jobs (brand page) claimed together: enough to share the costs
NETWORK_BATCH = 20  # a network's jobs claimed together: a crash strands at most these (read back later)
# Huey's scheduler moves a due task to the queue once a second and an idle worker looks every half
# second: a dispatcher is queued this much early and then waits for the exact moment.
WAKE_EARLY = timedelta(seconds=2)
# A second this many jobs ask for also gets a dispatcher this much earlier: loading thousands of jobs
# before their moment takes seconds, and then at the moment only the sending is left.
BUSY_SECOND = DISPATCH_BATCH
WAKE_EARLY_BUSY = timedelta(seconds=10)
PREPARE_GUESS = 0.3  # seconds a batch takes to prepare, until one has been timed
PREPARE_MARGIN = 0.05


def publish_due_jobs(*, limit: int = 5000) -> int:
    """The safety net behind the dispatchers: settle what a crash left behind, then publish whatever is
    due (up to `limit`). Returns the number of jobs claimed."""
    _settle_stuck_jobs()
    publish_jobs_reconcile()
    PublishWakeup.objects.filter(at__lt=timezone.now() - timedelta(minutes=5)).delete()  # lost tasks
    total = 0
    while total < limit:
        claimed = publish_due_batch(limit=min(DISPATCH_BATCH, limit - total))
        total += claimed
        if claimed == 0:
            break
    return total


def _local(channel: str) -> bool:
    """Posts that stay on this machine: claimed by the thousand (a network's by the twenty)."""
    connector = CONNECTORS.get(channel)
    return connector is not None and connector.local


def publish_due_batch(*, limit: int = DISPATCH_BATCH, on_full: Any = None) -> int:
    """Claim up to `limit` due jobs at once, send each, and record the successes together. `on_full`
    is called when the batch was full (more may be waiting), before sending, so another worker can
    join in. Returns the number of jobs claimed."""
    local = [name for name in CONNECTORS if _local(name)]
    network_limit = max(1, min(limit, NETWORK_BATCH))
    claimed = _claim_batch(
        [
            (PublishJob.objects.filter(channel__in=local), limit),
            (PublishJob.objects.exclude(channel__in=local), network_limit),
        ]
    )
    if not claimed:
        return 0
    local_claimed = sum(1 for job, _ in claimed if job.channel in local)
    if on_full is not None and (local_claimed == limit or len(claimed) - local_claimed == network_limit):
        on_full()  # a portion came back full: more is waiting, so another worker joins in
    _send_claimed(claimed)
    return len(claimed)


Sent = list[tuple[PublishJob, PublishAttempt, ContentItem, PublishResult]]
Held = list[tuple[PublishJob, PublishAttempt, ContentItem, Payload]]


def _send_claimed(claimed: list[tuple[PublishJob, PublishAttempt]], sent: Sent | None = None) -> None:
    """Send each claimed job and record the successes together, or leave them in `sent` for the
    caller to record later with others."""
    done: Sent = [] if sent is None else sent
    together: Held = []
    limits = _app_limits()
    try:
        for job, attempt in claimed:
            _send(job, attempt, job.content_item, done=done, app_limits=limits, together=together)
            if job.status == Job.SCHEDULED and job.channel not in limits:
                limits = _app_limits()  # a network may just have limited the app: the rest of the batch waits
    finally:
        try:
            _publish_together(together, done)
        finally:
            if sent is None:
                _published_many(done)  # what the networks accepted is recorded even if a later send raised


def _publish_together(held: Held, done: Sent) -> None:
    """Posts to a batched connector (the brand page) go out in one call per channel, and the
    successes join `done`. A call that raised may have posted: its jobs are read back (unconfirmed)."""
    for channel in sorted({job.channel for job, *_ in held}):
        mine = [
            (job, attempt, item, payload) for job, attempt, item, payload in held if job.channel == channel
        ]
        now = timezone.now()
        for job, *_ in mine:
            job.published_at = now
        try:
            results = get_connector(channel).publish_batch([(job, payload) for job, _, _, payload in mine])
        except Exception as exc:
            for job, attempt, item, _ in mine:
                message = f"We do not know whether it was posted ({exc.__class__.__name__} during the call)"
                _settle(job, attempt, item, Job.UNCONFIRMED, f"{message}; checking.")
            continue
        done += [
            (job, attempt, item, result)
            for (job, attempt, item, _), result in zip(mine, results, strict=True)
        ]


def publish_wakeup_schedule(when: Any) -> None:
    """Make sure a dispatcher runs when `when` comes: one task per second of due time, however many
    jobs share it (10,000 posts at 9:00 make one task, not 10,000)."""
    from carecast.channels.tasks import publish_dispatch_task

    at = when.replace(microsecond=0) + (timedelta(seconds=1) if when.microsecond else timedelta(0))
    with transaction.atomic():
        wakeup, created = PublishWakeup.objects.get_or_create(at=at)
        if not created:
            PublishWakeup.objects.filter(pk=wakeup.pk).update(jobs=F("jobs") + 1)
    if created:
        publish_dispatch_task.using(run_after=at - WAKE_EARLY).enqueue(at.isoformat())
    elif wakeup.jobs + 1 == BUSY_SECOND:  # enough to take seconds to load: start loading them sooner
        publish_dispatch_task.using(run_after=at - WAKE_EARLY_BUSY).enqueue(at.isoformat())


def publish_dispatch(*, at: Any = None, on_full: Any = None, wait: bool = True) -> int:
    """Publish what is due, batch after batch, until a batch comes back short. Given `at`, first
    take care of the jobs due up to that second: load them ahead while there is time, and send each
    as its moment comes (the task starts early because the queue's scheduler only looks once a
    second, and much earlier for a busy second)."""
    total = 0
    if at is not None:
        if wait:
            if on_full is not None:
                busy = PublishJob.objects.filter(status=Job.SCHEDULED, scheduled_for__lte=at)[
                    : DISPATCH_BATCH + 1
                ]
                if busy.count() > DISPATCH_BATCH:
                    on_full()  # more than one batch falls due: a second worker prepares and waits too
            sent, finished = _dispatch_second(at, on_full)
            total += sent
            if not finished:
                return total
        PublishWakeup.objects.filter(at=at).delete()  # a job for this second made from now on queues anew
    while True:
        claimed = publish_due_batch(on_full=on_full)
        total += claimed
        if claimed == 0:
            return total


@dataclass
class _Prepared:
    """Jobs one dispatcher reserved and loaded before their time. The reservation marks each row with
    the dispatcher's token (so another dispatcher prepares other jobs) and the reservation's time as
    `updated_at`; any later change to a row (a reschedule, a cancellation) replaces that time, and the
    row is then not sent from here. Once due, a prepared job is still anyone's to claim: a dispatcher
    done with its own batches takes over the rest of a slower one's, and nothing waits on one that
    stopped."""

    token: str
    stamp: Any
    jobs: list[PublishJob]  # not yet sent, by due time


def _dispatch_second(at: Any, on_full: Any) -> tuple[int, bool]:
    """Until `at`: publish what falls due, and meanwhile reserve and load the jobs due by `at`, a
    batch at a time while the next one's moment is far enough away. Returns the jobs claimed, and
    False if the task came far too early (clocks differ) and was queued again."""
    token = secrets.token_hex(8)
    ahead: list[_Prepared] = []
    total = 0
    took = PREPARE_GUESS
    try:
        while True:
            total += _publish_prepared(ahead)
            total += publish_due_batch(on_full=on_full)
            now = timezone.now()
            if now >= at and not ahead:
                return total, True
            coming = PublishJob.objects.filter(
                status=Job.SCHEDULED, scheduled_for__gt=now, scheduled_for__lte=at
            )
            # the next moment anything is due, prepared here, elsewhere (to help with) or not at all
            upcoming = coming.order_by("scheduled_for").values_list("scheduled_for", flat=True).first()
            next_due = min([batch.jobs[0].scheduled_for for batch in ahead] + [upcoming or at])
            unprepared = upcoming is not None and coming.filter(prepared_by="").exists()
            if unprepared and (next_due - now).total_seconds() > took + PREPARE_MARGIN:
                started = time.monotonic()
                batch = _prepare_batch(at, token, on_full)
                if batch is not None:
                    ahead.append(batch)
                    took = time.monotonic() - started
                    continue
            pause = (next_due - timezone.now()).total_seconds()
            if pause > WAKE_EARLY_BUSY.total_seconds() + 1 and not ahead:  # far too early: queue again
                PublishWakeup.objects.filter(at=at).delete()
                publish_wakeup_schedule(at)
                return total, False
            time.sleep(max(pause, 0))
    finally:  # what was not sent from here (changed, or this dispatcher stopped) is anyone's again
        PublishJob.objects.filter(prepared_by=token).update(prepared_by="")


def _prepare_batch(at: Any, token: str, on_full: Any) -> _Prepared | None:
    """Reserve the next batch of jobs due by `at` that no dispatcher has prepared, and load them."""
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            PublishJob.objects.select_for_update(skip_locked=True)
            .filter(status=Job.SCHEDULED, scheduled_for__gt=now, scheduled_for__lte=at, prepared_by="")
            .order_by("scheduled_for", "pk")
            .values_list("pk", flat=True)[:DISPATCH_BATCH]
        )
        if not ids:
            return None
        PublishJob.objects.filter(pk__in=ids).update(prepared_by=token, updated_at=now)
    jobs = _load(ids)
    far = sum(1 for job in jobs if not _local(job.channel))
    if on_full is not None and (len(ids) == DISPATCH_BATCH or far > NETWORK_BATCH):
        on_full()  # more to prepare, or more network posts than one claim: another worker joins in
    for job in jobs:
        job.prepared_by, job.updated_at = token, now
        job.__dict__["_payload"] = _payload(job.content_item, job.channel)  # what goes out, worked out now
    return _Prepared(token, now, sorted(jobs, key=lambda job: (job.scheduled_for, job.pk)))


def _publish_prepared(ahead: list[_Prepared]) -> int:
    """Claim and send the prepared jobs whose moment has come (network jobs a few at a time, as
    everywhere). Returns the number claimed; jobs changed since they were prepared are let go.

    Posts to local channels are recorded once all of them are out: writing thousands of rows down
    would otherwise hold back the next thousand posts. Until then their jobs stay `publishing` (after
    a crash, read back, never sent again). Network posts are recorded a portion at a time, as they go.
    """
    total = 0
    now = timezone.now()
    sent: Sent = []
    try:
        total = _send_prepared(ahead, now, sent)
    finally:
        for n in range(0, len(sent), DISPATCH_BATCH):
            _published_many(sent[n : n + DISPATCH_BATCH])
    ahead[:] = [batch for batch in ahead if batch.jobs]
    return total


def _send_prepared(ahead: list[_Prepared], now: Any, sent: Sent) -> int:
    """Claim and send what is due of each prepared batch; local successes are left in `sent`."""
    total = 0
    for batch in ahead:
        due = 0
        while due < len(batch.jobs) and batch.jobs[due].scheduled_for <= now:
            due += 1
        if not due:
            continue
        ready, batch.jobs = batch.jobs[:due], batch.jobs[due:]
        local = [job for job in ready if _local(job.channel)]
        far = [job for job in ready if not _local(job.channel)]
        portions: list[tuple[list[PublishJob], Sent | None]] = [
            (local[n : n + DISPATCH_BATCH], sent) for n in range(0, len(local), DISPATCH_BATCH)
        ]
        portions += [(far[n : n + NETWORK_BATCH], None) for n in range(0, len(far), NETWORK_BATCH)]
        for portion, record_later in portions:
            claimed = _claim_prepared(batch, portion, rest=len(portion) == len(ready) and not batch.jobs)
            total += len(claimed)
            _send_claimed(claimed, record_later)
    return total


def _claim_prepared(
    batch: _Prepared, jobs: list[PublishJob], *, rest: bool
) -> list[tuple[PublishJob, PublishAttempt]]:
    """Claim prepared jobs that are due and unchanged since they were prepared (`rest`: they are all
    the batch has left, so its mark finds them without listing them), then refresh what may have
    changed meanwhile without touching the job: the item (reloaded if it was saved since), the
    organisation (the pause switch) and the account (a revoked token, a rate limit)."""
    now = timezone.now()
    rows = PublishJob.objects.filter(
        prepared_by=batch.token, updated_at=batch.stamp, status=Job.SCHEDULED, scheduled_for__lte=now
    )
    if not rest:
        rows = rows.filter(pk__in=[job.pk for job in jobs])
    with transaction.atomic():
        item_saved = dict(
            rows.select_for_update(skip_locked=True, of=("self",)).values_list(
                "pk", "content_item__updated_at"
            )
        )
        if not item_saved:
            return []
        rows.update(
            status=Job.PUBLISHING, attempt_count=F("attempt_count") + 1, prepared_by="", updated_at=now
        )
    claimed = [job for job in jobs if job.pk in item_saved]
    for job in claimed:
        job.status, job.attempt_count, job.prepared_by, job.updated_at = (
            Job.PUBLISHING,
            job.attempt_count + 1,
            "",
            now,
        )
    stale = [job for job in claimed if item_saved[job.pk] != job.content_item.updated_at]
    if stale:
        fresh = {job.pk: job.content_item for job in _load(job.pk for job in stale)}
        for job in stale:
            job.content_item = fresh[job.pk]
            job.__dict__.pop("_payload", None)
    for org in {id(job.content_item.organization): job.content_item.organization for job in claimed}.values():
        org.refresh_from_db()  # the jobs of a batch share one object per organisation
    accounts = ChannelAccount.objects.in_bulk({job.account_id for job in claimed if job.account_id})
    for job in claimed:
        if job.account_id:
            job.account = accounts[job.account_id]  # whole: its token may have been renewed
    return [(job, PublishAttempt(job_id=job.pk, started_at=now)) for job in claimed]


def _settle_stuck_jobs() -> None:
    """A worker killed mid-publish leaves a job `publishing`: the post may have gone out (and its
    record not), so the job becomes `unconfirmed` and the reconciler reads it back."""
    cutoff = timezone.now() - timedelta(seconds=settings.PUBLISH_STUCK_AFTER_SECONDS)
    for job in PublishJob.objects.filter(status=Job.PUBLISHING, updated_at__lt=cutoff):
        with transaction.atomic():
            changed = PublishJob.objects.filter(pk=job.pk, status=Job.PUBLISHING).update(
                status=Job.UNCONFIRMED,
                updated_at=timezone.now(),
                last_error="The worker stopped during the call; checking with the network.",
            )
            if changed:
                audit_log(
                    action=actions.JOB_UNCONFIRMED,
                    obj=job,
                    after={"status": Job.UNCONFIRMED},
                    reason="worker stopped mid-publish",
                )


def publish_job_delete(*, actor: User, job: PublishJob, reason: str) -> PublishJob:
    """Take a published post down from its network (a revoked patient authorisation, an error)."""
    require(actor, Action.CONTENT_EDIT_ANY, job.organization)
    if not reason.strip():
        raise ValidationError("Say why the post comes down; it goes into the audit log.", field="reason")
    if job.status != Job.PUBLISHED or job.removed_at is not None:
        raise InvalidTransition("Only a published post that is still up can be deleted.")
    connector = get_connector(job.channel)
    if not connector.supports_delete:
        raise InvalidTransition(f"carecast cannot delete posts on {job.channel}; delete it there by hand.")
    try:
        connector.delete(job)
    except ConnectorError as exc:
        raise InvalidTransition(f"The network did not delete it: {exc}. Try again later.") from exc
    with transaction.atomic():
        job.removed_at = timezone.now()
        job.save(update_fields=["removed_at", "updated_at"])
        audit_log(
            action=actions.JOB_DELETE,
            actor=actor,
            obj=job,
            after={"removed_at": job.removed_at},
            reason=reason.strip(),
        )
    return job


METRICS_FOR = timedelta(days=30)


def post_metrics_pull(*, now: Any = None) -> int:
    """Ask each network for the counts of posts published in the last 30 days; one PostMetric row per
    post that has any. A network that gives none (or fails) is skipped until the next pull."""
    now = now or timezone.now()
    pulled = 0
    jobs = PublishJob.objects.filter(
        status=Job.PUBLISHED, removed_at__isnull=True, published_at__gte=now - METRICS_FOR
    ).select_related("account")
    for job in jobs:
        connector = get_connector(job.channel)
        if not connector.supports_metrics:
            continue
        try:
            counts = connector.metrics(job)
        except (ConnectorError, NotImplementedError):
            log.info("no metrics for job %s", job.pk, extra={"job_id": job.pk})
            continue
        if counts is None:
            continue
        PostMetric.objects.create(
            job=job,
            fetched_at=now,
            likes=counts.likes,
            reposts=counts.reposts,
            replies=counts.replies,
            quotes=counts.quotes,
            impressions=counts.impressions,
        )
        pulled += 1
    return pulled


# ---------------------------------------------------------------- the crisis switch and retries


def publishing_pause(*, actor: User, reason: str) -> int:
    """Stop every scheduled post of the organisation at once. Returns how many jobs were paused."""
    org = actor.tenant
    require(actor, Action.ORG_MANAGE, org)
    if not reason.strip():
        raise ValidationError("Say why publishing stops; it goes into the audit log.", field="reason")
    with transaction.atomic():
        org = Organization.objects.select_for_update().get(pk=org.pk)
        if org.publishing_paused_at is not None:
            raise InvalidTransition("Publishing is already paused.")
        org.publishing_paused_at, org.publishing_paused_reason, org.publishing_paused_by = (
            timezone.now(),
            reason.strip(),
            actor,
        )
        org.save(update_fields=["publishing_paused_at", "publishing_paused_reason", "publishing_paused_by"])
        paused = PublishJob.objects.filter(organization=org, status=Job.SCHEDULED).update(
            status=Job.PAUSED, updated_at=timezone.now()
        )
        audit_log(
            action=actions.PUBLISHING_PAUSE,
            actor=actor,
            organization=org,
            obj=org,
            reason=reason.strip(),
            after={"paused_jobs": paused},
        )
    return paused


def publishing_resume(*, actor: User, confirm: bool) -> tuple[int, int]:
    """Resume. Posts still in the future go back on schedule; posts whose time passed while paused are
    not sent now: they return to "approved, not scheduled" for a person to look at again.
    Returns (rescheduled, held back)."""
    org = actor.tenant
    require(actor, Action.ORG_MANAGE, org)
    if not confirm:
        raise ValidationError("Confirm that the crisis is over and publishing may resume.", field="confirm")
    now = timezone.now()
    with transaction.atomic():
        org = Organization.objects.select_for_update().get(pk=org.pk)
        if org.publishing_paused_at is None:
            raise InvalidTransition("Publishing is not paused.")
        paused = list(PublishJob.objects.select_for_update().filter(organization=org, status=Job.PAUSED))
        future = [job for job in paused if job.scheduled_for > now]
        past = [job for job in paused if job.scheduled_for <= now]
        for job in future:
            job.status = Job.SCHEDULED
            job.save(update_fields=["status", "updated_at"])
            publish_wakeup_schedule(job.scheduled_for)
        for job in past:
            job.status, job.last_error = (
                Job.CANCELLED,
                "Its time passed while publishing was paused; schedule it again.",
            )
            job.save(update_fields=["status", "last_error", "updated_at"])
            ContentItem.objects.filter(pk=job.content_item_id, status=Item.SCHEDULED).update(
                status=Item.APPROVED, publish_at=None, updated_at=now
            )
        org.publishing_paused_at, org.publishing_paused_reason, org.publishing_paused_by = None, "", None
        org.save(update_fields=["publishing_paused_at", "publishing_paused_reason", "publishing_paused_by"])
        audit_log(
            action=actions.PUBLISHING_RESUME,
            actor=actor,
            organization=org,
            obj=org,
            after={"rescheduled": len(future), "held_back": len(past)},
        )
    return len(future), len(past)


def content_item_retry(*, actor: User, item: ContentItem) -> PublishJob:
    """The owner retries a failed post after fixing what the message said: its job is due again now."""
    require(actor, Action.CONTENT_SCHEDULE, item.organization)
    with transaction.atomic():
        job = (
            PublishJob.objects.select_for_update()
            .filter(content_item=item, status__in=[Job.FAILED, Job.UNCONFIRMED])
            .order_by("-pk")
            .first()
        )
        if job is None:
            raise InvalidTransition("Nothing failed here to retry.")
        if job.status == Job.UNCONFIRMED and not _absent_on_network(job):
            raise InvalidTransition("We cannot yet tell whether it was posted; check the network first.")
        job.status, job.scheduled_for, job.last_error = Job.SCHEDULED, timezone.now(), ""
        job.save(update_fields=["status", "scheduled_for", "last_error", "updated_at"])
        ContentItem.objects.filter(pk=item.pk).update(status=Item.SCHEDULED, updated_at=timezone.now())
        audit_log(
            action=actions.JOB_RETRY_REQUEST,
            actor=actor,
            obj=job,
            organization=item.organization,
            after={"status": job.status},
        )
        publish_wakeup_schedule(job.scheduled_for)
    return job


def _absent_on_network(job: PublishJob) -> bool:
    try:
        return get_connector(job.channel).lookup(job, _payload(job.content_item, job.channel)) is None
    except Exception:
        return False
