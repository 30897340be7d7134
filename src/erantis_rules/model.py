"""Rules as data, and the findings they produce."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

__all__ = ["Finding", "Rule", "Severity"]


class Severity(StrEnum):
    """How serious a finding is: ``violation`` breaks law or a hard policy, ``warning`` needs
    attention, ``info`` is for the dialogue meeting."""

    INFO = "info"
    WARNING = "warning"
    VIOLATION = "violation"


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule of the catalogue: metadata only. The judgement lives in the rule family's
    predicate (reference evaluator) and durable condition (production evaluator)."""

    id: str
    title: str
    severity: Severity
    #: A legal reference ("SEL §83 stk. 3") or, where the law is not specific, the policy
    #: parameter the rule enforces ("Policy: adjustment_tolerance_pct").
    legal_reference: str
    #: Message template, formatted with the finding's facts (never personal data).
    message: str
    description: str
    #: Which derived fact kind the rule judges.
    fact: str = ""

    def render(self, values: dict[str, Any]) -> str:
        """The message for one finding."""
        return self.message.format(**values)


@dataclass(frozen=True, slots=True)
class Finding:
    """A rule broken (or at risk) for one subject.

    ``subject`` is a case id, or ``"team_id/period"`` for team rules. ``message`` is rendered
    from the rule's template and holds no CPR number, name or free text. ``evidence`` lists the
    ids of the events the finding rests on; ``due`` is the date by which something should
    have happened (or ``None``).
    """

    subject: str
    rule_id: str
    due: date | None
    evidence: tuple[str, ...]
    severity: Severity
    message: str
    legal_reference: str

    @property
    def key(self) -> tuple[str, str, str]:
        """Identity of a finding across evaluations (subject, rule, evidence)."""
        return (self.subject, self.rule_id, ",".join(self.evidence))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "rule_id": self.rule_id,
            "severity": self.severity.value,
            "subject": self.subject,
            "message": self.message,
            "legal_reference": self.legal_reference,
            "evidence": list(self.evidence),
            "due": self.due.isoformat() if self.due else None,
        }
