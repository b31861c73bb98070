"""What every channel connector offers, what it is given, and the errors that say what to do next."""

from __future__ import annotations

from dataclasses import dataclass, field

from carecast.channels.models import ChannelAccount, PublishJob


@dataclass(frozen=True)
class Media:
    path: str
    alt_text: str
    kind: str = "image"  # or "video"


@dataclass(frozen=True)
class Payload:
    """Provider-neutral: what to post. `thread` holds the follow-up parts where a network threads."""

    text: str
    media: tuple[Media, ...] = ()
    link: str = ""
    thread: tuple[str, ...] = ()
    reply_to: str = ""


@dataclass(frozen=True)
class PublishResult:
    external_id: str
    url: str = ""
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Metrics:
    """Counts a network gives for one post; None where it gives none."""

    likes: int | None = None
    reposts: int | None = None
    replies: int | None = None
    quotes: int | None = None
    impressions: int | None = None


class ConnectorError(Exception):
    """A post did not (certainly) go out. Subclasses say what the engine and the owner should do."""


class RetryLater(ConnectorError):
    """Nothing was posted and trying again later is safe (rate limit, 5xx before acceptance).

    `scope` says whose limit it is: the account's ("account") or the whole app's on that network
    ("app": every account of every organisation waits, as networks limit an app's total calls)."""

    def __init__(self, message: str, *, retry_after: float | None = None, scope: str = "account") -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.scope = scope


class DoNotRetry(ConnectorError):
    """The network refused the post itself (too long, media it will not take): a person must change it."""


class Reconnect(DoNotRetry):
    """The account's token was revoked or expired: its owner must reconnect it."""


class OutcomeUnknown(ConnectorError):
    """The call may have reached the network (a timeout after sending, a lost answer): never retry blindly."""


class BaseConnector:
    name = ""
    supports_threads = False
    supports_replies = False
    supports_images = False
    supports_video = False
    supports_alt_text = False
    supports_idempotency = False
    supports_delete = False
    supports_edit = False
    supports_metrics = False
    supports_stream = False
    # True when publish_batch posts a batch more cheaply than one call per post (the brand page writes
    # its posts in one INSERT); the engine then hands it a batch's posts together.
    batched = False
    # Calls that stay on this machine (no network round trip): the engine claims these hundreds at
    # a time; a network's jobs are claimed a few at a time, so a crash strands few of them.
    local = False

    def connect(self, account: ChannelAccount) -> None:
        """Check the account's credentials with the network and fill in what it tells us (its id, a
        session). Raises Reconnect when the network refuses them. Networks without a sign-in skip it."""

    def publish(self, job: PublishJob, payload: Payload) -> PublishResult:
        raise NotImplementedError

    def publish_batch(self, posts: list[tuple[PublishJob, Payload]]) -> list[PublishResult]:
        """Several posts at once, results in the same order; all of them or, raising, none."""
        return [self.publish(job, payload) for job, payload in posts]

    def lookup(self, job: PublishJob, payload: Payload | None = None) -> PublishResult | None:
        """Read back whether the job's post exists (for jobs whose outcome is unknown). None: it does
        not (or, for a thread, not all of it)."""
        raise NotImplementedError(f"{self.name} cannot read posts back; a person must check")

    def delete(self, job: PublishJob) -> None:
        raise NotImplementedError(f"{self.name} cannot delete posts")

    def metrics(self, job: PublishJob) -> Metrics | None:
        """The post's counts now, or None when the network does not give them."""
        raise NotImplementedError(f"{self.name} gives no metrics")
