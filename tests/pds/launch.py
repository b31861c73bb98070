"""Start and stop the real Bluesky PDS (installed by scripts/setup-pds.sh) on free loopback ports.
Used by the `pds` test fixture and by benchmarks/bench_publish.py."""

from __future__ import annotations

import json
import os
import select
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

PDS_DIR = Path(__file__).resolve().parent


class NotInstalled(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(data: Path) -> tuple[subprocess.Popen[bytes], dict[str, Any]]:
    """Start PLC + PDS bound to 127.0.0.1; return the process and its `ready` line (plus `url`)."""
    node_file = PDS_DIR / ".node-path"
    node = node_file.read_text().strip() if node_file.exists() else ""
    if not node or not (PDS_DIR / "node_modules" / "@atproto" / "pds").exists():
        raise NotInstalled("the Bluesky PDS is not installed: run scripts/setup-pds.sh")
    port, plc_port = free_port(), free_port()
    env = {
        **os.environ,
        "PDS_PORT": str(port),
        "PLC_PORT": str(plc_port),
        "PDS_DATA_DIRECTORY": str(data),
        "PDS_ADMIN_PASSWORD": "admin-pass",
        "LOG_ENABLED": "false",
    }
    with open(data / "pds.log", "wb") as errors:
        proc = subprocess.Popen(
            [node, "pds-launcher.mjs"], cwd=PDS_DIR, env=env, stdout=subprocess.PIPE, stderr=errors
        )
    assert proc.stdout is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if select.select([proc.stdout], [], [], 0.5)[0]:
            line = proc.stdout.readline()
            if line.startswith(b"{") and json.loads(line).get("event") == "ready":
                return proc, {**json.loads(line), "url": f"http://127.0.0.1:{port}"}
    stop(proc)
    raise RuntimeError(f"the PDS did not start; see {data / 'pds.log'}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    if proc.stdout is not None:
        proc.stdout.close()
