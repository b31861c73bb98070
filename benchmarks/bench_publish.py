"""Publishing under load: many jobs due in the same minute, through the dummy connector, with the
real Huey worker (two worker threads), on the configured database and queue.

    .venv/bin/python benchmarks/bench_publish.py [--jobs 10000]

Prints: how long the jobs took to create and enqueue, the dispatch cost per job (worker time per
published job), and lateness (published_at - scheduled_for) at p50, p99 and max.
Uses a throwaway var/ folder (SQLite + SqliteHuey) unless DATABASE_URL / HUEY_URL are set.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--lead", type=float, default=20.0, help="seconds from now until the jobs are due")
    args = parser.parse_args()
    var = tempfile.mkdtemp(prefix="carecast-bench-")
    env = {
        **os.environ,
        "CARECAST_VAR_DIR": var,
        "HUEY_IMMEDIATE": "0",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from carecast.accounts.services import brand_create, organization_create, user_create
    from carecast.channels.models import PublishJob
    from carecast.channels.tasks import publish_job_task
    from carecast.content.models import ContentItem

    call_command("migrate", verbosity=0)
    org = organization_create(name="Bench Health", slug="bench", time_zone="UTC")
    brand = brand_create(actor=None, organization=org, name="Bench", slug="bench")
    author = user_create(
        actor=None,
        organization=org,
        username="author",
        email="a@bench.example",
        password=None,
        roles=["contributor"],
    )
    due = timezone.now() + timedelta(seconds=args.lead)
    started = time.perf_counter()
    with transaction.atomic():
        items = ContentItem.objects.bulk_create(
            ContentItem(
                organization=org,
                brand=brand,
                author=author,
                title=f"Post {n}",
                text=f"Clinic update {n}.",
                status=ContentItem.Status.SCHEDULED,
                publish_at=due,
                approved_revision=1,
                approved_by=author,
                approved_at=timezone.now(),
            )
            for n in range(args.jobs)
        )
        jobs = PublishJob.objects.bulk_create(
            PublishJob(
                organization=org,
                content_item=item,
                brand=brand,
                channel="dummy",
                revision=1,
                scheduled_for=due,
            )
            for item in items
        )
        for job in jobs:
            publish_job_task.using(run_after=due).enqueue(job.pk)
    prepared = time.perf_counter() - started
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"database {django.db.connection.vendor}; queue {os.environ.get('HUEY_URL') or 'SqliteHuey'}"
    )
    print(f"{args.jobs} jobs created and enqueued in {prepared:.1f} s, due at {due:%H:%M:%S}")
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "run_huey", "--workers", "2", "--worker-type", "thread"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    cpu_before = _cpu(worker.pid)
    deadline = time.monotonic() + args.lead + 60 + args.jobs * 0.05
    try:
        while time.monotonic() < deadline:
            left = PublishJob.objects.exclude(status="published").count()
            if left == 0:
                break
            time.sleep(1)
        cpu_used = _cpu(worker.pid) - cpu_before
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    published = list(
        PublishJob.objects.filter(status="published").values_list("published_at", "scheduled_for")
    )
    lateness = sorted((p - s).total_seconds() for p, s in published)
    if not lateness:
        print("nothing was published")
        return 1
    p50 = statistics.median(lateness)
    p99 = lateness[min(len(lateness) - 1, int(len(lateness) * 0.99))]
    print(
        f"published {len(lateness)} of {args.jobs}; worker CPU {cpu_used:.1f} s = "
        f"{cpu_used / len(lateness) * 1000:.2f} ms per job"
    )
    print(f"lateness: p50 {p50:.2f} s, p99 {p99:.2f} s, max {lateness[-1]:.2f} s (goal: p99 under 2 s)")
    shutil.rmtree(var, ignore_errors=True)
    return 0


def _cpu(pid: int) -> float:
    """User + system CPU seconds of a process, from /proc (clock ticks)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


if __name__ == "__main__":
    sys.exit(main())
