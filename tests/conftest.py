from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API runs an event loop in the main thread; Django's ORM then needs this in tests.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from django.utils import timezone

from tests.factories import BrandFactory, OrganizationFactory, make_user

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
REPO = Path(__file__).resolve().parent.parent
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    """Outside CI a browser test may skip when Chromium is absent; under `make test` nothing may skip."""
    require_all = os.environ.get("CARECAST_REQUIRE_ALL") == "1" or os.environ.get("CI") == "true"
    if require_all or shutil.which(CHROMIUM) or Path(CHROMIUM).exists():
        return
    skip = pytest.mark.skip(reason=f"Chromium not found at {CHROMIUM} (make test installs it)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    """The app's Content-Security-Policy refuses inline scripts; axe-core is injected by the test itself."""
    return {**browser_context_args, "bypass_csp": True}


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def org(db: Any) -> Any:
    return OrganizationFactory()


@pytest.fixture
def brand(org: Any) -> Any:
    return BrandFactory(organization=org)


@pytest.fixture
def people(org: Any) -> dict[str, Any]:
    """One person per role in `org`, keyed by role value."""
    from carecast.accounts.models import Role

    return {role.value: make_user(org, role.value) for role in Role}


@pytest.fixture
def later() -> Any:
    return timezone.now() + timedelta(hours=3)


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[Any]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 and a free port; mail goes to it."""
    from aiosmtpd.controller import Controller

    class Collect:
        def __init__(self) -> None:
            self.messages: list[Any] = []

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            self.messages.append(envelope)
            return "250 OK"

    with socket.socket() as s:  # aiosmtpd's Controller cannot take port 0 (its readiness probe connects)
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    handler = Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port},
        }
    }
    try:
        yield handler
    finally:
        controller.stop()


def check_accessibility(page: Any) -> None:
    """Run axe-core (from the npm registry) on the page; fail on serious or critical violations."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    bad = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert not bad, "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}" for v in bad
    )


def _free_port() -> int:
    from tests.pds.launch import free_port

    return free_port()


@pytest.fixture(scope="session")
def pds(tmp_path_factory: Any) -> Iterator[dict[str, Any]]:
    """A real Bluesky PDS (with an in-memory DID directory) on free loopback ports, for the session.
    Installed by scripts/setup-pds.sh; under `make test` (CARECAST_REQUIRE_ALL=1) a missing PDS fails."""
    from tests.pds import launch

    try:
        proc, info = launch.start(tmp_path_factory.mktemp("pds"))
    except launch.NotInstalled as exc:
        if os.environ.get("CARECAST_REQUIRE_ALL") == "1" or os.environ.get("CI") == "true":
            pytest.fail(str(exc))
        pytest.skip(str(exc))
    try:
        yield info
    finally:
        launch.stop(proc)
