"""textscan: PHI and health-care rule checks for short texts. Plain Python, no Django.

    from carecast.textscan import scan, Policy
    findings = scan("Thanks for choosing us for your surgery, Maria!", kind="reply")

Every finding has a span, a label, a rule id, a severity, a plain-English reason and, where there
is one, a suggested fix. docs/textscan.md describes the rules and the measured accuracy.
"""

from carecast.textscan.findings import PHI_LABELS, Finding, Severity
from carecast.textscan.policy import ALL_RULES, Media, Policy
from carecast.textscan.scan import scan

__all__ = ["ALL_RULES", "PHI_LABELS", "Finding", "Media", "Policy", "Severity", "scan"]
