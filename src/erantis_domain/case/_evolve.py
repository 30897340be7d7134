"""Private: ``evolve``, the one place where case events become case state.

Each event is folded by one ``match`` arm that returns the new, typed state (a misspelt field
is a type error). Folding is pure: a state is never changed, storage is never touched.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any, Literal, TypedDict, Unpack

from erantis_domain import events as ev
from erantis_domain.asof import AsOf, business_day
from erantis_domain.case._state import (
    AdjustmentState,
    Admission,
    AgreementState,
    Certificate,
    CitizenCase,
    CourseState,
    DecisionState,
    Decline,
    DelegationState,
    FollowUp,
    FunctionalAssessment,
    MeetingState,
    NeedsReport,
    OwnHelper,
    ProviderChoice,
    SettlementState,
    Swap,
    TargetGroup,
    TeamPeriod,
    TrialStep,
    earliest_revision,
)
from erantis_domain.case._visits import Row, VisitLog

__all__ = [
    "evolve",
    "evolve_all",
    "evolve_team",
    "fold",
    "fold_as_of",
    "fold_team",
    "with_visit_rows",
]


# --- evolve ------------------------------------------------------------------------------------


class _CaseChanges(TypedDict, total=False):
    """The fields of :class:`CitizenCase` an event may change: a misspelt field is a type
    error (and a ``TypeError`` at run time), never a silent no-op."""

    opened_on: date
    team_id: str
    municipality: str
    closed_on: date
    referrals: tuple[date, ...]
    physician_referrals: tuple[date, ...]
    target_groups: tuple[TargetGroup, ...]
    functional_ability: tuple[FunctionalAssessment, ...]
    health_assessments: tuple[date, ...]
    rehab_potential_assessments: tuple[date, ...]
    courses: dict[str, CourseState]
    decisions: dict[str, DecisionState]
    adjustment_log: tuple[AdjustmentState, ...]
    swaps: tuple[Swap, ...]
    declines: tuple[Decline, ...]
    provider_choices: tuple[ProviderChoice, ...]
    needs_reports: tuple[NeedsReport, ...]
    certificates: tuple[Certificate, ...]
    own_helpers: dict[str, OwnHelper]
    visit_log: VisitLog
    delegations: dict[str, DelegationState]
    delegation_stops: dict[str, tuple[date, ...]]
    follow_ups: tuple[FollowUp, ...]
    awaiting_reassessment: dict[str, FollowUp]
    admissions: tuple[Admission, ...]


_CHANGEABLE = frozenset(_CaseChanges.__annotations__)


def _with(state: CitizenCase, **changes: Unpack[_CaseChanges]) -> CitizenCase:
    """The state with some fields changed and its version moved on by one."""
    if not _CHANGEABLE.issuperset(changes):  # pragma: no cover - mypy catches this first
        raise TypeError(f"CitizenCase has no field {sorted(changes.keys() - _CHANGEABLE)}")
    return _next(state, changes)


def _next(state: CitizenCase, changes: _CaseChanges, events: int = 1) -> CitizenCase:
    """What ``state.model_copy(update={**changes, "version": state.version + events})`` builds
    (the same fields, fields set, no extra or private attributes), without pydantic's generic
    copying: a state is made per event (or per run of visits), and most events are visits."""
    fields = state.__dict__.copy()
    fields.update(changes)
    fields["version"] = state.version + events
    fields_set = state.__pydantic_fields_set__
    if "version" not in fields_set or not fields_set.issuperset(changes):
        # Shared between states otherwise: pydantic copies it before it changes one.
        fields_set = fields_set | changes.keys() | {"version"}
    new = _new_state(type(state))
    _set(new, "__dict__", fields)
    _set(new, "__pydantic_fields_set__", fields_set)
    _set(new, "__pydantic_extra__", None)
    _set(new, "__pydantic_private__", None)
    return new


_new_state = object.__new__
# Sets an attribute of a frozen model: only ``_with`` does, on a state nobody has seen yet.
_set = object.__setattr__


def _decision(
    s: CitizenCase, e: ev.VisitationGranted | ev.VisitationRevised, day: date
) -> DecisionState:
    # A revision recorded before the decision it revises still ends it.
    revisions = [
        d for d in s.decisions.values() if d.revises == e.decision_id and d.valid_from is not None
    ]
    revised_from: date | None = None
    revised_by: str | None = None
    for later in revisions:
        assert later.valid_from is not None
        start = earliest_revision(revised_from, later.valid_from)
        if start != revised_from:
            revised_from, revised_by = start, later.decision_id
    return DecisionState(
        decision_id=e.decision_id,
        kind="granted" if isinstance(e, ev.VisitationGranted) else "revised",
        event_id=str(e.event_id),
        decided_on=day,
        legal_basis=e.legal_basis,
        frames=e.frames,
        course_frame=e.course_frame,
        care_course=e.care_course,
        goals_count=len(e.goals),
        valid_from=e.valid_from,
        valid_until=e.valid_until,
        follow_up_due=e.follow_up_due,
        team_id=e.team_id,
        revises=e.revises if isinstance(e, ev.VisitationRevised) else None,
        revised_by=revised_by,
        revised_from=revised_from,
        **_known_before(s, e),
    )


def _known_before(
    s: CitizenCase, e: ev.VisitationGranted | ev.VisitationRevised | ev.VisitationRejected
) -> dict[str, Any]:
    return {
        "has_reasons": bool(e.reasons.strip()),
        "complaint_guidance": e.complaint_guidance,
        "potential_assessed_before": bool(s.rehab_potential_assessments),
        "health_assessed_before": bool(s.health_assessments),
        "functional_assessed_on": s.functional_assessments[-1]
        if s.functional_assessments
        else None,
        "target_law": s.target_groups[-1].law if s.target_groups else None,
        "target_basis": s.target_groups[-1].basis if s.target_groups else None,
        "physician_referral": bool(s.physician_referrals)
        or getattr(e, "referral_ref", None) is not None,
        "fully_granted": e.fully_granted,
        "reasons_name": e.reasons_name,
        "guidance_states": e.guidance_states,
        "informed_in_writing": getattr(e, "informed_in_writing", True),
        "minor_favourable": getattr(e, "minor_favourable", False),
    }


def _revised(s: CitizenCase, e: ev.VisitationRevised, day: date) -> dict[str, DecisionState]:
    decisions = {**s.decisions, e.decision_id: _decision(s, e, day)}
    earlier = decisions.get(e.revises)
    if earlier is not None and earlier.decision_id != e.decision_id:
        start = earliest_revision(earlier.revised_from, e.valid_from)
        if start != earlier.revised_from:
            decisions[e.revises] = earlier.model_copy(
                update={"revised_by": e.decision_id, "revised_from": start}
            )
    return decisions


def _stopped(
    s: CitizenCase, delegation_id: str, status: Literal["suspended", "revoked"], day: date
) -> CitizenCase:
    """A delegation suspended, revoked or stopped (E3) on a day."""
    stops = {**s.delegation_stops, delegation_id: (*s.delegation_stops.get(delegation_id, ()), day)}
    delegation = s.delegations.get(delegation_id)
    if delegation is None or delegation.status == "revoked":
        return _with(s, delegation_stops=stops)
    changes: dict[str, object] = {"status": status}
    if status != delegation.status:
        changes["status_since"] = day
    if status == "revoked":
        changes["revoked_on"] = day
    changed = delegation.model_copy(update=changes)
    return _with(s, delegations={**s.delegations, delegation_id: changed}, delegation_stops=stops)


def _active_delegations(s: CitizenCase) -> tuple[str, ...]:
    """Delegations in force: not revoked, and not suspended since they were (re)delegated (an
    older suspension belongs to an earlier delegation under the same id)."""
    return tuple(
        d.delegation_id
        for d in s.delegations.values()
        if d.revoked_on is None
        and not any(x >= d.delegated_on for x in s.delegation_stops.get(d.delegation_id, ()))
    )


def _apply(s: CitizenCase, event: ev.DomainEvent) -> CitizenCase:
    """One case event folded into the state: the only place case events become state."""
    if type(event) is ev.VisitDelivered:
        # Most events are visits: the hot path, one row appended to the shared log.
        visit_log = s.visit_log.extended((event,))
        return _next(s, {"visit_log": visit_log})
    day = business_day(event.occurred_at)
    match event:
        case ev.CaseOpened():
            return _with(s, opened_on=day, team_id=event.team_id, municipality=event.municipality)
        case ev.ReferralReceived():
            if event.source in ("hospital", "gp"):
                return _with(
                    s,
                    referrals=(*s.referrals, day),
                    physician_referrals=(*s.physician_referrals, day),
                )
            return _with(s, referrals=(*s.referrals, day))
        case ev.TargetGroupAssessed():
            group = TargetGroup(
                on=day, law=event.law, basis=event.basis, event_id=str(event.event_id)
            )
            return _with(s, target_groups=(*s.target_groups, group))
        case ev.FunctionalAbilityAssessed():
            assessment = FunctionalAssessment(
                on=day,
                event_id=str(event.event_id),
                scores={e.condition: int(e.score) for e in event.scores},
            )
            return _with(s, functional_ability=(*s.functional_ability, assessment))
        case ev.HealthConditionAssessed():
            return _with(s, health_assessments=(*s.health_assessments, day))
        case ev.RehabilitationPotentialAssessed():
            return _with(s, rehab_potential_assessments=(*s.rehab_potential_assessments, day))
        case ev.RehabilitationCourseStarted():
            course = CourseState(
                course_id=event.course_id,
                started_on=day,
                planned_weeks=event.planned_weeks,
                goals_count=len(event.goals),
                event_ids=(str(event.event_id),),
                act=event.legal_basis.act,
                target_law=s.target_groups[-1].law if s.target_groups else None,
                basis=event.legal_basis,
            )
            return _with(s, courses={**s.courses, event.course_id: course})
        case ev.RehabilitationCourseEnded():
            # An end without a recorded start is still a fact: the course is known from its end.
            known = s.courses.get(event.course_id) or CourseState(
                course_id=event.course_id, started_on=day, planned_weeks=1, goals_count=0
            )
            ended = known.model_copy(
                update={"ended_on": day, "event_ids": (*known.event_ids, str(event.event_id))}
            )
            return _with(s, courses={**s.courses, event.course_id: ended})
        case ev.VisitationGranted():
            decision = _decision(s, event, day)
            decisions = {**s.decisions, event.decision_id: decision}
            # A new decision is the reassessment an E4 follow-up asked for.
            return _with(s, decisions=decisions, awaiting_reassessment={})
        case ev.VisitationRevised():
            return _with(s, decisions=_revised(s, event, day), awaiting_reassessment={})
        case ev.VisitationRejected():
            rejection = DecisionState(
                decision_id=event.decision_id,
                kind="rejected",
                event_id=str(event.event_id),
                decided_on=day,
                legal_basis=event.legal_basis,
                **_known_before(s, event),
            )
            decisions = {**s.decisions, event.decision_id: rejection}
            return _with(s, decisions=decisions, awaiting_reassessment={})
        case ev.HelpSwapped():
            swap = Swap(
                on=event.swapped_on,
                decision_id=event.decision_id,
                granted_intervention=event.granted_intervention,
                delivered_intervention=event.delivered_intervention,
                minutes=event.minutes,
                event_id=str(event.event_id),
            )
            return _with(s, swaps=(*s.swaps, swap))
        case ev.VisitDeclined():
            decline = Decline(
                on=event.declined_on,
                decision_id=event.decision_id,
                intervention=event.intervention,
                event_id=str(event.event_id),
            )
            return _with(s, declines=(*s.declines, decline))
        case ev.ProviderChosen():
            choice = ProviderChoice(
                decision_id=event.decision_id,
                provider_id=event.provider_id,
                change=event.change,
                requested_on=event.requested_on,
                effective_from=event.effective_from,
                event_id=str(event.event_id),
                via=event.via,
            )
            return _with(s, provider_choices=(*s.provider_choices, choice))
        case ev.FreeChoiceCertificateDecided():
            certificate = Certificate(
                decision_id=event.decision_id,
                granted=event.granted,
                on=event.decided_on,
                has_reasons=bool(event.reasons.strip()),
                event_id=str(event.event_id),
            )
            return _with(s, certificates=(*s.certificates, certificate))
        case ev.ChangedNeedsReported():
            report = NeedsReport(
                decision_id=event.decision_id, on=event.reported_on, event_id=str(event.event_id)
            )
            return _with(s, needs_reports=(*s.needs_reports, report))
        case ev.OwnHelperApproved():
            helper = OwnHelper(
                helper_id=event.helper_id,
                decision_id=event.decision_id,
                tasks=frozenset(event.tasks),
                contract=event.contract_ref is not None,
                on=day,
                event_id=str(event.event_id),
            )
            return _with(s, own_helpers={**s.own_helpers, event.helper_id: helper})
        case ev.TimeAdjustedByTeam():
            adjustment = AdjustmentState(
                decision_id=event.decision_id,
                intervention=event.intervention,
                delta_minutes=event.delta_minutes,
                on=day,
                team_id=event.team_id,
                citizen_involved=event.citizen_involved,
                event_id=str(event.event_id),
            )
            return _with(s, adjustment_log=(*s.adjustment_log, adjustment))
        case ev.NursingTaskDelegated():
            delegation = DelegationState(
                delegation_id=event.delegation_id,
                event_id=str(event.event_id),
                task=event.task,
                kind=event.kind,
                delegator_role=event.delegator_role,
                delegate_id=event.delegate_id,
                delegate_role=event.delegate_role,
                has_instruction=bool(event.instruction_ref and event.instruction_ref.strip()),
                competence_verified=event.competence_verified,
                delegated_on=day,
                follow_up_due=event.follow_up_due,
                status_since=day,
                delegator_id=event.delegator_id,
                pre_dispensed=event.pre_dispensed,
            )
            return _with(s, delegations={**s.delegations, event.delegation_id: delegation})
        case ev.DelegationSuspended():
            return _stopped(s, event.delegation_id, "suspended", day)
        case ev.DelegationRevoked():
            return _stopped(s, event.delegation_id, "revoked", day)
        case ev.FollowUpRecorded():
            follow_up = FollowUp(
                subject_id=event.subject_id,
                outcome=event.outcome,
                on=day,
                event_id=str(event.event_id),
            )
            followed = s.delegations.get(event.subject_id)
            if followed is not None and followed.status != "revoked":
                followed = followed.model_copy(
                    update={"last_follow_up": day, "last_outcome": event.outcome}
                )
                s = s.model_copy(
                    update={"delegations": {**s.delegations, event.subject_id: followed}}
                )
            awaiting = dict(s.awaiting_reassessment)
            awaiting.pop(event.subject_id, None)
            if event.outcome == "E4":
                awaiting[event.subject_id] = follow_up
            s = s.model_copy(
                update={
                    "follow_ups": (*s.follow_ups, follow_up),
                    "awaiting_reassessment": awaiting,
                }
            )
            if event.outcome == "E3":  # the task is stopped: a delegation ends
                return _stopped(s, event.subject_id, "revoked", day)
            return _with(s)
        case ev.CitizenAdmitted():
            admission = Admission(
                admitted_on=day,
                event_id=str(event.event_id),
                active_delegations=_active_delegations(s),
            )
            return _with(s, admissions=(*s.admissions, admission))
        case ev.CitizenDischarged():
            if not s.admitted:
                return _with(s)
            last = s.admissions[-1].model_copy(update={"discharged_on": day})
            return _with(s, admissions=(*s.admissions[:-1], last))
        case ev.CaseClosed():
            # Closed twice: the case closed on the earlier day.
            if s.closed_on is not None and s.closed_on <= day:
                return _with(s)
            return _with(s, closed_on=day)
    raise ValueError(f"{type(event).__name__} is not a case event")


def evolve(state: CitizenCase, event: ev.DomainEvent) -> CitizenCase:
    """Apply one case event to a case state and return the new state (pure).

    Raises ``ValueError`` for an event of another case or a team event: a programming error,
    not bad input (the store routes events by key).
    """
    if getattr(event, "case_id", None) != state.case_id:
        raise ValueError(
            f"event of case {getattr(event, 'case_id', None)!r} applied to {state.case_id!r}"
        )
    return _apply(state, event)


def evolve_team(state: TeamPeriod, event: ev.DomainEvent) -> TeamPeriod:
    """Apply one team event (dialogue meeting, settlement) to a team period (pure)."""
    if not isinstance(event, ev.TeamEvent) or (event.team_id, event.period) != (
        state.team_id,
        state.period,
    ):
        raise ValueError("event does not belong to this team period")
    version = state.version + 1
    match event:
        case ev.DialogueMeetingHeld():
            meeting = MeetingState(
                held_on=event.held_on,
                participants=event.participants,
                agreements_count=len(event.agreements),
                event_id=str(event.event_id),
            )
            agreed = tuple(
                AgreementState(
                    held_on=event.held_on,
                    owner=a.owner,
                    due=a.due,
                    indicator=a.indicator,
                    event_id=str(event.event_id),
                )
                for a in event.agreements
            )
            return state.model_copy(
                update={
                    "meetings": (*state.meetings, meeting),
                    "agreements": (*state.agreements, *agreed),
                    "version": version,
                }
            )
        case ev.ImprovementTrialRecorded():
            step = TrialStep(
                stage=event.stage,
                on=event.on,
                indicator=event.indicator,
                event_id=str(event.event_id),
            )
            trials = {**state.trials, event.trial_id: (*state.trials.get(event.trial_id, ()), step)}
            return state.model_copy(update={"trials": trials, "version": version})
        case ev.PeriodSettled():
            settlement = SettlementState(
                settled_on=business_day(event.occurred_at),
                granted_minutes=event.granted_minutes,
                delivered_minutes=event.delivered_minutes,
                band=event.band,
                variance_pct=str(event.variance_pct),
                incentive_amount=str(event.incentive_amount),
                event_id=str(event.event_id),
            )
            return state.model_copy(update={"settlement": settlement, "version": version})
    return state.model_copy(update={"version": version})


def evolve_all(state: CitizenCase, events: Iterable[ev.DomainEvent]) -> CitizenCase:
    """Apply case events, in the order given, to a state (pure): the state :func:`evolve`
    reaches one event at a time (equal, with the same fields set and version), but a run of
    consecutive visits makes one new state instead of one per visit."""
    run: list[ev.VisitDelivered] = []
    case_id = state.case_id
    for event in events:
        if type(event) is ev.VisitDelivered and event.case_id == case_id:
            run.append(event)
            continue
        if run:
            state = _next(state, {"visit_log": state.visit_log.extended(run)}, len(run))
            run = []
        state = evolve(state, event)
    if run:
        state = _next(state, {"visit_log": state.visit_log.extended(run)}, len(run))
    return state


def with_visit_rows(state: CitizenCase, rows: Sequence[Row]) -> CitizenCase:
    """The state :func:`evolve_all` reaches from consecutive visits of the case, given as
    rows already read from their events (:meth:`VisitLog.extended_rows`): a streaming check
    reads each visit once as it arrives and keeps only its row until the run is folded."""
    if not rows:
        return state
    return _next(state, {"visit_log": state.visit_log.extended_rows(rows)}, len(rows))


def fold(case_id: str, events: Iterable[ev.DomainEvent]) -> CitizenCase:
    """Fold case events, in the order given, into a fresh :class:`CitizenCase`."""
    return evolve_all(CitizenCase(case_id=case_id), events)


def fold_as_of(
    case_id: str, events: Iterable[ev.DomainEvent], as_of: AsOf | date | datetime
) -> CitizenCase:
    """The case as known ``as_of``: the events that had happened by then, folded in the order
    they happened (``occurred_at``; ties in the order given)."""
    known = AsOf.of(as_of)
    return fold(case_id, sorted((e for e in events if known.knows(e)), key=_occurred_at))


def _occurred_at(event: ev.DomainEvent) -> datetime:
    return event.occurred_at


def fold_team(team_id: str, period: str, events: Iterable[ev.DomainEvent]) -> TeamPeriod:
    """Fold team events, in the order given, into a fresh :class:`TeamPeriod`."""
    state = TeamPeriod(team_id=team_id, period=period)
    for event in events:
        state = evolve_team(state, event)
    return state
