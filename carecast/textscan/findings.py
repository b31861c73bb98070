"""What every check returns: a finding with a span, a label, a rule id, a severity and a reason."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    BLOCK = "block"  # cannot be sent without an override by a permitted person, with a reason
    REVIEW = "needs_review"  # a reviewer must look at it
    ADVICE = "advice"  # shown to the writer; does not stop anything


PHI_LABELS = (
    "PERSON",
    "DATE",
    "AGE_OVER_89",
    "PHONE",
    "EMAIL",
    "ADDRESS",
    "LOCATION",
    "ZIP",
    "SSN",
    "MRN",
    "HEALTH_PLAN_ID",
    "ACCOUNT",
    "LICENSE",
    "URL",
    "IP",
    "DEVICE_ID",
    "VEHICLE_ID",
)


@dataclass(frozen=True, slots=True)
class Finding:
    start: int
    end: int
    label: str
    rule: str
    severity: Severity
    reason: str
    fix: str | None = None

    def as_span(self) -> dict[str, object]:
        return {
            "start": self.start,
            "end": self.end,
            "label": self.label,
            "rule": self.rule,
            "severity": str(self.severity),
        }
