"""What every channel connector offers, and the errors it raises."""

from __future__ import annotations

from dataclasses import dataclass, field

from carecast.channels.models import PublishJob


@dataclass(frozen=True)
class Media:
    path: str
    alt_text: str


@dataclass(frozen=True)
class Payload:
    """Provider-neutral: what to post."""

    text: str
    media: tuple[Media, ...] = ()


@dataclass(frozen=True)
class PublishResult:
    external_id: str
    url: str = ""
    extra: dict[str, str] = field(default_factory=dict)


class ConnectorError(Exception):
    """A post did not go out. `retry` says whether trying again later is safe."""

    retry = False


class RetryLater(ConnectorError):
    retry = True


class DoNotRetry(ConnectorError):
    retry = False


class BaseConnector:
    name = ""
    supports_images = False
    supports_alt_text = False
    supports_threads = False
    supports_idempotency = False
    supports_delete = False
    supports_edit = False
    supports_metrics = False
    supports_stream = False
    # True when posting and recording the job happen in one database transaction (no lost answer possible).
    transactional = False

    def publish(self, job: PublishJob, payload: Payload) -> PublishResult:
        raise NotImplementedError
