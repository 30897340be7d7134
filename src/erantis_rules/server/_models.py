"""Private: the request and response bodies of the service, as pydantic models. The OpenAPI
document (``specs/openapi.json``) is generated from these and the event catalogue."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from erantis_rules import Finding

__all__ = [
    "AgendaBody",
    "AppendBody",
    "AppendResultBody",
    "CaseStateBody",
    "ChangeBody",
    "FeedBody",
    "FindingBody",
    "FindingPageBody",
    "HealthBody",
    "IngestResultBody",
    "LedgerBody",
    "ProblemBody",
    "RuleBody",
    "SettleBody",
    "SettlementBody",
    "TimelineBody",
]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ProblemError(_Body):
    """One field at fault in a rejected event."""

    model_config = ConfigDict(extra="allow", frozen=True)
    field: str
    problem: str
    index: int | None = Field(None, description="The event's index in the request's batch.")
    line: int | None = Field(None, description="The event's line in a JSON Lines upload.")
    value: str | None = Field(None, description="Shown only when it cannot be personal data.")


class ProblemBody(_Body):
    """An error, as RFC 9457 problem details with erantis' stable ``code``."""

    model_config = ConfigDict(extra="allow", frozen=True)
    type: str = Field(description="urn:erantis:problem:<code>")
    title: str
    status: int
    detail: str
    code: str = Field(description="erantis' stable error code, e.g. E-CONFLICT.")
    instance: str
    errors: list[ProblemError] | None = None


class AppendBody(_Body):
    """A batch of events to record (all or nothing)."""

    events: list[dict[str, Any]] = Field(
        description="Events (see the Event schema); re-sending one already stored is a no-op."
    )
    expected_version: int | None = Field(
        None,
        ge=0,
        description="The case's version the writer last saw (or use If-Match); 409 if it moved.",
    )


class AppendResultBody(_Body):
    """What an append did."""

    stored: int = Field(description="Events new and stored.")
    duplicates: int = Field(description="Events already stored (same event_id and content).")
    versions: dict[str, int] = Field(
        description="Stream versions after the append: by case id, or team_id/period."
    )


class IngestResultBody(_Body):
    """What a JSON Lines upload did."""

    lines: int
    stored: int
    duplicates: int


class FindingBody(_Body):
    """A rule broken (or at risk) for one subject (a case id, or team_id/period)."""

    subject: str
    rule_id: str
    severity: Literal["info", "warning", "violation"]
    message: str
    legal_reference: str
    evidence: list[str]
    due: date | None

    @classmethod
    def of(cls, finding: Finding) -> FindingBody:
        """The body of a finding."""
        return cls(
            subject=finding.subject,
            rule_id=finding.rule_id,
            severity=finding.severity.value,
            message=finding.message,
            legal_reference=finding.legal_reference,
            evidence=list(finding.evidence),
            due=finding.due,
        )


class FindingPageBody(_Body):
    """A page of findings in the stable order (subject, rule, due, evidence)."""

    as_of: date
    findings: list[FindingBody]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page; null: done.")


class CaseStateBody(_Body):
    """A case's state as of a day (figures only: no free text)."""

    case_id: str
    as_of: date
    version: int = Field(description="Events stored in the case (its ETag).")
    team_id: str | None
    municipality: str | None
    opened_on: date | None
    closed_on: date | None
    decisions: int
    active_decisions: int
    delegations: int
    visits: int
    admitted: bool


class TimelineEntry(_Body):
    """One event of a case's timeline (no free text)."""

    event_id: str
    type: str
    occurred_at: datetime
    recorded_by_role: str


class TimelineBody(_Body):
    """A case's events known as of a day, by occurred_at."""

    case_id: str
    as_of: date
    events: list[TimelineEntry]


class ChangeBody(_Body):
    """A finding that appeared or was resolved."""

    change: Literal["appeared", "resolved"]
    position: int = Field(description="The store position of the append that caused it.")
    finding: FindingBody


class FeedBody(_Body):
    """A page of the change feed."""

    as_of: date
    reset: bool = Field(
        description="True: re-read /v1/findings, then follow the feed from `cursor`."
    )
    changes: list[ChangeBody]
    cursor: str = Field(description="Pass as ?cursor= on the next poll.")


class CitizenLineBody(_Body):
    """One citizen's share of a team period."""

    case_id: str
    granted_minutes: int
    adjusted_minutes: int
    delivered_minutes: int
    variance_minutes: int


class LedgerBody(_Body):
    """A team period's frame ledger (rammeregnskab). Amounts are decimal strings (DKK)."""

    team_id: str
    period: str
    granted_minutes: int
    adjusted_minutes: int
    frame_minutes: int
    delivered_minutes: int
    variance_minutes: int
    variance_pct: str
    band: Literal["inside", "overspend", "underspend"]
    incentive_amount: str
    settled: bool
    citizens: list[CitizenLineBody]


class SettleBody(_Body):
    """A settlement request."""

    as_of: date | None = Field(
        None, description="The day of the settlement (default: the service's day)."
    )


class SettlementBody(_Body):
    """A recorded settlement (PeriodSettled)."""

    team_id: str
    period: str
    event_id: str
    granted_minutes: int
    delivered_minutes: int
    variance_pct: str
    band: Literal["inside", "overspend", "underspend"]
    incentive_amount: str
    policy_version: str | None = Field(
        None, description="The id of the policy version the period was settled under."
    )
    terms_digest: str | None = Field(
        None, description="The digest of the settlement terms used (SHA-256, hex)."
    )
    created: bool = Field(description="False: the period was settled already; this is it.")


class ReassessmentBody(_Body):
    """A citizen whose follow-up asked for a reassessment."""

    case_id: str
    subject_id: str
    recorded_on: date


class AdjustmentBody(_Body):
    """Time adjusted without the citizen's involvement."""

    case_id: str
    decision_id: str
    intervention: str
    delta_minutes: int
    adjusted_on: date


class AgendaBody(_Body):
    """The dialogue meeting's agenda for a team period."""

    team_id: str
    period: str
    as_of: date
    ledger: LedgerBody
    citizens: list[str]
    findings: list[FindingBody]
    reassessments: list[ReassessmentBody]
    adjustments_without_citizen: list[AdjustmentBody]


class RuleBody(_Body):
    """A rule of the catalogue."""

    id: str
    title: str
    severity: Literal["info", "warning", "violation"]
    legal_reference: str
    description: str


class HealthBody(_Body):
    """Liveness or readiness."""

    status: Literal["ok"]
    position: int | None = None
