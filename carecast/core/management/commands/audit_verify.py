from typing import Any

from django.core.management.base import BaseCommand, CommandError

from carecast.core.audit import verify_chain


class Command(BaseCommand):
    help = "Prove the audit log's hash chain; name the first broken entry if a row was edited or deleted."

    def handle(self, *args: Any, **options: Any) -> None:
        checked, problem = verify_chain()
        if problem:
            raise CommandError(f"Audit chain broken after {checked} good entries: {problem.message}")
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {checked} entries verified."))
