"""A connector that posts nowhere, for tests and benchmarks: it keeps posts in memory, keyed by job,
and can be told to fail in each way a real network fails."""

from __future__ import annotations

import threading
from collections import deque

from carecast.channels.connectors import base
from carecast.channels.models import PublishJob


class DummyConnector(base.BaseConnector):
    name = "dummy"
    supports_threads = True
    supports_replies = True
    supports_images = True
    supports_alt_text = True
    supports_idempotency = True
    supports_delete = True
    supports_metrics = True
    local = True

    posts: dict[int, str] = {}  # job id → text: what "the network" holds
    likes: dict[int, int] = {}  # job id → likes the network reports
    calls: dict[int, int] = {}  # job id → number of publish calls
    replies_to: dict[int, str] = {}  # job id → the post a reply answered
    # next outcomes: "ok", "retry", "app_limit", "refuse", "reconnect", "unknown", "lost"
    script: deque[str] = deque()
    _lock = threading.Lock()

    @classmethod
    def reset(cls) -> None:
        with cls._lock:
            cls.posts, cls.calls, cls.script, cls.likes, cls.replies_to = {}, {}, deque(), {}, {}

    def publish(self, job: PublishJob, payload: base.Payload) -> base.PublishResult:
        with self._lock:
            self.calls[job.pk] = self.calls.get(job.pk, 0) + 1
            outcome = self.script.popleft() if self.script else "ok"
            if outcome == "retry":
                raise base.RetryLater("429 Too Many Requests", retry_after=30)
            if outcome == "app_limit":
                raise base.RetryLater("the app's daily quota is used up", retry_after=600, scope="app")
            if outcome == "refuse":
                raise base.DoNotRetry("the network says the text is too long (300 characters at most)")
            if outcome == "reconnect":
                raise base.Reconnect("the account's access was revoked")
            if outcome == "unknown":
                raise base.OutcomeUnknown("timed out before the network answered")
            self.posts.setdefault(job.pk, payload.text)  # idempotent: one post per job
            if payload.reply_to:
                self.replies_to.setdefault(job.pk, payload.reply_to)
            if outcome == "lost":  # the network posted it, but its answer never arrived
                raise base.OutcomeUnknown("the connection dropped after sending")
            return base.PublishResult(external_id=f"dummy-{job.pk}", url=f"https://dummy.invalid/{job.pk}")

    def lookup(self, job: PublishJob, payload: base.Payload | None = None) -> base.PublishResult | None:
        with self._lock:
            if job.pk in self.posts:
                return base.PublishResult(
                    external_id=f"dummy-{job.pk}", url=f"https://dummy.invalid/{job.pk}"
                )
            return None

    def delete(self, job: PublishJob) -> None:
        with self._lock:
            self.posts.pop(job.pk, None)

    def metrics(self, job: PublishJob) -> base.Metrics | None:
        with self._lock:
            if job.pk not in self.posts:
                return None
            return base.Metrics(likes=self.likes.get(job.pk, 0), reposts=0, replies=0, quotes=0)
