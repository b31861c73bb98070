"""Publishing under load, with the real Huey workers (separate processes) on the configured storage.

    .venv/bin/python benchmarks/bench_publish.py [--scenario all|dummy|pds|crash] [--processes 2]

Scenarios (each in a fresh throwaway var/ folder: SQLite + SqliteHuey unless DATABASE_URL / HUEY_URL
are set):
  dummy  10,000 jobs due in the same minute through the dummy connector: dispatch cost per job
         (worker CPU per published job) and lateness (published_at - scheduled_for) p50/p99/max.
  pds    500 posts due in the same minute to a real Bluesky PDS on loopback: lateness and throughput.
  crash  1,500 posts to the PDS while a worker is killed (SIGKILL) 20 times at random moments and
         restarted; then the PDS is read back: duplicated and lost posts (goal 0 and 0).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SCENARIOS = ("dummy", "pds", "crash")
WARM = 3.5  # seconds a restarted worker needs before its first post (Django, the worker, the scanner)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scenario", choices=("all", *SCENARIOS), default="all")
    parser.add_argument(
        "--jobs", type=int, default=0, help="default: 10,000 (dummy), 500 (pds), 1,500 (crash)"
    )
    parser.add_argument(
        "--channel",
        choices=("dummy", "brand_page"),
        default="dummy",
        help="dummy scenario: the connector (brand_page: the built-in public page, posts in the database)",
    )
    parser.add_argument("--processes", type=int, default=2, help="worker processes")
    parser.add_argument("--threads", type=int, default=1, help="worker threads per process")
    parser.add_argument("--lead", type=float, default=0, help="seconds until due (default: by job count)")
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--seed", type=int, default=4)
    args = parser.parse_args()
    if args.scenario == "all":  # each scenario in its own process: its own database and queue
        failed = 0
        for name in SCENARIOS:
            argv = [a for a in sys.argv[1:] if not a.startswith("--scenario")]
            failed |= subprocess.call([sys.executable, __file__, "--scenario", name, *argv])
        return failed
    return run(args)


def run(args: Any) -> int:
    var = tempfile.mkdtemp(prefix=f"carecast-bench-{args.scenario}-")
    env = {
        **os.environ,
        "CARECAST_VAR_DIR": var,
        "HUEY_IMMEDIATE": "0",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "LOG_LEVEL": "WARNING",
        "HUEY_WORKERS": str(args.threads),
        # a killed worker's job is read back after 20 s instead of 5 min (longer than any call here)
        "PUBLISH_STUCK_AFTER_SECONDS": "20",
    }
    os.environ.update(env)
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    pds_proc = None
    workers: list[subprocess.Popen[bytes]] = []
    try:
        if args.scenario == "dummy":
            jobs = args.jobs or 10_000
            account = None
        else:
            from tests.pds import launch

            pds_proc, info = launch.start(Path(var))
            jobs = args.jobs or (1_500 if args.scenario == "crash" else 500)
            account = _bluesky_account(info["url"])
        on = f" on {args.channel}" if account is None else ""
        print(
            f"== {args.scenario}{on}: {jobs} jobs; machine {platform.machine()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()} (this machine's speed: {_calibration():.0f} ms for a fixed "
            f"Python loop, lower is faster); database {django.db.connection.vendor}; queue "
            f"{os.environ.get('HUEY_URL') or 'SqliteHuey'}; {args.processes} worker processes x "
            f"{args.threads} threads",
            flush=True,
        )
        # The workers are up before the jobs exist, as in production, where they run all day.
        workers += [_worker(env) for _ in range(args.processes)]
        started = time.monotonic()
        # the wakeup of each new job is part of the app's work before the moment (~0.5 ms a job here)
        due = _make_jobs(
            jobs, args.lead or 8.0 + jobs / 1000, account, ready_at=started + WARM, channel=args.channel
        )
        return _drive(args, env, jobs, due, account, workers)
    finally:
        for w in workers:  # still running if making the jobs failed (_drive stops them otherwise)
            if w.poll() is None:
                w.terminate()
                w.wait(timeout=30)
        if pds_proc is not None:
            from tests.pds import launch

            launch.stop(pds_proc)
        shutil.rmtree(var, ignore_errors=True)


def _bluesky_account(url: str) -> Any:
    from atproto import Client, models

    from carecast.accounts.services import brand_create, organization_create, user_create
    from carecast.channels.services import channel_account_create

    anon = Client(base_url=url + "/xrpc")
    anon.com.atproto.server.create_account(
        models.ComAtprotoServerCreateAccount.Data(
            handle="bench.test", email="bench@example.test", password="bench-main"
        )
    )
    owner = Client(base_url=url + "/xrpc")
    owner.login("bench.test", "bench-main", fetch_bsky_profile=False)
    app_password = owner.com.atproto.server.create_app_password({"name": "carecast"}).password
    org = organization_create(name="Bench Health", slug="bench", time_zone="UTC")
    brand = brand_create(actor=None, organization=org, name="Bench", slug="bench")
    admin = user_create(
        actor=None,
        organization=org,
        username="admin",
        email="x@bench.example",
        password=None,
        roles=["admin"],
    )
    return channel_account_create(
        actor=admin,
        brand=brand,
        network="bluesky",
        name="Bench",
        endpoint=url,
        handle="bench.test",
        secret=app_password,
    )


def _calibration() -> float:
    """Milliseconds this machine takes for a fixed piece of pure Python: the figures of two runs
    compare only as far as these do (shared machines vary by a factor of two or three)."""
    started = time.perf_counter()
    for _ in range(20_000):
        sum(range(1_000))
    return (time.perf_counter() - started) * 1000


def _make_jobs(count: int, lead: float, account: Any, ready_at: float, channel: str = "dummy") -> Any:
    """Approved, scheduled items with one job each, all due `lead` seconds after they exist (and not
    before the workers are ready at `ready_at`, a time.monotonic() value)."""
    from django.db import transaction
    from django.utils import timezone

    from carecast.accounts.services import brand_create, organization_create, user_create
    from carecast.channels.models import PublishJob
    from carecast.channels.services import publish_wakeup_schedule
    from carecast.compliance.checks import clean_fingerprint, unresolved_blocks
    from carecast.content.models import ContentItem

    if account is None:
        org = organization_create(name="Bench Health", slug="bench", time_zone="UTC")
        brand = brand_create(actor=None, organization=org, name="Bench", slug="bench")
    else:
        org, brand = account.organization, account.brand
    author = user_create(
        actor=None, organization=org, username="author", email="a@bench.example", password=None, roles=[]
    )
    started = time.perf_counter()
    due = timezone.now() + timedelta(days=1)  # set to the real moment once every job exists
    approved = []
    for n in range(count):  # as an approval leaves them: approved, scheduled, checked
        item = ContentItem(
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
        item.checked_clean = "" if unresolved_blocks(item) else clean_fingerprint(item)
        approved.append(item)
    # The workers finish starting first (their start-up checks read the database, and a long write
    # would make them wait); then short transactions, as the app's own: the rows, their time, and
    # one wakeup per job in its own transaction, as when people schedule posts one by one.
    time.sleep(max(ready_at - time.monotonic(), 0))
    with transaction.atomic():
        items = ContentItem.objects.bulk_create(approved)
        jobs = PublishJob.objects.bulk_create(
            PublishJob(
                organization=org,
                content_item=item,
                brand=brand,
                channel=channel if account is None else "bluesky",
                account=account,
                revision=1,
                scheduled_for=due,
                round_at=due,
            )
            for item in items
        )
    due = timezone.now() + timedelta(seconds=lead)
    with transaction.atomic():
        ContentItem.objects.filter(pk__in=[item.pk for item in items]).update(publish_at=due)
        PublishJob.objects.update(scheduled_for=due, round_at=due)
    for _job in jobs:  # what the app does for each new job: one dispatcher per second of due time
        publish_wakeup_schedule(due)
    ahead = (due - timezone.now()).total_seconds()
    print(
        f"{count} jobs created and enqueued in {time.perf_counter() - started:.1f} s, due at {due:%H:%M:%S}, "
        f"{ahead:.1f} s after they were all enqueued"
    )
    if ahead < 2:
        raise SystemExit("the jobs were due before they were all enqueued: use a longer --lead")
    return due


def _worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "manage.py", "run_huey", "--worker-type", "thread"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _drive(
    args: Any, env: dict[str, str], count: int, due: Any, account: Any, workers: list[subprocess.Popen[bytes]]
) -> int:
    from django.utils import timezone

    from carecast.channels.models import PublishJob

    started = [time.monotonic() - WARM] * len(workers)  # up since before the jobs were made
    cpu_before = sum(_cpu(w.pid) for w in workers)  # starting up is not dispatch work; loading ahead is
    cpu = 0.0
    kills = 0
    rng = random.Random(args.seed)
    deadline = time.monotonic() + (due - timezone.now()).total_seconds() + 300 + count * 0.05
    next_kill = None
    if args.scenario == "crash":
        # the first kill once posts are going out, then one every 0.5 to 2.5 s, at random; the victim is
        # a worker up for at least WARM seconds (so it is publishing, not still starting)
        next_kill = time.monotonic() + max((due - timezone.now()).total_seconds(), 0) + rng.uniform(0.5, 2.5)
    try:
        while time.monotonic() < deadline:
            stopped = [w.returncode for w in workers if w.poll() is not None]
            if stopped and next_kill is None:
                print(f"a worker stopped by itself (exit code {stopped[0]}): this run does not count")
                return 1
            open_jobs = PublishJob.objects.exclude(status__in=["published", "failed", "cancelled"]).count()
            warm = [i for i, t in enumerate(started) if time.monotonic() - t >= WARM]
            if next_kill is not None and kills < args.kills and time.monotonic() >= next_kill and warm:
                victim = rng.choice(warm)
                os.kill(workers[victim].pid, signal.SIGKILL)
                workers[victim].wait()
                workers[victim] = _worker(env)
                started[victim] = time.monotonic()
                kills += 1
                next_kill = time.monotonic() + rng.uniform(0.5, 2.5)
                if open_jobs == 0:
                    print(f"kill {kills} came after every job was done: use more --jobs")
                continue
            if open_jobs == 0 and (next_kill is None or kills >= args.kills):
                break
            time.sleep(0.1 if next_kill is not None else 1)
        cpu = sum(_cpu(w.pid) for w in workers) - cpu_before
    finally:
        for w in workers:
            w.terminate()
        for w in workers:
            w.wait(timeout=30)
    rows = list(PublishJob.objects.filter(status="published").values_list("published_at", "scheduled_for"))
    states = dict.fromkeys(("published", "failed", "unconfirmed", "publishing", "scheduled"), 0)
    for status in PublishJob.objects.values_list("status", flat=True):
        states[status] = states.get(status, 0) + 1
    print("job states:", ", ".join(f"{k} {v}" for k, v in states.items() if v))
    if not rows:
        print("nothing was published")
        return 1
    lateness = sorted((p - s).total_seconds() for p, s in rows)
    p50 = statistics.median(lateness)
    p99 = lateness[min(len(lateness) - 1, int(len(lateness) * 0.99))]
    span = (max(p for p, _ in rows) - due).total_seconds()
    print(
        f"lateness: first {lateness[0]:.2f} s, p50 {p50:.2f} s, p99 {p99:.2f} s, max {lateness[-1]:.2f} s "
        "(goal: p99 under 2 s)"
    )
    per_second = statistics.quantiles(lateness, n=10) if len(lateness) > 10 else []
    if per_second:
        print("lateness deciles:", " ".join(f"{q:.2f}" for q in per_second))
    print(f"throughput: {len(rows)} published in {span:.1f} s after they were due = {len(rows) / span:.0f}/s")
    from django.db.models import Max

    from carecast.channels.models import PublishAttempt

    written = PublishAttempt.objects.filter(outcome="published").aggregate(last=Max("finished_at"))["last"]
    recorded = (written - due).total_seconds()
    print(f"recorded: the last published job was written down {recorded:.2f} s after it was due")
    if args.scenario == "dummy":
        per_job = cpu / len(rows) * 1000
        print(f"dispatch cost: worker CPU from the jobs' creation on {cpu:.1f} s = {per_job:.2f} ms per job")
    if args.scenario == "crash":
        from carecast.core.models import AuditEntry

        stopped = AuditEntry.objects.filter(
            action="publish_job.unconfirmed", reason="worker stopped mid-publish"
        ).count()
        again = PublishJob.objects.filter(attempt_count__gt=1).count()
        print(
            f"workers killed with SIGKILL: {kills}; jobs a killed worker left publishing (read back, "
            f"not re-sent blindly): {stopped}; jobs that needed more than one attempt: {again}"
        )
    if account is not None:
        duplicates, lost = _read_back(account, count)
        print(f"read back from the PDS: {duplicates} duplicated posts, {lost} lost posts (goal 0 and 0)")
        if duplicates or lost:
            return 1
    return 0 if len(rows) == count else 1


def _read_back(account: Any, count: int) -> tuple[int, int]:
    """Every post in the account's repository, by text: each item's text must be there exactly once."""
    from collections import Counter

    from atproto import Client

    client = Client(base_url=account.endpoint + "/xrpc")
    texts: Counter[str] = Counter()
    cursor = None
    while True:
        page = client.com.atproto.repo.list_records(
            {"repo": account.external_id, "collection": "app.bsky.feed.post", "limit": 100, "cursor": cursor}
        )
        texts.update(r.value.text for r in page.records)
        cursor = page.cursor
        if not cursor or not page.records:
            break
    expected = {f"Clinic update {n}." for n in range(count)}
    duplicates = sum(n - 1 for n in texts.values() if n > 1)
    lost = len(expected - set(texts))
    return duplicates, lost


def _cpu(pid: int) -> float:
    """User + system CPU seconds of a process, from /proc (clock ticks)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


if __name__ == "__main__":
    sys.exit(main())
