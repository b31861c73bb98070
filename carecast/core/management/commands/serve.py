"""Serve carecast on one machine: the web server and the Huey worker together; Ctrl-C stops both."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the web server (gunicorn) and the task worker (run_huey) together."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--bind", default=os.environ.get("BIND", "127.0.0.1:8000"))
        parser.add_argument("--threads", type=int, default=8)

    def handle(self, *args: Any, **options: Any) -> None:
        python = sys.executable
        web = [
            python,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--config",
            "python:config.gunicorn",
            "--bind",
            options["bind"],
            "--workers",
            "1",
            "--threads",
            str(options["threads"]),
        ]
        worker = [python, "manage.py", "run_huey", "--flush-locks"]
        procs = [subprocess.Popen(worker), subprocess.Popen(web)]  # noqa: S603  (fixed commands)
        self.stdout.write(
            f"carecast is running at http://{options['bind']}/  (Ctrl-C stops the web server and worker)"
        )
        stopping = False

        def stop(*_: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        while not stopping and all(p.poll() is None for p in procs):
            time.sleep(0.5)
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGINT)
        deadline = time.time() + 10
        for p in procs:
            try:
                p.wait(timeout=max(0.1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                p.kill()
        if not stopping:
            failed = [" ".join(map(str, p.args[1:3])) for p in procs if p.returncode not in (0, None)]  # type: ignore[index]
            raise SystemExit(f"stopped because a process exited: {failed}")
