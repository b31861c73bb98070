"""The process definitions in deploy/ name entry points that exist."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

from django.core.management import get_commands

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def _commands() -> list[str]:
    lines = [
        line.split(":", 1)[1]
        for line in (DEPLOY / "Procfile").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    for unit in (DEPLOY / "systemd").glob("*.service"):
        lines += re.findall(r"^Exec\w*=(.+)$", unit.read_text(), flags=re.MULTILINE)
    return [part.strip() for line in lines for part in line.split("&&")]


def test_every_process_runs_a_real_command():
    commands = _commands()
    assert len(commands) >= 6
    known = get_commands()
    for command in commands:
        words = command.split()
        if "manage.py" in command:
            assert words[words.index("manage.py") + 1] in known, command
        elif "gunicorn" in words[0]:
            module, attr = next(w for w in words if ":" in w and "." in w).split(":")
            assert callable(getattr(importlib.import_module(module), attr)), command
        else:
            raise AssertionError(f"unexpected process command: {command}")
