from __future__ import annotations

import re
from pathlib import Path

from carecast.core.audit import registered_actions

DOC = Path(__file__).resolve().parents[2] / "docs" / "audit-actions.md"


def test_every_registered_action_is_documented_and_nothing_else():
    documented = dict(re.findall(r"^\| `([a-z_.]+)` \| (.+) \|$", DOC.read_text(), flags=re.MULTILINE))
    assert documented == registered_actions()
