from typing import Any

from django.core.management.base import BaseCommand

from carecast.core.audit import registered_actions

HEADER = """# Audit actions

Every state change is written to the audit log by the service that makes it, with one of these
registered names; `carecast.core.audit.audit_log` refuses any other. Each app registers its own
names in its `audit_actions.py`. Each entry records the actor, organisation, object, before and
after, a reason where one was given, the request id and the client address, and is hash-chained
to the entry before it (`manage.py audit_verify` proves the chain). This page is written by
`manage.py audit_actions > docs/audit-actions.md`; `tests/core/test_audit_docs.py` keeps it in step.

| action | meaning |
| --- | --- |"""


class Command(BaseCommand):
    help = "Print the registered audit actions as the Markdown table of docs/audit-actions.md."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(HEADER)
        for name, description in registered_actions().items():
            self.stdout.write(f"| `{name}` | {description} |")
