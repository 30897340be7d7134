"""The dialogue meeting agenda (dagsorden til dialogmødet): what purchaser and team look at
together for one team and settlement period.

:func:`dialogue_agenda` gathers, as of a day:

- the team's frame ledger of the period (:class:`~erantis_domain.projections.TeamLedger`), with
  the per-citizen lines that explain the variance;
- the open ``FRM-*`` (frame steering) and ``DEL-*`` (delegation) findings of the team's
  citizens and of the team's own settlement periods;
- citizens whose latest follow-up ended with FSIII outcome E4 (needs reassessment by the
  purchaser) and who have had no decision since;
- the team's adjustments in the period made without the citizen involved.

The team's citizens are those the team is responsible for (``CaseOpened.team_id``) or has a
decision, adjustment or visit of (:meth:`BudgetLedger.citizens_of
<erantis_domain.projections.BudgetLedger.citizens_of>`). The
result holds no free text from the events (reasons and notes may hold personal data).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from erantis_domain.case import CitizenCase, fold_as_of
from erantis_domain.errors import UnknownCaseError
from erantis_domain.events import Event, SettlementCorrected
from erantis_domain.projections import (
    BudgetLedger,
    SettlementTerms,
    TeamLedger,
    propose_corrections,
)
from erantis_domain.store import CaseStore
from erantis_domain.values import Actor, Role, period_bounds
from erantis_rules.engine import EvaluatorName, check
from erantis_rules.language.model import Finding
from erantis_rules.policy import Policy

__all__ = [
    "AGENDA_RULE_FAMILIES",
    "AdjustmentWithoutCitizen",
    "DialogueAgenda",
    "ReassessmentNeeded",
    "dialogue_agenda",
    "settlement_terms",
]

AGENDA_RULE_FAMILIES: tuple[str, ...] = ("FRM-", "DEL-")
"""Rule id prefixes whose findings go on the agenda."""


@dataclass(frozen=True, slots=True)
class ReassessmentNeeded:
    """A citizen whose follow-up of ``subject_id`` ended with E4 on ``recorded_on``, with no
    decision since: the purchaser must reassess (revisitation)."""

    case_id: str
    subject_id: str
    recorded_on: date
    event_id: str


@dataclass(frozen=True, slots=True)
class AdjustmentWithoutCitizen:
    """A team adjustment of a frame made without the citizen involved (co-production is the
    rule: the citizen decides with the team how the time is used)."""

    case_id: str
    decision_id: str
    intervention: str
    delta_minutes: int
    adjusted_on: date
    event_id: str


@dataclass(frozen=True, slots=True)
class DialogueAgenda:
    """Everything a dialogue meeting (dialogmøde) about a team's period needs."""

    team_id: str
    period: str
    as_of: date
    ledger: TeamLedger
    citizens: tuple[str, ...]
    findings: tuple[Finding, ...]
    reassessments: tuple[ReassessmentNeeded, ...]
    adjustments_without_citizen: tuple[AdjustmentWithoutCitizen, ...]
    #: Corrections the team's settled periods need and nobody recorded yet (proposed, as
    #: ``settle --corrections`` would record them); asked for with ``corrections=True``.
    corrections: tuple[SettlementCorrected, ...] = ()

    @property
    def needs_attention(self) -> bool:
        """Whether there is more to discuss than a period inside the band."""
        return bool(
            self.ledger.band != "inside"
            or self.findings
            or self.reassessments
            or self.adjustments_without_citizen
            or self.corrections
        )


class StreamReader(Protocol):
    """Where the agenda reads a case's and a team period's events: a
    :class:`~erantis_domain.store.CaseStore`, or the log a caller holds already, grouped the
    same way."""

    def case_events(self, case_id: str) -> list[Event]:
        """All events of a case in recording order (:class:`UnknownCaseError` when none)."""
        ...

    def team_events(self, team_id: str, period: str) -> list[Event]:
        """All events of a team period in recording order (possibly none)."""
        ...


def settlement_terms(policy: Policy) -> SettlementTerms:
    """The settlement terms a policy sets (band, gain share, loss cap, minute price, carry-over)."""
    return policy.settlement_terms()


def dialogue_agenda(
    store: CaseStore,
    team_id: str,
    period: str,
    *,
    as_of: date,
    policy: Policy | None = None,
    ledger: BudgetLedger | None = None,
    evaluator: EvaluatorName = "auto",
    corrections: bool = False,
) -> DialogueAgenda:
    """The agenda of a dialogue meeting about ``team_id``'s ``period``, as of ``as_of``.

    ``policy`` (the defaults when ``None``) gives the rules' thresholds and the settlement
    terms of the ledger. Pass a ``ledger`` projection to reuse it (it is caught up here);
    otherwise one is rebuilt from the store. Findings are those of
    :func:`erantis_rules.check` as of ``as_of`` with a rule id in
    :data:`AGENDA_RULE_FAMILIES`, for the team's citizens and the team's own periods;
    ``evaluator`` is passed on to it. ``corrections`` lists the corrections the team's
    settled periods need (:func:`~erantis_domain.projections.propose_corrections`: a read of
    the whole store's log).
    """
    policy = policy or Policy()
    ledger = ledger if ledger is not None else BudgetLedger()
    ledger.catch_up(store)
    return agenda_with_events(
        store, team_id, period, as_of, policy, ledger, evaluator, corrections=corrections
    )[0]


def agenda_with_events(
    store: CaseStore,
    team_id: str,
    period: str,
    as_of: date,
    policy: Policy,
    ledger: BudgetLedger,
    evaluator: EvaluatorName,
    *,
    corrections: bool = False,
    streams: StreamReader | None = None,
) -> tuple[DialogueAgenda, dict[str, list[Event]], list[Finding]]:
    """The agenda over a caught-up ``ledger``, the events of the team's citizens it read (by
    case id) and every finding of its check (before the agenda's choice), for a caller that
    would otherwise read and check them again. ``streams`` (the store when ``None``) gives
    the events of each case and team period."""
    source: StreamReader = streams if streams is not None else store
    figures = ledger.team_period(team_id, period, settlement_terms(policy))
    case_ids = {line.case_id for line in figures.lines} | set(ledger.citizens_of(team_id))
    citizen_events = _citizen_events(source, case_ids)
    states = {
        case_id: fold_as_of(case_id, events, as_of) for case_id, events in citizen_events.items()
    }
    team_events = [
        event
        for team_period in sorted({*ledger.active_periods(team_id), period})
        for event in source.team_events(team_id, team_period)
    ]
    all_events = [event for events in citizen_events.values() for event in events]
    findings = check([*all_events, *team_events], as_of=as_of, policy=policy, evaluator=evaluator)
    team_prefix = f"{team_id}/"
    relevant = tuple(
        finding
        for finding in findings
        if finding.rule_id.startswith(AGENDA_RULE_FAMILIES)
        and (finding.subject in citizen_events or finding.subject.startswith(team_prefix))
    )
    agenda = DialogueAgenda(
        team_id=team_id,
        period=period,
        as_of=as_of,
        ledger=figures,
        citizens=tuple(sorted(citizen_events)),
        findings=relevant,
        reassessments=tuple(
            need for case_id in sorted(states) for need in _reassessments(states[case_id])
        ),
        adjustments_without_citizen=_adjustments(states, team_id, period),
        corrections=tuple(
            propose_corrections(
                store,
                as_of=as_of,
                recorded_by=Actor(actor_id="erantis-agenda", role=Role.SYSTEM),
                teams={team_id},
            )
        )
        if corrections
        else (),
    )
    return agenda, citizen_events, findings


def _citizen_events(source: StreamReader, case_ids: set[str]) -> dict[str, list[Event]]:
    out: dict[str, list[Event]] = {}
    for case_id in sorted(case_ids):
        try:
            out[case_id] = source.case_events(case_id)
        except UnknownCaseError:  # pragma: no cover - the ledger saw events of every case
            continue
    return out


def _reassessments(state: CitizenCase) -> list[ReassessmentNeeded]:
    return sorted(
        (
            ReassessmentNeeded(
                case_id=state.case_id,
                subject_id=subject,
                recorded_on=follow_up.on,
                event_id=follow_up.event_id,
            )
            for subject, follow_up in state.awaiting_reassessment.items()
        ),
        key=lambda need: (need.recorded_on, need.subject_id),
    )


def _adjustments(
    states: dict[str, CitizenCase], team_id: str, period: str
) -> tuple[AdjustmentWithoutCitizen, ...]:
    first, last = period_bounds(period)
    found = [
        AdjustmentWithoutCitizen(
            case_id=state.case_id,
            decision_id=a.decision_id,
            intervention=a.intervention,
            delta_minutes=a.delta_minutes,
            adjusted_on=a.on,
            event_id=a.event_id,
        )
        for state in states.values()
        for a in state.adjustment_log
        if not a.citizen_involved and a.team_id == team_id and first <= a.on <= last
    ]
    return tuple(sorted(found, key=lambda a: (a.adjusted_on, a.case_id, a.event_id)))
